"""Claims are taken for sending (bot/takes.py) and what went out is marked sent (bot/sent_marks.py)
in batches, with the same compare-and-set as one message at a time: a claim another worker holds
is neither taken nor marked, each message keeps its own id, the addresses are healthy again, a
round that stops early still marks what was sent, and a mark the database refuses is said, never
dropped in silence."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from bot.app import App
from bot.config import Settings
from bot.delivery import Destination as SendTo
from bot.scheduler import ReminderRunner
from bot.sent_marks import SentMarks
from bot.takes import Takes
from handlers.core.replies import Reply
from handlers.reminders import claims, failures
from handlers.reminders.pacing import Pacer
from handlers.reminders.policy import ReminderPolicy
from handlers.reminders.routing import Destination
from storage.db import transaction
from storage.models import DeliveryHealth, Notification

NOW = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)  # Monday 09:00 in Oslo
POLICY = ReminderPolicy()


def overview_claims(app: App, channels: list[str], worker: str = "w") -> list[int]:
    reply = {"title": "Ukeoversikt", "lines": [], "sections": [], "buttons": [], "error": False, "private": False,
             "data": {}}
    new = [claims.NewClaim(f"overview:{channel}", "overview", Destination("slack", channel),
                           {"category": "overview", "reply": reply, "destination_kind": "channel"},
                           due_on=NOW.date())
           for channel in channels]
    with transaction(app.sessions) as session:
        return claims.claim(session, new, NOW, worker)


def rows(app: App) -> dict[str, Notification]:
    with app.sessions() as session:
        return {row.destination: row for row in session.scalars(select(Notification))}


def health(app: App) -> dict[str, DeliveryHealth]:
    with app.sessions() as session:
        return {row.address: row for row in session.scalars(select(DeliveryHealth))}


def notification_updates(app: App, column: str) -> list[str]:
    """Every UPDATE of notifications that sets `column`, as the database received it: `attempts`
    for a lease, `sent_at` for a mark."""
    seen: list[str] = []

    @event.listens_for(app.engine, "before_cursor_execute")
    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE NOTIFICATIONS") and column in statement:
            seen.append(statement)

    return seen


def test_many_marks_in_one_transaction_win_only_what_the_worker_holds(app: App) -> None:
    ids = overview_claims(app, ["C1", "C2", "C3", "C4"], worker="owner")
    with transaction(app.sessions) as session:
        for notification_id in ids:
            assert claims.lease(session, notification_id, NOW, "owner", POLICY, fresh=True)
        session.add(DeliveryHealth(platform="slack", address="C2", failing=True, updated_at=datetime(2027, 1, 1)))
    later = NOW + POLICY.stale_after + timedelta(minutes=1)
    with transaction(app.sessions) as session:  # the owner went quiet: another worker took C3 over
        assert claims.lease(session, ids[2], later, "other", POLICY)
    statements = notification_updates(app, "sent_at")
    sent = [failures.Sent(ids[0], "m-1", "slack", "C1"), failures.Sent(ids[1], "m-2", "slack", "C2"),
            failures.Sent(ids[2], "m-3", "slack", "C3")]
    with transaction(app.sessions) as session:
        won = failures.delivered_many(session, sent, "owner", later)
    assert won == {ids[0], ids[1]}
    assert len(statements) == 1
    found = rows(app)
    assert (found["C1"].status, found["C1"].message_id) == ("sent", "m-1")
    assert (found["C2"].status, found["C2"].message_id) == ("sent", "m-2")
    assert (found["C3"].status, found["C3"].claimed_by, found["C3"].message_id) == ("claimed", "other", None)
    assert found["C4"].status == "claimed"  # not handed over: untouched
    known = health(app)
    # Every address a message reached is healthy again, also the one that was failing.
    assert {address: (row.failing, row.last_ok_at is not None) for address, row in known.items()} == {
        "C1": (False, True), "C2": (False, True), "C3": (False, True)}


class Together:
    """A deliverer whose sends are all accepted at the same moment, once `expected` have arrived."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.arrived: list[str] = []
        self.all_here = asyncio.Event()

    async def send(self, destination: SendTo, reply: Reply) -> str:
        self.arrived.append(destination.address)
        if len(self.arrived) >= self.expected:
            self.all_here.set()
        await self.all_here.wait()
        return f"ts-{destination.address}"


def runner_for(app: App, deliverer: object, **options: object) -> ReminderRunner:
    return ReminderRunner(app, worker="w", deliverers=lambda p: deliverer if p == "slack" else None,  # type: ignore[return-value]
                          platforms={"slack"}, pacer=Pacer(rates={}), **options)  # type: ignore[arg-type]


def test_a_round_marks_its_messages_together(app: App) -> None:
    channels = [f"C{n}" for n in range(10)]
    ids = overview_claims(app, channels)
    statements, leased = notification_updates(app, "sent_at"), notification_updates(app, "attempts")
    outcomes = asyncio.run(runner_for(app, Together(len(channels))).deliver(NOW, ids, retries=False, force=True))
    assert sorted(o.status for o in outcomes) == ["sent"] * 10
    found = rows(app)
    assert {c: (found[c].status, found[c].message_id) for c in channels} == {c: ("sent", f"ts-{c}") for c in channels}
    # Ten lanes ready at once: one UPDATE leases their claims, and once the messages are accepted
    # together, one marks them all (one at a time, it was ten and ten).
    assert len(leased) == 1 and len(statements) == 1
    assert set(health(app)) == set(channels)


class CrashAfterSend:
    """Hooks: the process "dies" right after the platform accepted the message to `address`."""

    def __init__(self, app: App, address: str) -> None:
        self.app, self.address = app, address

    async def after_plan(self, plan: object) -> None: ...

    async def after_claim(self, ids: list[int]) -> None: ...

    async def after_send(self, notification_id: int) -> None:
        with self.app.sessions() as session:
            row = session.get(Notification, notification_id)
            assert row is not None
            if row.destination == self.address:
                raise RuntimeError("the process died after sending")


def test_claims_held_elsewhere_are_not_taken_in_a_batch(app: App) -> None:
    ids = overview_claims(app, ["C1", "C2", "C3"], worker="w")
    later = NOW + POLICY.stale_after + timedelta(minutes=1)
    with transaction(app.sessions) as session:
        assert claims.lease(session, ids[0], later, "other", POLICY)  # stale: another worker took it
        assert claims.lease_many(session, ids, later, "w", POLICY, fresh=set(ids)) == {ids[1], ids[2]}
        # Leased once: a second lease of the same attempt wins nothing.
        assert claims.lease_many(session, ids, later, "w", POLICY, fresh=set(ids)) == set()
    found = rows(app)
    assert (found["C1"].claimed_by, found["C1"].attempts) == ("other", 1)
    assert (found["C2"].claimed_by, found["C2"].attempts) == ("w", 1)


def test_a_round_that_stops_still_marks_what_went_out(app: App) -> None:
    ids = overview_claims(app, ["C-ok", "C-crash"])
    # Both accepted at the same moment: C-crash's failure stops the round while C-ok's mark is pending.
    runner = runner_for(app, Together(2), hooks=CrashAfterSend(app, "C-crash"))
    with pytest.raises(RuntimeError, match="died"):
        asyncio.run(runner.deliver(NOW, ids, retries=False, force=True))
    found = rows(app)
    assert (found["C-ok"].status, found["C-ok"].message_id) == ("sent", "ts-C-ok")
    # Sent but never marked: the one double-send window (retried after `stale_after`).
    assert found["C-crash"].status == "claimed"


def test_a_mark_the_database_refuses_is_said_and_raised(app: App, tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    (notification_id,) = overview_claims(app, ["C1"])
    # A database without the tables: what a lost or wrong database looks like to the writer.
    broken = App(Settings(database_url=f"sqlite:///{tmp_path / 'empty.sqlite'}"), clock=lambda: NOW)
    runner = runner_for(broken, Together(1))

    async def round_() -> None:
        marks = SentMarks(runner._db, "w", NOW)
        marks.add(failures.Sent(notification_id, "ts-1", "slack", "C1"), "overview:C1")
        await marks.close()

    try:
        with caplog.at_level(logging.ERROR, logger="bot.sent_marks"), pytest.raises(Exception, match="notifications"):
            asyncio.run(round_())
    finally:
        broken.close()
    assert "could not mark 1 sent notification(s)" in caplog.text and "overview:C1" in caplog.text
    assert rows(app)["C1"].status == "claimed"  # to be sent again after `stale_after`, not lost


def test_a_take_the_database_refuses_reaches_every_lane_that_asked(app: App, tmp_path: Path) -> None:
    ids = overview_claims(app, ["C1", "C2", "C3"])
    broken = App(Settings(database_url=f"sqlite:///{tmp_path / 'empty.sqlite'}"), clock=lambda: NOW)
    runner = runner_for(broken, Together(3))

    async def round_() -> list[object]:
        takes = Takes(runner._db, "w", NOW, runner.config)
        answers = await asyncio.gather(*(takes.take(i, fresh=True) for i in ids), return_exceptions=True)
        await takes.close()
        return answers

    try:
        answers = asyncio.run(round_())
    finally:
        broken.close()
    # One batch for the three lanes, and each of them is told: none goes on as if it held its claim.
    assert len(answers) == 3 and all(isinstance(a, Exception) and "notifications" in str(a) for a in answers)
    assert {row.attempts for row in rows(app).values()} == {0}  # nothing leased in the real database
