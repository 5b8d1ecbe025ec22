"""Storing an imported protocol: preview first, then one transaction; never duplicates."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from sqlalchemy import func, select

from handlers.core.context import Actor
from handlers.importing import protocol_import
from storage.models import Action, Meeting, Party, PendingImport
from tests.conftest import SHARED, Bot


def protocol_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Dialogmøte Vestland fylkeskommune og virkemiddelaktørene, Bergen 12. mars 2026 kl. 10:00-14:00")
    table = document.add_table(rows=4, cols=3)
    rows = [
        ("Sak", "Oppfølging", "Frist"),
        ("1. Regional plan for innovasjon", "Vestland fylkeskommune sender planutkastet til partene.", "1. mai 2026"),
        ("2. Kompetanseløft", "Komiteen for kompetansedager foreslår program for høsten.", ""),
        ("3. Orientering fra Siva", "", ""),
    ]
    for row, cells in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def count(bot: Bot, model: type) -> int:
    with bot.app.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def preview(bot: Bot, data: bytes, name: str, user: Actor | None = None):  # type: ignore[no-untyped-def]
    return bot.app.handle("", user or Actor("console", "local"), run=lambda ctx: protocol_import.preview_reply(ctx, data, name))


def test_preview_then_import_then_again(bot: Bot) -> None:
    reply = preview(bot, protocol_docx(), "vestland.docx")
    assert not reply.error, reply.lines
    assert count(bot, Action) == 0
    assert count(bot, PendingImport) == 1
    plan = reply.data["plan"]
    assert plan["meeting"]["region"] == "vestland"
    assert [a["parties"] for a in plan["actions"]] == [["vestland"], ["?Komiteen for kompetansedager"]]
    assert plan["actions"][0]["deadline"] == "2026-05-01"
    assert [b.label for b in reply.buttons] == ["Importer", "Avbryt"]
    confirm = reply.buttons[0].command

    done = bot.say(f"/oppfølging {confirm}")
    assert not done.error, done.lines
    assert len(done.data["created"]) == 2
    assert done.data["groups"] == ["Komiteen for kompetansedager"]
    with bot.app.sessions() as session:
        meeting = session.scalars(select(Meeting)).one()
        assert (meeting.kind, meeting.region, meeting.place) == ("regional-spring", "vestland", "Bergen")
        kinds = session.scalar(select(Party.kind).where(Party.name == "Komiteen for kompetansedager"))
        assert kinds == "adhoc"
        sources = set(session.scalars(select(Action.source)))
        assert sources == {"import"}
    # Clicking Importer again, or importing the same file again, adds nothing.
    assert "allerede importert" in bot.text(bot.say(f"/oppfølging {confirm}"))
    again = preview(bot, protocol_docx(), "vestland-kopi.docx")
    bot.say(f"/oppfølging {again.buttons[0].command}")
    assert count(bot, Action) == 2
    assert count(bot, Meeting) == 1


def test_cancel_saves_nothing(bot: Bot) -> None:
    reply = preview(bot, protocol_docx(), "vestland.docx")
    cancel = reply.buttons[1].command
    assert "avbrutt" in bot.text(bot.say(f"/oppfølging {cancel}"))
    assert "avbrutt" in bot.text(bot.say(f"/oppfølging {reply.buttons[0].command}"))
    assert count(bot, Action) == 0


def test_only_admins_import(bot: Bot) -> None:
    reply = preview(bot, protocol_docx(), "vestland.docx", Actor("slack", "U77"))
    assert reply.error and "administratorer" in bot.text(reply)
    assert count(bot, PendingImport) == 0


@pytest.mark.parametrize("data,name", [(b"\x00\x01garbage", "x.pdf"), (b"", "tom.docx"), (b"hei", "bilde.png")])
def test_bad_files_import_nothing(bot: Bot, data: bytes, name: str) -> None:
    reply = preview(bot, data, name)
    assert reply.error
    assert "noe gikk galt" not in bot.text(reply).lower()
    assert count(bot, PendingImport) == 0 and count(bot, Action) == 0


def test_seed_protocol_imports_eleven_actions(bot: Bot) -> None:
    seeds = sorted((SHARED / "seeds").glob("004_*.txt")) if SHARED.exists() else []
    if not seeds:
        pytest.skip("../shared/seeds is not present")
    data = Path(seeds[0]).read_bytes()
    reply = preview(bot, data, seeds[0].name)
    done = bot.say(f"/oppfølging {reply.buttons[0].command}")
    assert len(done.data["created"]) == 11
    listed = bot.say("/oppfølging liste AU")
    assert len(listed.items) == 6  # rows 4, 5 and the last row, and three in row 6


def test_meeting_deadlines_count_from_the_protocol_date(bot: Bot) -> None:
    """'til høstmøtet' in a 2026 spring protocol is the 2026 autumn meeting, even when read later."""
    from datetime import datetime

    from handlers.core.clock import at_local

    with bot.app.sessions() as session:
        for day in (datetime(2026, 10, 20), datetime(2027, 10, 19)):
            stamp = at_local(day.date(), datetime.min.time().replace(hour=10)).replace(tzinfo=None)
            session.add(Meeting(kind="national-autumn", title=f"Høstmøte {day.year}", starts_at=stamp,
                                created_at=stamp, updated_at=stamp))
        session.commit()
    document = docx.Document()
    document.add_paragraph("Nasjonal samhandlingsmodell, vårmøte Oslo 20. april 2026")
    table = document.add_table(rows=2, cols=2)
    for cell, value in zip(table.rows[0].cells, ("Saker", "Oppfølging"), strict=True):
        cell.text = value
    table.rows[1].cells[0].text = "1. Budsjett"
    table.rows[1].cells[1].text = "KS legger fram en oversikt til høstmøtet."
    buffer = io.BytesIO()
    document.save(buffer)
    reply = preview(bot, buffer.getvalue(), "var.docx")
    assert reply.data["plan"]["actions"][0]["deadline"] == "2026-10-20"
