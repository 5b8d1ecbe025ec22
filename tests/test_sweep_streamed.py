"""The reminder sweep is streamed (issue 19): planned and claimed a batch of actions at a time, each
batch its own transaction. However many actions are due, it holds a bounded number of actions at
once, its statements grow per batch only, its memory peak does not follow what is due, and it claims
exactly the messages, in the same order and under the same keys, that the sweep planned at once
(`engine.plan_sweep`, what a dry run still uses) would. Counted with SQLAlchemy events and
tracemalloc, never timed."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, select

from bot.scheduler import ReminderRunner
from handlers.reminders import state
from handlers.reminders.engine import EngineConfig, plan_sweep
from handlers.reminders.routing import Destination
from storage.db import transaction
from storage.models import Action, ActionParty, Notification, Party, ReminderSnooze, Setting
from tests.support.fake_delivery import subscribe

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2027, 3, 16, 9, 5, tzinfo=OSLO)  # a Tuesday
TODAY = NOW.date()
BATCH = 40
N = 120
SUBSCRIBED = ("AU", "KDD", "Siva", "KS", "Vestland")
OVERVIEW = Destination("slack", "COVERVIEW", "channel", "sekretariatet")


def config() -> EngineConfig:
    return EngineConfig(overview=OVERVIEW)


def grow(app: Any, count: int, start: int) -> None:
    """`count` actions due today over five subscribed parties and one nobody can reach (it waits),
    escalations among them, and as many not due (they must not be loaded)."""
    parties = ["au", "kdd", "siva", "ks", "vestland", "nordland"]
    with transaction(app.sessions) as session:
        ids = {key: pid for key, pid in session.execute(select(Party.key, Party.id))}
        for n in range(start, start + count):
            for due, deadline in ((True, TODAY + timedelta(days=(0, 7, 14, -14)[n % 4])),
                                  (False, TODAY + timedelta(days=40 + n % 300))):
                action = Action(text=f"Sak {n} {'forfaller' if due else 'senere'}", status="open",
                                deadline=deadline, source="import", deadline_text="",
                                created_at=datetime(2026, 1, 1), updated_at=datetime(2026, 1, 1))
                action.party_links.append(ActionParty(party_id=ids[parties[n % len(parties)]], position=0))
                session.add(action)


def setup(app: Any) -> None:
    for n, party in enumerate(SUBSCRIBED):
        subscribe(app, party, f"C{n}", now=datetime(2027, 1, 4, tzinfo=OSLO))
    grow(app, N, 0)
    with transaction(app.sessions) as session:
        # Waiting from an earlier sweep: a stage of Nordland's first due action (superseded today)
        # and one of an action not due today (still waiting: the notice counts it).
        first, other = session.scalars(
            select(Action.id).join(ActionParty).join(Party).where(Party.key == "nordland").order_by(Action.id)
            .limit(2)).all()
        for action_id, stage, due_on in ((first, "before-14", TODAY + timedelta(days=14)),
                                         (other, "before-7", TODAY + timedelta(days=5))):
            session.add(Notification(
                key=f"reminder:{action_id}:{stage}:{due_on.isoformat()}:none:nordland", kind=stage,
                action_id=action_id, due_on=due_on, platform="none", destination="nordland", status="waiting",
                payload={"category": "reminder", "stage": stage, "party": "nordland",
                         "until": (TODAY + timedelta(days=3)).isoformat()},
                attempts=0, claimed_by="earlier", claimed_at=datetime(2027, 3, 12, 8), party_key="nordland"))
        # A reminder snoozed to today comes back (a snooze elsewhere keeps the day's reminder out).
        snoozed = session.scalars(select(Action.id).join(ActionParty).join(Party).where(Party.key == "kdd")
                                  .order_by(Action.id).limit(2)).all()
        for action_id, day in zip(snoozed, (TODAY + timedelta(days=7), TODAY), strict=True):
            session.add(ReminderSnooze(action_id=action_id, platform="slack", destination="C1",
                                       destination_kind="channel", party_key="kdd", until_day=day,
                                       until=datetime.combine(day, datetime.min.time()),
                                       created_at=datetime(2027, 3, 1)))
        state.advance_swept_until(session, NOW - timedelta(days=1))


def reset(app: Any) -> None:
    """Undo a sweep's claims, closed waiting rows and watermark, so the same sweep can run again."""
    with transaction(app.sessions) as session:
        session.query(Notification).filter(Notification.claimed_by == "t").delete()
        session.query(Notification).update({"status": "waiting", "error": None})
        row = session.get(Setting, state.SWEPT_UNTIL)
        assert row is not None
        row.value = (NOW - timedelta(days=1)).astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def claimed(app: Any) -> list[tuple[str, dict[str, Any]]]:
    with app.sessions() as session:
        return [(key, payload) for key, payload in session.execute(
            select(Notification.key, Notification.payload).where(Notification.claimed_by == "t", Notification.platform != "none")
            .order_by(Notification.id))]


def run(app: Any, batch: int) -> tuple[int, int, int, int, list[tuple[str, dict[str, Any]]]]:
    """(statements other than the claims' INSERTs, INSERTs, most actions loaded in one transaction,
    tracemalloc peak, claims in id order) of a real sweep at NOW (claimed, nothing sent)."""
    statements, inserts, loaded, per_batch = [0], [0], [0], [0]

    def on_execute(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if sql.lstrip().upper().startswith("INSERT INTO NOTIFICATIONS"):
            inserts[0] += 1
        else:
            statements[0] += 1

    def on_load(*_args: Any) -> None:
        loaded[0] += 1

    def on_commit(*_args: Any) -> None:
        per_batch[0] = max(per_batch[0], loaded[0])
        loaded[0] = 0

    runner = ReminderRunner(app, config(), worker="t", deliverers=lambda _p: None, platforms=("slack",),
                            sweep_batch=batch, report_messages=False)
    event.listen(app.engine, "before_cursor_execute", on_execute)
    event.listen(Action, "load", on_load)
    event.listen(app.engine, "commit", on_commit)
    tracemalloc.start()
    try:
        report = asyncio.run(runner.sweep(NOW))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        event.remove(app.engine, "before_cursor_execute", on_execute)
        event.remove(Action, "load", on_load)
        event.remove(app.engine, "commit", on_commit)
    rows = claimed(app)
    assert len(rows) == len(report.claimed) > 0
    with app.sessions() as session:
        assert state.swept_until(session) == NOW.astimezone(UTC).replace(microsecond=0)  # after the last batch
    return statements[0], inserts[0], per_batch[0], peak, rows


def reference(app: Any) -> list[tuple[str, dict[str, Any]]]:
    """What the sweep planned at once would claim: its messages in order, as claims store them."""
    with app.sessions() as session:
        plan = plan_sweep(session, NOW, config())
    return [(item.key, json.loads(json.dumps(item.payload()))) for item in plan.items if item.destination.platform == "slack"]


def test_sweep_holds_a_batch_of_actions_and_claims_what_the_sweep_at_once_would(app) -> None:  # type: ignore[no-untyped-def]
    setup(app)
    expected = reference(app)
    assert any(key.startswith("coverage:") for key, _ in expected)  # the notice of what waits
    assert any(":snoozed:" in key for key, _ in expected)  # a snooze ending today
    run(app, BATCH)  # warm caches (catalogue, resolver), so the peaks below compare like with like
    reset(app)
    small = run(app, BATCH)
    assert small[4] == expected
    reset(app)
    assert run(app, 10 * N)[4] == expected  # one batch: the same claims

    reset(app)
    grow(app, 3 * N, N)
    expected = reference(app)
    run(app, BATCH)  # warmed the same way as the small run
    reset(app)
    large = run(app, BATCH)
    assert large[4] == expected
    assert len(large[4]) > 3 * len(small[4])
    # At most one batch of actions at a time (+ the few a waiting row or a snooze brings back).
    assert small[2] <= BATCH + 2 and large[2] <= BATCH + 2, (small[2], large[2])
    # Statements grow per batch (a fixed number each), not per action; a claim is one INSERT per
    # message and per new waiting row (its UNIQUE key is what makes it exactly-once), at once or in batches.
    batches = 3 * N / BATCH
    assert large[0] - small[0] <= 12 * batches, (small[0], large[0])
    assert (small[1], large[1]) == (len(small[4]) + N // 6, len(large[4]) + 4 * N // 6)
    # Memory follows the batch, not what is due: 4× the actions, about the same peak.
    assert large[3] < small[3] * 1.5, (small[3], large[3])

