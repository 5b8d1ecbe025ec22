"""Uploads in chat, platform-neutral: which texts ask for an import, the typed meeting date and county, the permission.

`protocol_docx()` is the protocol the Slack and Teams upload tests share (written for these tests).
"""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest
from sqlalchemy import func, select

from handlers.core.context import Actor
from handlers.importing import upload
from storage.models import Action, PendingImport
from tests.conftest import Bot

MEETING_LINE = "Høstmøte i Nasjonal samhandlingsmodell, Trondheim 14. oktober 2026 kl. 09:30-15:00"
ROWS = (
    ("Sak", "Oppfølging", "Frist"),
    ("1. Rapportering fra regionene", "Arbeidsutvalget lager en felles mal for rapportering fra fylkene.",
     "15. januar 2027"),
    ("2. EU-programmer", "Forskningsrådet og Innovasjon Norge inviterer fylkeskommunene til et webinar om "
     "Horisont Europa.", "1. mars 2027"),
    ("3. Fagdager", "Nettverket for fagdager setter opp en plan for våren.", ""),
    ("4. Eventuelt", "", ""),
)
ACTION_TEXTS = (
    "Arbeidsutvalget lager en felles mal for rapportering fra fylkene.",
    "Forskningsrådet og Innovasjon Norge inviterer fylkeskommunene til et webinar om Horisont Europa.",
    "Nettverket for fagdager setter opp en plan for våren.",
)


def protocol_docx(meeting_line: str = MEETING_LINE) -> bytes:
    document = docx.Document()
    document.add_paragraph(meeting_line)
    table = document.add_table(rows=len(ROWS), cols=3)
    for row, cells in zip(table.rows, ROWS, strict=True):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def count(bot: Bot, model: type) -> int:
    with bot.app.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(("text", "kind", "args"), [
    ("importer", "import", ""),
    ("Importer", "import", ""),
    ("import", "import", ""),
    ("/oppfølging importer", "import", ""),
    ("/oppfolging import", "import", ""),
    ("<@UBOT> importer 14.10.2026 Vestland", "import", "14.10.2026 Vestland"),
    ("oppfølging: importer", "import", ""),
    ("", "ask", ""),
    ("  <@UBOT> ", "ask", ""),
    ("liste", "other", ""),
    ("importer bekreft abc123", "other", ""),
    ("importer avbryt abc123", "other", ""),
    ("her er referatet", "other", ""),
])
def test_which_texts_ask_for_an_import(text: str, kind: str, args: str) -> None:
    wish = upload.intent(text)
    assert (wish.kind, wish.args if kind == "import" else "") == (kind, args)


def test_the_meeting_date_and_county_after_the_command(bot: Bot) -> None:
    def parsed(args: str) -> tuple[date | None, str | None]:
        reply_holder: dict[str, tuple[date | None, str | None]] = {}

        def run(ctx):  # type: ignore[no-untyped-def]
            reply_holder["v"] = upload.parse_args(ctx, args)
            return upload.ask_reply()

        bot.app.handle("", Actor("console", "local"), run=run)
        return reply_holder["v"]

    assert parsed("") == (None, None)
    assert parsed("14.10.2026") == (date(2026, 10, 14), None)
    assert parsed("møtedato 14. oktober 2026 fylke Vestland") == (date(2026, 10, 14), "Vestland")
    assert parsed("Møre og Romsdal 2026-04-20") == (date(2026, 4, 20), "Møre og Romsdal")
    assert parsed("Vestland") == (None, "Vestland")
    error = bot.app.handle("", Actor("console", "local"), run=lambda ctx: upload.parse_args(ctx, "møtedato blåmandag"))
    assert error.error and "Forstod ikke møtedatoen «blåmandag»" in error.lines[0]


def test_preview_uses_the_typed_date_and_stores_only_the_pending_import(bot: Bot) -> None:
    data = protocol_docx("Møte i arbeidsutvalget, Oslo")
    admin = Actor("slack", "UADMIN")
    missing = bot.app.handle("", admin, run=lambda ctx: upload.preview(ctx, "", data, "au.docx"))
    assert missing.error and "møtedatoen" in " ".join(missing.lines)
    reply = bot.app.handle("", admin, run=lambda ctx: upload.preview(ctx, "møtedato 2. november 2026", data, "au.docx"))
    assert not reply.error, reply.lines
    assert reply.data["plan"]["meeting"]["date"] == "2026-11-02"
    assert [a["text"] for a in reply.data["plan"]["actions"]] == list(ACTION_TEXTS)
    assert count(bot, PendingImport) == 1 and count(bot, Action) == 0


def test_only_admins_may_import(bot: Bot) -> None:
    kari = Actor("slack", "U0KARI")
    refused = bot.app.handle("", kari, run=upload.check)
    assert refused.error and "administrator" in " ".join(refused.lines).lower()
    preview = bot.app.handle("", kari, run=lambda ctx: upload.preview(ctx, "", protocol_docx(), "p.docx"))
    assert preview.error
    assert count(bot, PendingImport) == 0 and count(bot, Action) == 0
    assert not bot.app.handle("", Actor("slack", "UADMIN"), run=upload.check).error
