"""One request, one transaction, on SQLite as on PostgreSQL.

Python's sqlite3 starts a transaction only before INSERT/UPDATE/DELETE; a SAVEPOINT outside a
transaction is a transaction of its own, committed by its RELEASE. Creating an action (in a
savepoint) as a request's first write used to commit it at once: a request refused afterwards, a
crash, or an import failing half-way left actions behind (and backups could catch an action without
its history). `storage.db` now opens the transaction before the first savepoint.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, select

from handlers.actions import lifecycle
from handlers.core.context import Actor
from handlers.core.errors import UserError
from handlers.importing import protocol_import
from storage.models import Action, ActionEvent, Meeting
from tests.conftest import NOW, Bot
from tests.test_importing import protocol_docx

ADMIN = Actor("console", "local")


def count(bot: Bot, model: type) -> int:
    with bot.app.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_request_refused_after_creating_an_action_leaves_nothing(bot: Bot) -> None:
    assert not bot.say("liste").error  # the user exists: creating the action is the request's first write

    def create_then_refuse(ctx):  # type: ignore[no-untyped-def]
        lifecycle.create(ctx, lifecycle.NewAction(text="Skal ikke finnes", party_keys=("au",)))
        raise UserError("Nei likevel.")

    reply = bot.app.handle("", ADMIN, now=NOW, run=create_then_refuse)
    assert reply.error and reply.lines == ["Nei likevel."]
    assert count(bot, Action) == 0 and count(bot, ActionEvent) == 0


def test_an_action_and_its_history_are_never_seen_apart(bot: Bot) -> None:
    """Another connection looking while the request runs sees neither, then both."""
    assert not bot.say("liste").error
    seen: list[tuple[int, int]] = []
    other = bot.app.engine

    @event.listens_for(Action, "after_insert")
    def peek(mapper: Any, connection: Any, target: Any) -> None:
        with other.connect() as conn:  # a second connection from the pool
            seen.append((conn.execute(select(func.count()).select_from(Action)).scalar() or 0,
                         conn.execute(select(func.count()).select_from(ActionEvent)).scalar() or 0))

    try:
        assert not bot.say("ny AU: Synlig først når alt er lagret").error
        assert not bot.say("ny KDD: Og dette").error
    finally:
        event.remove(Action, "after_insert", peek)
    assert seen == [(0, 0), (1, 1)]


def test_a_chat_import_failing_half_way_stores_nothing(bot: Bot) -> None:
    """The meeting already exists, so the first action is the import's first write."""
    preview = bot.app.handle("", ADMIN, now=NOW, run=lambda ctx: protocol_import.preview_reply(ctx, protocol_docx(), "v.docx"))
    token = preview.data["token"]
    assert not bot.say(f"importer bekreft {token}").error
    meetings_before, actions_before = count(bot, Meeting), count(bot, Action)
    again = bot.app.handle("", ADMIN, now=NOW, run=lambda ctx: protocol_import.preview_reply(ctx, _other_protocol(), "w.docx"))
    inserted = {"n": 0}

    @event.listens_for(Action, "after_insert")
    def fail_on_second(mapper: Any, connection: Any, target: Any) -> None:
        inserted["n"] += 1
        if inserted["n"] == 2:
            raise RuntimeError("the disk, the network, a bug: something fails half-way")

    try:
        reply = bot.say(f"importer bekreft {again.data['token']}")
    finally:
        event.remove(Action, "after_insert", fail_on_second)
    assert reply.error and inserted["n"] == 2
    assert (count(bot, Meeting), count(bot, Action)) == (meetings_before, actions_before)


def _other_protocol() -> bytes:
    """The same meeting (so no new meeting row), other actions, parties all known."""
    import io

    import docx

    document = docx.Document()
    document.add_paragraph("Dialogmøte Vestland fylkeskommune og virkemiddelaktørene, Bergen 12. mars 2026 kl. 10:00-14:00")
    table = document.add_table(rows=3, cols=3)
    rows = [("Sak", "Oppfølging", "Frist"),
            ("4. Budsjett", "Vestland fylkeskommune sender budsjettforslag til partene.", "1. juni 2026"),
            ("5. Evaluering", "Siva lager en evaluering av ordningen.", "1. september 2026")]
    for row, cells in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()

