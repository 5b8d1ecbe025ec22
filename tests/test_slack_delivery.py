"""The Slack deliverer against the fake Web API over real HTTP: rate limits, server errors, DMs, long digests.

The retry handlers take their sleep as a parameter: the tests record the waits instead of waiting.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest

from bot import delivery
from bot.config import Settings
from bot.delivery import DeliveryError, Destination
from bot.slack.client import web_client
from bot.slack.delivery import SlackDeliverer
from handlers.core.replies import ActionItem, Button, Reply, Section
from tests.support.fake_slack import FakeSlack
from tests.support.slack_harness import LoopThread, Slack, all_text, loop_fixture, serve, slack_fixture  # noqa: F401


class Harness:
    def __init__(self, loop: LoopThread, fake: FakeSlack, api_url: str) -> None:
        self.loop = loop
        self.fake = fake
        self.sleeps: list[float] = []

        async def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        settings = Settings(slack_bot_token="xoxb-" + secrets.token_hex(8), slack_api_url=api_url)
        self.deliverer = SlackDeliverer(web_client(settings, sleep=sleep))

    def send(self, destination: Destination, reply: Reply) -> str:
        return self.loop.run(self.deliverer.send(destination, reply))


@pytest.fixture
def harness(loop_thread: LoopThread) -> Iterator[Harness]:
    fake = FakeSlack()
    runner, fake.url = loop_thread.run(serve(fake.web_app()))
    yield Harness(loop_thread, fake, fake.url + "/api/")
    loop_thread.run(runner.cleanup())


def reminder(text: str = "Husk å sende innspill innen fredag") -> Reply:
    return Reply(title="Påminnelse", lines=[text], private=False)


def digest(count: int, text_length: int = 60) -> Reply:
    items = []
    for n in range(1, count + 1):
        text = f"Oppgave {n:03d} " + "x" * max(0, text_length - 13)
        items.append(ActionItem(
            id=n, text=text, parties=("AU",), party_keys=("au",), deadline=date(2027, 1, 15),
            deadline_label="15. januar 2027", status="open", status_label="åpen", overdue=n % 7 == 0,
            buttons=(Button("Ferdig", f"ferdig {n}", style="primary"), Button("Vis", f"vis {n}")),
        ))
    return Reply(title="Ukentlig oversikt for AU", lines=[f"{count} åpne punkter"],
                 sections=[Section(title="Denne uken", items=items)], private=False)


def test_a_429_is_retried_after_retry_after_and_arrives_once(harness: Harness) -> None:
    harness.fake.fail_next("chat.postMessage", status=429, retry_after=7)
    message_id = harness.send(Destination("slack", "C0AU"), reminder())
    assert len(harness.fake.refused) == 1
    posted = harness.fake.of("chat.postMessage")
    assert len(posted) == 1 and posted[0].params["channel"] == "C0AU"
    assert message_id == f"C0AU:{posted[0].result['ts']}"
    assert len(harness.sleeps) == 1 and 7 <= harness.sleeps[0] < 8  # Retry-After, plus a little jitter


def test_server_errors_are_retried_with_backoff(harness: Harness) -> None:
    harness.fake.fail_next("chat.postMessage", status=500, times=2)
    harness.send(Destination("slack", "C0AU"), reminder())
    assert len(harness.fake.of("chat.postMessage")) == 1
    # Exponential backoff (0.5 s, then 1 s) plus up to a second of jitter each.
    assert len(harness.sleeps) == 2
    assert 0.5 <= harness.sleeps[0] < 1.5 and 1.0 <= harness.sleeps[1] < 2.0


def test_a_rate_limit_that_outlasts_the_retries_is_raised_for_the_retry_queue(harness: Harness) -> None:
    harness.fake.fail_next("chat.postMessage", status=429, retry_after=30, times=10)
    with pytest.raises(DeliveryError) as raised:
        harness.send(Destination("slack", "C0AU"), reminder())
    assert raised.value.retry_after == 30 and not raised.value.permanent
    assert harness.fake.of("chat.postMessage") == []


def test_a_missing_channel_is_a_permanent_failure(harness: Harness) -> None:
    harness.fake.errors["chat.postMessage"] = "channel_not_found"
    with pytest.raises(DeliveryError) as raised:
        harness.send(Destination("slack", "C0GONE"), reminder())
    assert raised.value.permanent


def test_unreachable_slack_is_a_transient_failure(loop_thread: LoopThread) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    harness = Harness(loop_thread, FakeSlack(), f"http://127.0.0.1:{port}/api/")
    with pytest.raises(DeliveryError) as raised:
        harness.send(Destination("slack", "C0AU"), reminder())
    assert not raised.value.permanent
    assert len(harness.sleeps) == 2  # the connection was retried before giving up


def test_a_person_gets_a_direct_message(harness: Harness) -> None:
    harness.send(Destination("slack", "U0KARI", kind="user"), reminder())
    assert harness.fake.of("conversations.open")[0].params["users"] == "U0KARI"
    assert harness.fake.of("chat.postMessage")[0].params["channel"] == "DU0KARI"


def test_a_300_item_digest_is_split_into_messages_of_at_most_50_blocks(harness: Harness) -> None:
    harness.send(Destination("slack", "C0AU"), digest(300))
    posted = [c.params for c in harness.fake.of("chat.postMessage")]
    assert len(posted) >= 300 * 2 // 50
    seen: list[str] = []
    for part, message in enumerate(posted, start=1):
        assert 0 < len(message["blocks"]) <= 50
        if part > 1:
            assert f"del {part} av {len(posted)}" in all_text(message["blocks"][:1])
        for block in message["blocks"]:
            if block.get("block_id", "").startswith("item-") and block["type"] == "section":
                seen.append(block["text"]["text"].split("*#")[1].split("*")[0])
    assert seen == [str(n) for n in range(1, 301)]  # every item once, in order, none cut off


def test_a_failed_part_is_resent_without_repeating_the_parts_before_it(harness: Harness) -> None:
    reply = digest(60)
    harness.fake.fail_next("chat.postMessage", status=500, times=3, after=1)
    with pytest.raises(DeliveryError):
        harness.send(Destination("slack", "C0AU"), reply)
    assert len(harness.fake.of("chat.postMessage")) == 1
    first_id = harness.send(Destination("slack", "C0AU"), reply)
    posted = harness.fake.of("chat.postMessage")
    assert len(posted) == 3  # part 1 once, then parts 2 and 3
    assert first_id == f"C0AU:{posted[0].result['ts']}"


def test_the_service_registers_its_deliverer(slack: Slack) -> None:
    deliverer = delivery.deliverer_for("slack")
    assert isinstance(deliverer, SlackDeliverer)
    slack.loop.run(deliverer.send(Destination("slack", "C0FORUM"), reminder("Fristen for punkt 3 er i morgen")))
    assert "Fristen for punkt 3 er i morgen" in all_text(slack.fake.of("chat.postMessage")[0].params["blocks"])


def test_without_slack_configuration_nothing_is_set_up(db_url: str) -> None:
    from bot.app import App
    from bot.server import SERVICE_MODULES, build_web_app
    from bot.slack import service as slack_service
    from bot.slack.service import SLACK_KEY

    assert slack_service in SERVICE_MODULES
    app = App(replace(Settings(), database_url=db_url))
    web_app = build_web_app(app, modules=(slack_service,))
    assert SLACK_KEY not in web_app
    assert "/slack/events" not in [r.canonical for r in web_app.router.resources()]
    assert delivery.deliverer_for("slack") is None
    app.close()
