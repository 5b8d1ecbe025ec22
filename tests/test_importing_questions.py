"""A preview whose meeting type or county is unclear asks with buttons; the answer reads the kept
file again, with no new upload, and nothing is stored until the question is answered."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers.core.context import Actor
from handlers.importing import protocol_import
from storage.models import Action, Meeting, PendingImport
from tests.conftest import Bot
from tests.corpus.render import Block, Source, docx

UNTYPED = docx(Source("p", "docx", [
    Block("paragraph", "Møte 12. mars 2024"),
    Block("heading", "Oppfølging"),
    Block("bullet", "KS sender invitasjon til vårmøtet innen 22. mars 2024."),
    Block("bullet", "Fylkeskommunen lager en oversikt over næringshagene innen 5. april 2024."),
]))

NO_COUNTY = docx(Source("p", "docx", [
    Block("paragraph", "Dialogmøte 12. mars 2024"),
    Block("heading", "Oppfølging"),
    Block("bullet", "Fylkeskommunen lager en oversikt over næringshagene innen 5. april 2024."),
]))


def _preview(bot: Bot, data: bytes, name: str):  # type: ignore[no-untyped-def]
    reply = bot.app.handle("", Actor("console", "local"),
                           run=lambda ctx: protocol_import.preview_reply(ctx, data, name))
    assert not reply.error, reply.lines
    return reply


def _count(bot: Bot, model: type) -> int:
    with bot.app.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_an_unclear_type_is_asked_with_buttons_and_answered_without_a_new_upload(bot: Bot) -> None:
    reply = _preview(bot, UNTYPED, "møte.docx")
    token = reply.data["token"]
    assert "Møtetypen går ikke fram av overskriften" in bot.text(reply)
    assert [b.label for b in reply.buttons] == ["Nasjonalt møte", "Regionalt dialogmøte", "AU-møte",
                                                "Styringsgruppemøte", "Avbryt"]

    typed = bot.say(f"/oppfølging importer bekreft {token}")
    assert typed.error and "Svar på spørsmålet" in bot.text(typed)
    assert _count(bot, Action) == 0 and _count(bot, Meeting) == 0

    au = next(b for b in reply.buttons if b.label == "AU-møte")
    answered = bot.say(f"/oppfølging {au.command}")
    assert not answered.error, answered.lines
    assert "Type: AU-møte (type fra" not in bot.text(answered)
    assert "type oppgitt ved import" in bot.text(answered)
    assert [b.label for b in answered.buttons] == ["Importer", "Avbryt"]
    assert answered.data["token"] == token and answered.data["plan"]["meeting"]["kind"] == "au"

    done = bot.say(f"/oppfølging {answered.buttons[0].command}")
    assert not done.error, done.lines
    assert len(done.data["created"]) == 2
    with bot.app.sessions() as session:
        meeting = session.scalars(select(Meeting)).one()
        assert meeting.kind == "au"
        pending = session.scalars(select(PendingImport).where(PendingImport.token == token)).one()
        # The kept file is dropped once the import is done.
        assert pending.status == "imported" and "source" not in pending.plan


def test_an_unclear_county_is_asked_and_a_wrong_answer_changes_nothing(bot: Bot) -> None:
    reply = _preview(bot, NO_COUNTY, "dialog.docx")
    token = reply.data["token"]
    assert "Fylket for dette regionale møtet går ikke fram" in bot.text(reply)
    ask = reply.buttons[0]
    assert (ask.label, ask.ask, ask.command) == ("Velg fylke", "text", f"importer svar {token} fylke")
    with bot.app.sessions() as session:
        before = session.scalars(select(PendingImport)).one().plan

    wrong = bot.say(f"/oppfølging {ask.command} Narnia")
    assert wrong.error and "Narnia" in bot.text(wrong)
    empty = bot.say(f"/oppfølging {ask.command}")
    assert empty.error and "fylke Agder" in bot.text(empty)
    with bot.app.sessions() as session:
        assert session.scalars(select(PendingImport)).one().plan == before

    right = bot.say(f"/oppfølging {ask.command} Agder")
    assert not right.error, right.lines
    plan = right.data["plan"]
    assert (plan["meeting"]["kind"].startswith("regional"), plan["meeting"]["region"]) == (True, "agder")
    # "Fylkeskommunen" in a county's meeting is that county.
    assert plan["actions"][0]["parties"] == ["agder"]
    done = bot.say(f"/oppfølging importer bekreft {token}")
    assert not done.error and len(done.data["created"]) == 1


def test_answers_to_a_preview_without_questions_or_after_import_are_refused(bot: Bot) -> None:
    clear = docx(Source("p", "docx", [
        Block("paragraph", "Referat fra møte i AU 12. mars 2024"),
        Block("heading", "Oppfølging"),
        Block("bullet", "KS sender invitasjon til vårmøtet innen 22. mars 2024."),
    ]))
    token = _preview(bot, clear, "au.docx").data["token"]
    nothing = bot.say(f"/oppfølging importer svar {token} type nasjonal")
    assert nothing.error and "ingen ubesvarte spørsmål" in bot.text(nothing)
    untyped = _preview(bot, UNTYPED, "møte.docx").data["token"]
    odd = bot.say(f"/oppfølging importer svar {untyped} farge blå")
    assert odd.error and "«farge» er ikke noe jeg spurte om" in bot.text(odd)
    bad_kind = bot.say(f"/oppfølging importer svar {untyped} type fest")
    assert bad_kind.error and "Ukjent møtetype «fest»" in bot.text(bad_kind)
    assert bot.say(f"/oppfølging importer svar {untyped} type au").data["plan"]["meeting"]["kind"] == "au"
    bot.say(f"/oppfølging importer bekreft {untyped}")
    again = bot.say(f"/oppfølging importer svar {untyped} type nasjonal")
    assert "allerede importert" in bot.text(again)
    missing = bot.say("/oppfølging importer svar 0000 type au")
    assert missing.error and "Fant ikke denne forhåndsvisningen" in bot.text(missing)
