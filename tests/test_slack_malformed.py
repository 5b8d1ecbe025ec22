"""Signed payloads that Slack's documented formats never produce get a 400 and change nothing, never a 500.

A signed request can still be malformed (a bug in a proxy, a replayed payload edited by someone who
has the signing secret, a future format): each test posts one signed with the test's secret, as Slack
would sign it, and checks the status, that nothing was written and that nothing was sent.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.models import Action, ActionEvent, AuditEvent, Person, ProcessedRequest
from tests.support.slack_harness import Slack, loop_fixture, slack_fixture  # noqa: F401


def rows(slack: Slack) -> list[int]:
    """What a request could have written (the replay check's own signature rows aside)."""
    with slack.app.sessions() as session:
        counts = [session.scalar(select(func.count()).select_from(model)) or 0
                  for model in (Action, ActionEvent, AuditEvent, Person)]
        counts.append(session.scalar(select(func.count()).select_from(ProcessedRequest).where(
            ~ProcessedRequest.key.startswith("slack:signature:"))) or 0)
        return counts


def nothing_happened(slack: Slack, before: list[int]) -> None:
    slack.settle()
    assert rows(slack) == before
    sent = [c.method for c in slack.fake.calls if c.method.startswith(("chat.", "views."))]
    assert sent == [] and slack.fake.answers == []


def open_form(slack: Slack) -> dict[str, Any]:
    slack.command("ny", trigger_id="1.1.form")
    return slack.fake.opened_view()


def submission(view: dict[str, Any], values: Any) -> dict[str, Any]:
    return {"type": "view_submission", "team": {"id": "T0001", "domain": "testlag"},
            "user": {"id": "U0KARI", "username": "kari", "name": "kari", "team_id": "T0001"},
            "api_app_id": "A0001", "token": "legacy-unused", "trigger_id": "9.9.submit",
            "view": {**view, "state": {"values": values}}}


@pytest.mark.parametrize("values", [
    {"text": "Lage et notat", "parties": "au"},  # elements are strings, not {action_id: element}
    {"text": {"text": "Lage et notat"}, "parties": {"parties": "au"}},  # an element that is a string
    {"text": {"text": {"type": "plain_text_input", "value": 42}}},  # a value that is a number
    ["text", "parties"],  # values a list
])
def test_a_view_submission_with_malformed_state_gets_400(slack: Slack, values: Any) -> None:
    view = open_form(slack)
    slack.fake.reset()
    before = rows(slack)
    status, body = slack.post_payload(submission(view, values))
    assert status == 400, body
    nothing_happened(slack, before)


def event_body(event: Any, **extra: Any) -> dict[str, Any]:
    body = {"token": "legacy-unused", "team_id": "T0001", "api_app_id": "A0001", "type": "event_callback",
            "event_id": "Ev0ODD", "event_time": 1790000000, "event": event,
            "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}], **extra}
    if event is None:
        del body["event"]
    return body


MENTION = {"type": "app_mention", "user": "U0KARI", "channel": "C0FORUM", "text": "<@UBOT> ny AU: Noe innen 1. mars",
           "ts": "1790000000.000100"}


@pytest.mark.parametrize("event", [
    None,  # no event at all
    [MENTION],  # a list
    "app_mention",  # a string
    {**MENTION, "text": 42},  # text a number
    {**MENTION, "user": {"id": "U0KARI"}},  # user an object
    {**MENTION, "channel": ["C0FORUM"]},
    {**MENTION, "type": None},
    {"type": "message", "channel_type": "im", "user": "U0KARI", "channel": "D0KARI", "text": "liste",
     "files": "not-a-list"},
])
def test_an_event_of_an_unexpected_shape_gets_400(slack: Slack, event: Any) -> None:
    before = rows(slack)
    status, body = slack.post(json.dumps(event_body(event)), "application/json")
    assert status == 400, body
    nothing_happened(slack, before)


def test_a_user_id_longer_than_any_column_gets_400(slack: Slack) -> None:
    before = rows(slack)
    long_id = "U" + "K" * 299
    status, _ = slack.command("ny AU: Skal ikke lagres innen 1. mars", user=long_id)
    assert status == 400
    status, _ = slack.post(json.dumps(event_body({**MENTION, "user": long_id})), "application/json")
    assert status == 400
    view = open_form(slack)
    slack.fake.reset()
    before = rows(slack)
    payload = submission(view, {})
    payload["user"]["id"] = long_id
    status, _ = slack.post_payload(payload)
    assert status == 400
    nothing_happened(slack, before)


def test_a_click_with_malformed_actions_gets_400(slack: Slack) -> None:
    before = rows(slack)
    payload = {"type": "block_actions", "user": {"id": "U0KARI"}, "team": {"id": "T0001"}, "api_app_id": "A0001",
               "container": {"type": "message", "channel_id": "C0FORUM", "message_ts": "1.1"},
               "response_url": slack.fake.response_url(), "trigger_id": "1.2.3", "actions": "oppf_btn_1"}
    status, _ = slack.post_payload(payload)
    assert status == 400
    payload["actions"] = [{"action_id": "oppf_btn_1", "value": {"c": "ferdig 1"}}]
    status, _ = slack.post_payload(payload)
    assert status == 400
    nothing_happened(slack, before)


def test_a_well_formed_event_is_still_answered(slack: Slack) -> None:
    """The shape check lets what Slack documents through (here the mention, with the fields Slack adds)."""
    status, _ = slack.post(json.dumps(event_body({**MENTION, "blocks": [], "team": "T0001", "event_ts": "1.2"})),
                           "application/json")
    assert status == 200
    slack.fake.wait_calls("chat.postMessage")
