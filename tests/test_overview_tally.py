"""The overview's counts (migration 0010): `party_tally` follows the party links whatever writes
them (chat commands, a bulk insert, hand-typed SQL) and a rolled-back change leaves it as it was; the
chart, the meeting table and the page's total are what a plain count of every action gives; and a
page runs the same statements, none of them counting every action, as the table grows. On SQLite and
PostgreSQL (`db_url`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import event, func, insert, select, text, update

from handlers.overview import filters, listing
from handlers.parties.resolver import PartyResolver
from storage.db import transaction
from storage.models import NO_DEADLINE, OPEN_STATUSES, Action, ActionEvent, ActionParty, Party, PartyTally
from storage.registry import REGISTRY
from tests.conftest import NOW
from tests.support import tally_script
from tests.test_meetings_commands import add_meeting

TODAY = NOW.date()
ALL = ("open", "in_progress", "done", "cancelled")
RESOLVER = PartyResolver(list(REGISTRY))


def assert_in_step(app) -> None:  # type: ignore[no-untyped-def]
    """The tally holds, per (party, status, deadline day), the links a plain GROUP BY finds."""
    with app.sessions() as session:
        day = func.coalesce(Action.deadline, NO_DEADLINE)
        expected = {
            (party, status, when if isinstance(when, date) else date.fromisoformat(str(when))): n
            for party, status, when, n in session.execute(
                select(ActionParty.party_id, Action.status, day, func.count())
                .join(Action, Action.id == ActionParty.action_id)
                .group_by(ActionParty.party_id, Action.status, day))
        }
        tally = {(p, s, d): n for p, s, d, n in session.execute(
            select(PartyTally.party_id, PartyTally.status, PartyTally.day, PartyTally.n)) if n}
        assert tally == expected
        assert all(n >= 0 for n in session.scalars(select(PartyTally.n)))


def plain_party_counts(app, since: datetime | None) -> list[tuple[str, int, int, int]]:  # type: ignore[no-untyped-def]
    """(party, open, overdue, done since) counted in Python from every action, in the chart's order."""
    with app.sessions() as session:
        finished = set() if since is None else set(session.scalars(select(ActionEvent.action_id).where(
            ActionEvent.kind == "status", ActionEvent.new_value == "done", ActionEvent.at >= since)))
        counts: dict[str, list[int]] = {}
        for action in session.scalars(select(Action)):
            for key in action.party_keys:
                row = counts.setdefault(key, [0, 0, 0])
                if action.status in OPEN_STATUSES:
                    row[0] += 1
                    row[1] += action.deadline is not None and action.deadline < TODAY
                if action.status == "done" and action.id in finished:
                    row[2] += 1
    shown = [(k, *v) for k, v in counts.items() if v[0] or v[2]]
    return sorted(shown, key=lambda r: (-r[1], RESOLVER.short_name(r[0])))  # type: ignore[return-value]


def assert_page_numbers_match(app, since: datetime | None = None) -> None:  # type: ignore[no-untyped-def]
    with app.sessions() as session:
        chart = listing.party_counts(session, RESOLVER, TODAY, since)
        assert [(c.key, c.open, c.overdue, c.done_since) for c in chart] == plain_party_counts(app, since)
        everything = list(session.scalars(select(Action)))
        for params in ({}, {"status": "alle"}, {"status": "done"}, {"forfalt": "1"}, {"part": "AU"},
                       {"part": "Vestland"}, {"part": "KDD", "status": "alle"}, {"part": "AU", "forfalt": "1"},
                       {"frist_for": "2026-12-01"}, {"forfalt": "1", "status": "done"},
                       {"part": "KDD", "frist_for": "2026-11-25"}):
            query = filters.parse(params, RESOLVER, TODAY)
            keys = set(listing.related_keys(RESOLVER, query.party, TODAY)) if query.party else set()
            expected = sum(
                1 for a in everything
                if a.status in query.statuses and (not keys or keys & set(a.party_keys))
                and (not query.overdue or (a.status in OPEN_STATUSES and a.deadline is not None
                                           and a.deadline < TODAY))
                and (query.due_before is None or (a.deadline is not None and a.deadline < query.due_before)))
            assert listing.count(session, query, RESOLVER, TODAY) == expected, params


def test_the_party_tally_follows_chat_commands(bot) -> None:  # type: ignore[no-untyped-def]
    tally_script.play(bot, check=lambda: assert_in_step(bot.app), after_new=lambda: assert_page_numbers_match(bot.app))
    assert_page_numbers_match(bot.app, since=NOW.replace(tzinfo=None) - timedelta(days=1))
    assert_page_numbers_match(bot.app)


def test_bulk_and_hand_typed_writes_are_followed(app) -> None:  # type: ignore[no-untyped-def]
    with transaction(app.sessions) as session:
        start, parties = tally_script.bulk_load(session)
        session.execute(insert(ActionEvent), [
            {"action_id": start + i, "at": datetime(2026, 11, 20), "source": "import", "kind": "status",
             "old_value": "open", "new_value": "done"} for i in range(2, 60, 4)])
    assert_in_step(app)
    assert_page_numbers_match(app, since=datetime(2026, 11, 10))
    with transaction(app.sessions) as session:
        tally_script.hand_typed_changes(session, start)
        # Links changed by hand: one moved to another party, some removed, one added by plain SQL.
        session.execute(text("UPDATE action_parties SET party_id = :p WHERE action_id = :a AND position = 0"),
                        {"p": parties["ks"], "a": start + 4})
        session.execute(text("DELETE FROM action_parties WHERE position = 1 AND action_id < :a"), {"a": start + 30})
        session.execute(text("INSERT INTO action_parties (action_id, party_id, position) VALUES (:a, :p, 1)"),
                        {"a": start + 7, "p": parties["vestland"]})
    assert_in_step(app)
    assert_page_numbers_match(app, since=datetime(2026, 11, 10))


def test_a_rolled_back_change_leaves_the_tally_as_it_was(app) -> None:  # type: ignore[no-untyped-def]
    with transaction(app.sessions) as session:
        action = Action(text="Sak", status="open", deadline=date(2026, 12, 1), deadline_text="", source="import",
                        created_at=datetime(2026, 11, 1), updated_at=datetime(2026, 11, 1))
        action.party_links.append(ActionParty(party_id=session.scalar(select(Party.id).where(Party.key == "au")),
                                              position=0))
        session.add(action)
    with app.sessions() as session:
        before = sorted(session.execute(select(PartyTally.party_id, PartyTally.status, PartyTally.day, PartyTally.n)))
        session.execute(update(Action).values(status="done"))
        session.execute(text("DELETE FROM action_parties"))
        session.rollback()
        assert sorted(session.execute(
            select(PartyTally.party_id, PartyTally.status, PartyTally.day, PartyTally.n))) == before
    assert_in_step(app)


def test_the_meeting_table_counts_the_latest_meetings_with_actions(bot) -> None:  # type: ignore[no-untyped-def]
    meetings = [add_meeting(bot, "au", TODAY - timedelta(days=7 * n), time(10), title=f"AU-møte {n}")
                for n in range(4)]
    with transaction(bot.app.sessions) as session:
        au = session.scalar(select(Party.id).where(Party.key == "au"))
        for n, meeting in enumerate(meetings[1:]):  # the latest meeting has no actions
            for i in range(3 + n):
                action = Action(text=f"Punkt {i}", status=ALL[i % 4], meeting_id=meeting, deadline_text="",
                                deadline=TODAY + timedelta(days=i * 5 - 7), source="import",
                                created_at=datetime(2026, 11, 1), updated_at=datetime(2026, 11, 1))
                action.party_links.append(ActionParty(party_id=au, position=0))
                session.add(action)
    with bot.app.sessions() as session:
        for limit in (30, 2):
            shown = listing.meeting_statuses(session, TODAY, limit=limit)
            expected = []
            for meeting in meetings[1:1 + limit]:
                actions = list(session.scalars(select(Action).where(Action.meeting_id == meeting)))
                is_open = [a for a in actions if a.status in OPEN_STATUSES]
                expected.append((meeting, len(actions), len(is_open),
                                 sum(1 for a in is_open if a.deadline is not None and a.deadline < TODAY),
                                 sum(1 for a in actions if a.status == "done"),
                                 sum(1 for a in actions if a.status == "cancelled")))
            assert [(s.meeting.id, s.total, s.open, s.overdue, s.done, s.cancelled) for s in shown] == expected
        one = listing.meeting_statuses(session, TODAY, meeting_id=meetings[2])
        assert [s.meeting.id for s in one] == [meetings[2]]
        assert listing.meeting_statuses(session, TODAY, meeting_id=meetings[0]) == []


def _grow(app, count: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(app.sessions) as session:
        parties = [pid for pid, in session.execute(select(Party.id).where(Party.key.in_(("au", "kdd", "ks"))))]
        start = (session.scalar(select(func.max(Action.id))) or 0) + 1
        when = datetime(2026, 1, 1)
        session.execute(insert(Action), [
            {"id": start + i, "text": f"Massepunkt {i}", "status": ALL[i % 4],
             "deadline": None if i % 9 == 0 else date(2026, 1, 1) + timedelta(days=i % 500), "deadline_text": "",
             "source": "import", "created_at": when, "updated_at": when} for i in range(count)])
        session.execute(insert(ActionParty), [
            {"action_id": start + i, "party_id": parties[i % len(parties)], "position": 0} for i in range(count)])


PAGES = ({}, {"part": "AU"}, {"forfalt": "1"}, {"side": "3"}, {"status": "alle"})


def _statements(app, params: dict[str, str]) -> list[str]:  # type: ignore[no-untyped-def]
    """The statements the overview's numbers and page cost (as `pages.overview` runs them)."""
    seen: list[str] = []

    def capture(_conn, _cursor, statement, _parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()).upper())

    event.listen(app.engine, "before_cursor_execute", capture)
    try:
        with app.sessions() as session:
            query = filters.parse(params, RESOLVER, TODAY)
            listing.page(session, query, RESOLVER, TODAY)
            listing.party_counts(session, RESOLVER, TODAY, datetime(2026, 11, 1))
            listing.meeting_statuses(session, TODAY)
    finally:
        event.remove(app.engine, "before_cursor_execute", capture)
    return seen


def test_the_page_runs_the_same_statements_and_counts_no_action_as_the_table_grows(app) -> None:  # type: ignore[no-untyped-def]
    _grow(app, 200)
    small = {str(p): _statements(app, p) for p in PAGES}
    _grow(app, 3000)
    large = {str(p): _statements(app, p) for p in PAGES}
    assert_page_numbers_match(app)
    for params in PAGES:
        assert len(large[str(params)]) == len(small[str(params)]), params
        for statement in large[str(params)]:
            # Counts come from the tallies: no statement counts the actions or joins all their links;
            # the statements that read actions read one page (LIMIT), that page's links and meetings,
            # or the latest meetings' actions.
            assert not (statement.startswith("SELECT COUNT") and " FROM ACTIONS " in f"{statement} "), statement
            assert "FROM ACTIONS JOIN ACTION_PARTIES" not in statement, statement[:300]
            if statement.startswith("SELECT ACTIONS.ID") and "FROM ACTIONS" in statement:
                assert "LIMIT" in statement or "ACTIONS.ID IN" in statement, statement[:300]
