"""Slack's retried events (same event_id, X-Slack-Retry-Num) are answered once, reads included.

The claim is kept in processed_requests, so it holds across replicas: two services on one database
see the retry as a retry, whichever of them gets it.
"""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.slack import event_claims
from handlers.core.context import Actor
from storage.models import Action, ProcessedRequest
from tests.support.slack_harness import LoopThread, Slack, all_text, loop_fixture, slack_fixture  # noqa: F401

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "slack" / "event_retry.json").read_text(encoding="utf-8"))
ADMIN = Actor("console", "local", "lokal operatør")


def add_many(slack: Slack, count: int) -> None:
    for n in range(count):
        reply = slack.app.handle(f"/oppfølging ny AU: Oppgave nummer {n + 1} innen 20. januar", ADMIN)
        assert not reply.error, reply.lines


def deliver(slack: Slack, body: dict[str, Any], *, retry: bool = False) -> int:
    if retry:  # a new request: a new timestamp, so a new signature (the replay check lets it in)
        slack.now += timedelta(seconds=2)
    headers = FIXTURE["retry_headers"] if retry else None
    return slack.post(json.dumps(body), "application/json", headers=headers)[0]


def messages(slack: Slack) -> int:
    return len(slack.fake.of("chat.postMessage")) + len(slack.fake.of("chat.postEphemeral"))


def test_a_retried_direct_message_gets_one_list_not_two(loop_thread: LoopThread, db_url: str) -> None:
    # With Slack's pace enforced (one message a second per channel), as the fake can: a second answer
    # would also show up as a refused (429) call.
    slack = Slack(loop_thread, db_url, per_channel_interval=1.0)
    try:
        _one_list(slack)
        assert slack.fake.refused == []
    finally:
        slack.close()


def _one_list(slack: Slack) -> None:
    add_many(slack, 25)
    body = copy.deepcopy(FIXTURE["body"])
    assert deliver(slack, body) == 200
    first = slack.fake.wait_calls("chat.postMessage")[0].params
    assert "Oppgave nummer 20" in all_text(first["blocks"]) and len(first["blocks"]) > 40
    assert deliver(slack, body, retry=True) == 200
    assert deliver(slack, body, retry=True) == 200
    slack.settle()
    assert messages(slack) == 1


def test_a_retried_mention_that_changes_something_is_answered_once(slack: Slack) -> None:
    body = copy.deepcopy(FIXTURE["body"])
    body["event_id"] = "Ev0RETRYMENTION"
    body["event"] = {"type": "app_mention", "user": "U0KARI001", "channel": "C0FORUM",
                     "text": "<@UBOT> ny AU: Sende program innen 1. februar", "ts": "1790000000.000800"}
    deliver(slack, body)
    slack.fake.wait_calls("chat.postMessage")
    deliver(slack, body, retry=True)
    slack.settle()
    assert messages(slack) == 1
    with slack.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 1


def test_a_new_event_with_the_same_text_is_answered(slack: Slack) -> None:
    """Only the same event_id is a retry: asking again is a new question."""
    body = copy.deepcopy(FIXTURE["body"])
    deliver(slack, body)
    slack.fake.wait_calls("chat.postMessage")
    again = {**body, "event_id": "Ev0RETRY0002"}
    deliver(slack, again)
    slack.fake.wait_calls("chat.postMessage", 2)
    slack.settle()
    assert messages(slack) == 2


def test_the_retry_reaching_another_replica_is_answered_once(loop_thread: LoopThread, db_url: str) -> None:
    first, second = Slack(loop_thread, db_url), Slack(loop_thread, db_url)
    try:
        body = copy.deepcopy(FIXTURE["body"])
        deliver(first, body)
        first.fake.wait_calls("chat.postMessage")
        second.now = first.now
        deliver(second, body, retry=True)
        second.settle()
        assert second.fake.of("chat.postMessage") == [] and messages(first) == 1
        with first.app.sessions() as session:
            keys = list(session.scalars(select(ProcessedRequest.key).where(
                ProcessedRequest.key.startswith("slack:event:"))))
        assert keys == ["slack:event:Ev0RETRY0001"]
    finally:
        second.close()
        first.close()


def test_a_failed_first_delivery_gives_the_claim_back_for_the_retry(app: App) -> None:
    """If the work after the claim fails, Slack's retry is handled instead of being dropped."""
    body = copy.deepcopy(FIXTURE["body"])
    runs: list[str] = []

    async def failing() -> None:
        runs.append("first")
        raise RuntimeError("the database went away halfway")

    async def working() -> None:
        runs.append("retry")

    with pytest.raises(RuntimeError):
        asyncio.run(event_claims.once(app, body, failing))
    asyncio.run(event_claims.once(app, body, working))
    asyncio.run(event_claims.once(app, body, working))  # a third delivery: answered already
    assert runs == ["first", "retry"]
