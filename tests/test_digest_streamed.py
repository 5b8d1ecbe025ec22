"""The weekly digest is streamed (issue 19): however many actions the parties have, planning and
claiming it loads a bounded number of actions, runs the same SQL statements, and its memory peak
does not follow the table. Measured with SQLAlchemy events and tracemalloc, never timed."""

from __future__ import annotations

import asyncio
import tracemalloc
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, select

from bot.scheduler import ReminderRunner
from handlers.reminders.engine import EngineConfig
from handlers.reminders.policy import ReminderPolicy
from storage.db import transaction
from storage.models import Action, ActionParty, Notification, Party
from tests.support.fake_delivery import subscribe

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2027, 1, 11, 8, 5, tzinfo=OSLO)  # Monday: the digest is due
TODAY = date(2027, 1, 11)
PARTIES = ("AU", "KDD", "Vestland", "Nordland", "Agder", "Siva")
SECTION_MAX = 10


def grow(app, count: int, start: int) -> None:  # type: ignore[no-untyped-def]
    """`count` open actions over the subscribed parties, in every digest section."""
    with transaction(app.sessions) as session:
        ids = {key: pid for key, pid in session.execute(select(Party.key, Party.id))}
        keys = [p.lower() for p in PARTIES]
        for n in range(start, start + count):
            i = n // len(keys)  # every party gets actions in every section, already at the small size
            offset = (-20 - i % 9, 2 + i % 4, 15 + i % 9, 90 + i % 9)[i % 4]
            deadline = None if i % 7 == 3 else TODAY + timedelta(days=offset)
            action = Action(text=f"Sak nummer {n} om samhandling i regionen", status="open", deadline=deadline,
                            source="import", deadline_text="", created_at=datetime(2026, 1, 1),
                            updated_at=datetime(2026, 1, 1))
            action.party_links.append(ActionParty(party_id=ids[keys[n % len(keys)]], position=0))
            session.add(action)


def run_digest(app) -> tuple[int, int, int, list[str]]:  # type: ignore[no-untyped-def]
    """(statements, actions loaded, tracemalloc peak, message titles) of a real digest run (claims
    included, nothing sent), undone afterwards so it can run again."""
    statements, loaded = [0], [0]

    def on_execute(*_args) -> None:  # type: ignore[no-untyped-def]
        statements[0] += 1

    def on_load(*_args) -> None:  # type: ignore[no-untyped-def]
        loaded[0] += 1

    runner = ReminderRunner(app, EngineConfig(policy=ReminderPolicy(digest_section_max=SECTION_MAX)),
                            worker="t", deliverers=lambda _p: None, platforms=("slack",), digest_batch=2)
    event.listen(app.engine, "before_cursor_execute", on_execute)
    event.listen(Action, "load", on_load)
    tracemalloc.start()
    try:
        report = asyncio.run(runner.digest(NOW, scheduled=False))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        event.remove(app.engine, "before_cursor_execute", on_execute)
        event.remove(Action, "load", on_load)
    with transaction(app.sessions) as session:
        titles = list(session.scalars(select(Notification.payload).order_by(Notification.id)))
        assert len(titles) == len(report.claimed) > 0
        session.query(Notification).delete()
    return statements[0], loaded[0], peak, [p["reply"]["title"] for p in titles]


def test_digest_holds_a_bounded_number_of_actions_whatever_the_table_holds(app) -> None:  # type: ignore[no-untyped-def]
    for n, party in enumerate(PARTIES):
        subscribe(app, party, f"C{n}", now=datetime(2027, 1, 4, tzinfo=OSLO))
    grow(app, 240, 0)
    run_digest(app)  # warm caches (catalogue, resolver), so the peaks below compare like with like
    small = run_digest(app)
    grow(app, 720, 240)
    large = run_digest(app)
    with app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 960
    # Each party's digest loads at most its listed actions: four sections of SECTION_MAX.
    bound = len(PARTIES) * 4 * SECTION_MAX
    assert small[1] <= bound and large[1] <= bound, (small[1], large[1])
    assert large[0] == small[0]  # the same statements for 4× the actions
    assert large[3] == small[3]  # the same messages (their counts differ, their number does not)
    # Memory follows what is listed, not the table: 4× the actions, about the same peak.
    assert large[2] < small[2] * 1.5, (small[2], large[2])
