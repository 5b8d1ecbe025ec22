"""The Block Kit validator (tests/support/block_kit.py) and its hook in the fake Slack.

The rules follow Slack's documented limits; each test breaks one and checks that it is caught, so
the validator that checks every payload of every other test cannot silently accept anything.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from bot.slack.blocks import render
from bot.slack.home import home_view
from handlers.core.replies import ActionItem, Button, Reply, Section
from tests.support import block_kit
from tests.support.block_kit import message_problems, view_problems
from tests.support.fake_slack import FakeSlack
from tests.support.slack_harness import LoopThread, loop_fixture, serve  # noqa: F401


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(label: str, action_id: str, value: str = "v") -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action_id, "value": value}


def modal(**extra: Any) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Nytt punkt"},
            "submit": {"type": "plain_text", "text": "Lagre"}, "blocks": [section("hei")], **extra}


def test_a_valid_message_and_view_pass() -> None:
    assert message_problems({"text": "hei", "blocks": [section("hei"), {"type": "divider"},
                                                       {"type": "actions", "elements": [button("Ferdig", "a1")]}]}) == []
    assert view_problems(modal()) == []
    assert view_problems({"type": "home", "blocks": [section("hei")]}) == []


@pytest.mark.parametrize(("payload", "expected"), [
    ({"text": "x", "blocks": [section("x")] * 51}, "51 blocks, maximum 50"),
    ({"blocks": [section("x")]}, "fallback text is required"),
    ({"text": "x", "blocks": [section("x" * 3001)]}, "3001 characters, maximum 3000"),
    ({"text": "x", "blocks": [section("")]}, "non-empty"),
    ({"text": "x", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]}, "maximum 150"),
    ({"text": "x", "blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}]}, "not allowed"),
    ({"text": "x", "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}]},
     "11 context elements"),
    ({"text": "x", "blocks": [{"type": "actions", "elements": [button("b", f"a{n}") for n in range(26)]}]},
     "26 actions elements"),
    ({"text": "x", "blocks": [{"type": "actions", "elements": [button("b" * 76, "a")]}]}, "maximum 75"),
    ({"text": "x", "blocks": [{"type": "actions", "elements": [button("b", "a", "v" * 2001)]}]}, "maximum 2000"),
    ({"text": "x", "blocks": [{"type": "actions", "elements": [button("b", "a" * 256)]}]}, "action_id is 256"),
    ({"text": "x", "blocks": [{"type": "actions", "elements": [button("b", "a")]},
                              {"type": "actions", "elements": [button("c", "a")]}]}, "not unique"),
    ({"text": "x", "blocks": [section("a", block_id="b1"), section("b", block_id="b1")]}, "not unique"),
    ({"text": "x", "blocks": [section("a", block_id="b" * 256)]}, "block_id is 256"),
    ({"text": "x", "blocks": [{"type": "tabell"}]}, "unknown block type"),
])
def test_message_limits(payload: dict[str, Any], expected: str) -> None:
    problems = message_problems(payload)
    assert any(expected in p for p in problems), problems


def select(options: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": "input", "block_id": "f", "label": {"type": "plain_text", "text": "Felt"},
            "element": {"type": "static_select", "action_id": "f", "options": options, **extra}}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


@pytest.mark.parametrize(("view", "expected"), [
    (modal(title={"type": "plain_text", "text": "t" * 25}), "maximum 24"),
    (modal(submit={"type": "plain_text", "text": "s" * 25}), "maximum 24"),
    (modal(close={"type": "plain_text", "text": "c" * 25}), "maximum 24"),
    (modal(private_metadata="m" * 3001), "private_metadata is 3001"),
    (modal(blocks=[section("x")] * 101), "101 blocks, maximum 100"),
    ({"type": "home", "blocks": [section("x")] * 101}, "101 blocks, maximum 100"),
    (modal(blocks=[select([option("o" * 76, "1")])]), "maximum 75"),
    (modal(blocks=[select([option("o", "v" * 151)])]), "option value is 151"),
    (modal(blocks=[select([option("o", str(n)) for n in range(101)])]), "101 options"),
    (modal(blocks=[select([option("o", "1")], initial_option=option("p", "2"))]), "not one of the options"),
    ({"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": [select([option("o", "1")])]},
     "needs a submit"),
])
def test_view_limits(view: dict[str, Any], expected: str) -> None:
    problems = view_problems(view)
    assert any(expected in p for p in problems), problems


def test_the_bots_biggest_renderings_are_valid() -> None:
    """A 300-item list becomes several valid messages; the Home view of it fits in 100 blocks."""
    items = [ActionItem(id=n, text=f"Punkt {n} " + "lang tekst " * 30, parties=("AU",), party_keys=("au",),
                        deadline=None, deadline_label="1. mars 2027", status="open", status_label="Åpen",
                        buttons=(Button("Ferdig", f"ferdig {n}"), Button("Vis", f"vis {n}")))
             for n in range(1, 301)]
    reply = Reply(title="Oppfølgingspunkter " + "x" * 200, lines=["l" * 5000],
                  sections=[Section(title="Forfalt", items=items)], buttons=[Button("Neste side", "liste side 2")])
    for message in render(reply, source="liste"):
        assert message_problems({"text": message.text, "blocks": message.blocks}) == []
    meetings = Section(title="Neste møter", lines=["*mandag* – møte"])
    home = Reply(title=reply.title, lines=reply.lines, sections=[*reply.sections, meetings], buttons=reply.buttons)
    assert view_problems(home_view(home)) == []


def test_the_fake_answers_a_violation_with_slacks_error_and_the_guard_records_it(loop_thread: LoopThread) -> None:
    fake = FakeSlack()
    runner, fake.url = loop_thread.run(serve(fake.web_app()))
    try:
        body = json.dumps({"channel": "C1", "text": "x", "blocks": [section("x")] * 51}).encode()
        request = urllib.request.Request(fake.url + "/api/chat.postMessage", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            answer = json.loads(response.read())
        assert answer["ok"] is False and answer["error"] == "invalid_blocks"
        request = urllib.request.Request(fake.response_url(), data=json.dumps({"blocks": [section("x")]}).encode(),
                                         headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 400
        assert len(fake.violations) == 2 and fake.answers == []
        assert any("51 blocks" in v for v in block_kit.VIOLATIONS)
    finally:
        block_kit.VIOLATIONS.clear()  # provoked on purpose: this test must not fail for them
        loop_thread.run(runner.cleanup())
