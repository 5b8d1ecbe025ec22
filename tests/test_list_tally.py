"""The counts a list shows come from `action_tally` and from the status and deadline each party
link repeats (migration 0009). The database's triggers keep both in step with `actions`, whatever
writes it: chat commands, a bulk insert, a hand-typed statement. Checked against a plain count of
the actions after every kind of change, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, update

from handlers.actions.buckets import week_end
from storage import queries
from storage.db import transaction
from storage.models import NO_DEADLINE, Action, ActionParty, ActionTally
from tests.support import tally_script
from tests.support.list_groups import count_groups

TODAY = date(2026, 11, 23)
ALL = ("open", "in_progress", "done", "cancelled")


def assert_in_step(app) -> None:  # type: ignore[no-untyped-def]
    with app.sessions() as session:
        expected = {
            (status, day or NO_DEADLINE): n
            for status, day, n in session.execute(
                select(Action.status, Action.deadline, func.count()).group_by(Action.status, Action.deadline))
        }
        tally = {(status, day): n for status, day, n in session.execute(
            select(ActionTally.status, ActionTally.day, ActionTally.n)) if n}
        assert tally == expected
        assert all(n >= 0 for n in session.scalars(select(ActionTally.n)))
        stale = session.execute(
            select(ActionParty.id).join(Action, Action.id == ActionParty.action_id).where(
                (ActionParty.status != Action.status) | ActionParty.status.is_(None)
                | ((ActionParty.deadline != Action.deadline) & Action.deadline.is_not(None))
                | (ActionParty.deadline.is_(None) != Action.deadline.is_(None)))
        ).all()
        assert stale == []


def plain_counts(app, keys: list[str] | None, statuses: tuple[str, ...]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The groups counted by hand from every action, as the list would show them."""
    with app.sessions() as session:
        return count_groups(((a.status, a.deadline) for a in session.scalars(select(Action))
                             if a.status in statuses and (not keys or set(keys) & set(a.party_keys))), TODAY)


def assert_counts_match(app) -> None:  # type: ignore[no-untyped-def]
    with app.sessions() as session:
        for keys in (None, ["au"], ["au", "kdd"], ["vestland"]):
            for statuses in (("open", "in_progress"), ALL, ("in_progress",), ("done",)):
                flt = queries.ActionFilter(statuses=statuses, party_keys=keys)
                expected = plain_counts(app, keys, statuses)
                assert queries.bucket_counts(session, flt, TODAY, week_end(TODAY)) == expected, (keys, statuses)
                if keys and "closed" not in expected:  # the digest's counts go the same way for parties
                    counted = queries.count_deadlines(session, flt, lambda d: {
                        "overdue": d < TODAY, "this_week": (d >= TODAY) & (d <= week_end(TODAY)),
                        "later": d > week_end(TODAY), "no_deadline": d.is_(None)})
                    assert {k: n for k, n in counted.items() if n} == expected, (keys, statuses)


def test_the_tally_and_the_links_follow_every_change(bot) -> None:  # type: ignore[no-untyped-def]
    tally_script.play(bot, check=lambda: assert_in_step(bot.app), after_new=lambda: assert_counts_match(bot.app))
    assert_counts_match(bot.app)


def test_bulk_and_hand_typed_writes_are_followed(app) -> None:  # type: ignore[no-untyped-def]
    with transaction(app.sessions) as session:
        start, _ = tally_script.bulk_load(session)
    assert_in_step(app)
    assert_counts_match(app)
    with transaction(app.sessions) as session:
        tally_script.hand_typed_changes(session, start)
    assert_in_step(app)
    assert_counts_match(app)


def test_a_rolled_back_change_leaves_the_tally_as_it_was(app) -> None:  # type: ignore[no-untyped-def]
    with transaction(app.sessions) as session:
        session.add(Action(text="Sak", status="open", deadline=date(2026, 12, 1), deadline_text="",
                           source="import", created_at=datetime(2026, 11, 1), updated_at=datetime(2026, 11, 1)))
    with app.sessions() as session:
        before = list(session.execute(select(ActionTally.status, ActionTally.day, ActionTally.n)))
        session.execute(update(Action).values(status="done"))
        session.rollback()
        assert list(session.execute(select(ActionTally.status, ActionTally.day, ActionTally.n))) == before
    assert_in_step(app)
