"""A list costs one page: `liste`, `liste AU` and `mine` run the same SQL statements and load one
page of actions whatever the table holds (issue 19). Counted with SQLAlchemy events, never timed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import event, select, text

from handlers.actions.buckets import week_end
from handlers.actions.commands import PAGE_SIZE
from storage import queries
from storage.db import transaction
from storage.models import Action, ActionParty, Party
from tests.support.list_groups import count_groups

TODAY = date(2026, 11, 23)
COMMANDS = ("/oppfølging liste", "/oppfølging liste AU", "/oppfølging mine", "/oppfølging liste side 3")


def grow(app, count: int, start: int) -> None:  # type: ignore[no-untyped-def]
    """`count` actions for AU, KDD and Vestland: open and closed, overdue, later and without deadline."""
    with transaction(app.sessions) as session:
        parties = {key: pid for key, pid in session.execute(select(Party.key, Party.id))}
        keys = ("au", "kdd", "vestland")
        for n in range(start, start + count):
            deadline = None if n % 5 == 0 else TODAY + timedelta(days=(n % 400) - 120)
            action = Action(text=f"Sak {n}", status=("open", "in_progress", "done", "cancelled")[n % 4],
                            deadline=deadline, source="import", deadline_text="",
                            created_at=datetime(2026, 1, 1), updated_at=datetime(2026, 1, 1))
            action.party_links.append(ActionParty(party_id=parties[keys[n % 3]], position=0))
            session.add(action)


def measure(bot, command: str) -> tuple[int, int, str]:  # type: ignore[no-untyped-def]
    """(SQL statements, Action rows loaded, reply text) of one command."""
    statements, loaded = [0], [0]

    def on_execute(*_args) -> None:  # type: ignore[no-untyped-def]
        statements[0] += 1

    def on_load(*_args) -> None:  # type: ignore[no-untyped-def]
        loaded[0] += 1

    engine = bot.app.engine
    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(Action, "load", on_load)
    try:
        reply = bot.say(command, "slack:UADMIN")
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(Action, "load", on_load)
    assert not reply.error, bot.text(reply)
    return statements[0], loaded[0], bot.text(reply)


def test_lists_cost_the_same_statements_and_one_page_as_the_table_grows(bot) -> None:  # type: ignore[no-untyped-def]
    assert not bot.say("/oppfølging medlem AU", "slack:UADMIN").error
    grow(bot.app, 300, 0)
    small = {command: measure(bot, command) for command in COMMANDS}
    grow(bot.app, 900, 300)
    large = {command: measure(bot, command) for command in COMMANDS}
    for command in COMMANDS:
        assert large[command][0] == small[command][0], command  # the same statements
        assert small[command][1] <= PAGE_SIZE and large[command][1] <= PAGE_SIZE, command  # one page loaded
    # The counts follow the table (they are counted, not capped): the answer does change.
    assert small["/oppfølging liste"][2] != large["/oppfølging liste"][2]
    assert "side 3" in large["/oppfølging liste side 3"][2]


def test_counts_and_pages_match_a_plain_sort(app) -> None:  # type: ignore[no-untyped-def]
    """The range counts and the index-ordered page give what sorting every action in Python gives."""
    grow(app, 400, 0)
    with app.sessions() as session:
        everything = list(session.scalars(select(Action)))
        for flt in (queries.ActionFilter(), queries.ActionFilter(party_keys=["au", "vestland"]),
                    queries.ActionFilter(party_keys=["vestland"]),  # one party: its links' list order
                    queries.ActionFilter(statuses=("in_progress",), party_keys=["au"]),
                    queries.ActionFilter(statuses=("open", "in_progress", "done", "cancelled")),
                    queries.ActionFilter(party_keys=["kdd"], overdue_on=TODAY)):
            keys = set(flt.party_keys or ())
            chosen = [a for a in everything if a.status in flt.statuses
                      and (not keys or keys & set(a.party_keys))
                      and (flt.overdue_on is None or (a.deadline is not None and a.deadline < flt.overdue_on))]
            expected = count_groups(((a.status, a.deadline) for a in chosen), TODAY)
            assert queries.bucket_counts(session, flt, TODAY, week_end(TODAY)) == expected
            chosen.sort(key=lambda a: (a.status not in ("open", "in_progress"), a.deadline is None,
                                       a.deadline or date.min, a.id))
            for offset in (0, 20, 140):
                page = queries.list_actions(session, flt, offset=offset, limit=PAGE_SIZE)
                assert [a.id for a in page] == [a.id for a in chosen[offset:offset + PAGE_SIZE]]


def test_sqlite_reads_a_page_in_index_order_without_sorting(sqlite_url) -> None:  # type: ignore[no-untyped-def]
    """The first page of open actions comes from the list-order index (no temporary B-tree); one
    party's page from the front of its links' list-order index, sorting only the page it found."""
    from bot.app import App
    from bot.config import Settings

    application = App(Settings(database_url=sqlite_url))
    try:
        captured: list[tuple[str, object]] = []

        def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
            captured.append((statement, parameters))

        with application.sessions() as session:
            for flt, index in ((queries.ActionFilter(), "ix_actions_list_order"),
                               (queries.ActionFilter(party_keys=["au"]), "ix_action_parties_list_order")):
                captured.clear()

                event.listen(application.engine, "before_cursor_execute", capture)
                try:
                    queries.list_actions(session, flt, limit=PAGE_SIZE)
                finally:
                    event.remove(application.engine, "before_cursor_execute", capture)
                statement, parameters = captured[0]
                rows = list(session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
                plan = " | ".join(row[-1] for row in rows)
                assert index in plan, plan
                # A sort may only order the outer page (at most PAGE_SIZE rows, parent 0), never the table.
                sorts = [row for row in rows if "TEMP B-TREE" in row[-1]]
                assert all(row[1] == 0 for row in sorts) and (not sorts or flt.party_keys), plan
        with application.engine.connect() as conn:
            names = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'")).scalars())
        assert {"ix_actions_list_order", "ix_action_parties_party_action", "ix_action_parties_counts",
                "ix_action_parties_list_order"} <= names
    finally:
        application.close()
