"""A sweep's cost follows what is due, not the size of the table: indexed deadline lookups, the
actions due loaded once, destinations loaded in bulk (no query per action)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, select

from bot.scheduler import ReminderRunner
from handlers.reminders import state
from handlers.reminders.engine import EngineConfig
from storage.db import transaction
from storage.models import Action, ActionParty, Party
from tests.support.fake_delivery import subscribe

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2027, 3, 16, 9, 5, tzinfo=OSLO)  # a Tuesday
TODAY = NOW.date()


def bulk(app, specs: list[tuple[str, date | None, str]]) -> None:  # type: ignore[no-untyped-def]
    with transaction(app.sessions) as session:
        parties = {key: pid for key, pid in session.execute(select(Party.key, Party.id))}
        for n, (party, deadline, status) in enumerate(specs):
            action = Action(text=f"Sak {n}", status=status, deadline=deadline, source="import", deadline_text="",
                            created_at=datetime(2026, 1, 1), updated_at=datetime(2026, 1, 1))
            action.party_links.append(ActionParty(party_id=parties[party], position=0))
            session.add(action)


def filler(count: int) -> list[tuple[str, date | None, str]]:
    """Actions that are not due today: far-off deadlines, none, or closed long ago."""
    out: list[tuple[str, date | None, str]] = []
    for n in range(count):
        kind = n % 3
        if kind == 0:
            out.append(("vestland", TODAY + timedelta(days=40 + n % 700), "open"))
        elif kind == 1:
            out.append(("nordland", None, "open"))
        else:
            out.append(("agder", TODAY - timedelta(days=1 + n % 900), "done"))
    return out


def due(count: int) -> list[tuple[str, date | None, str]]:
    parties = ["au", "kdd", "siva", "ks", "vestland"]
    return [(parties[n % 5], TODAY + timedelta(days=(0, 7, 14)[n % 3]), "open") for n in range(count)]


def measure(app) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(SQL statements, Action rows loaded, messages planned) of one dry-run sweep at NOW."""
    statements, loaded = [0], [0]

    def on_execute(*_args) -> None:  # type: ignore[no-untyped-def]
        statements[0] += 1

    def on_load(*_args) -> None:  # type: ignore[no-untyped-def]
        loaded[0] += 1

    runner = ReminderRunner(app, EngineConfig(), deliverers=lambda _p: None, platforms=("slack",))
    event.listen(app.engine, "before_cursor_execute", on_execute)
    event.listen(Action, "load", on_load)
    try:
        report = asyncio.run(runner.sweep(NOW, dry_run=True))
    finally:
        event.remove(app.engine, "before_cursor_execute", on_execute)
        event.remove(Action, "load", on_load)
    return statements[0], loaded[0], len(report.planned)


def test_sweep_cost_grows_with_what_is_due_not_with_the_table(app) -> None:  # type: ignore[no-untyped-def]
    for party, channel in (("AU", "CAU"), ("KDD", "CKDD"), ("Siva", "CSIVA"), ("KS", "CKS"), ("Vestland", "CVEST")):
        subscribe(app, party, channel, now=datetime(2027, 1, 4, tzinfo=OSLO))
    with transaction(app.sessions) as session:
        state.advance_swept_until(session, NOW - timedelta(days=1))  # yesterday's sweep ran
    bulk(app, filler(1500) + due(6))
    small = measure(app)
    bulk(app, filler(3000))
    large = measure(app)
    assert small[1:] == (6, 6) and large[1:] == (6, 6)  # only the due actions are read
    assert large[0] == small[0]  # the same queries whatever the table holds
    bulk(app, due(12))
    more_due = measure(app)
    assert more_due[1:] == (18, 18)
    assert more_due[0] <= small[0] + 2  # more due work, not a query per action
