"""Importing a protocol for a meeting whose actions were partly added live: duplicates are found
per row and merged, skipped or kept as chosen; nothing else changes."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from bot.cli import main
from handlers.actions import lifecycle
from handlers.core.context import Actor, Context
from handlers.core.replies import Reply
from handlers.importing import protocol_import
from storage.models import Action, Comment
from tests.conftest import Bot
from tests.corpus.render import Block, Source, docx

PROTOCOL = docx(Source("p", "docx", [
    Block("paragraph", "Referat fra møte i AU 12. mars 2024"),
    Block("paragraph", "Sted: Teams"),
    Block("heading", "Oppfølging"),
    Block("bullet", "KS sender invitasjon til vårmøtet innen 22. mars 2024."),
    Block("bullet", "Siva lager en oversikt over næringshagene innen 5. april 2024."),
]))


def _live_action(bot: Bot) -> int:
    """The meeting as the calendar has it, and one action typed in chat during the meeting."""
    def run(ctx: Context):  # type: ignore[no-untyped-def]
        meeting = protocol_import._meeting_row(ctx, {"date": "2024-03-12", "kind": "au", "title": "AU"})
        assert meeting is not None
        action, _ = lifecycle.create(ctx, lifecycle.NewAction(text="Sende invitasjon til vårmøtet",
                                                              party_keys=("ks",), meeting_id=meeting.id))
        return Reply(data={"id": action.id})
    reply = bot.app.handle("", Actor("console", "local"), run=run)
    assert not reply.error, reply.lines
    return int(reply.data["id"])


def _count(bot: Bot, model: type) -> int:
    with bot.app.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _preview(bot: Bot):  # type: ignore[no-untyped-def]
    return bot.app.handle("", Actor("console", "local"),
                          run=lambda ctx: protocol_import.preview_reply(ctx, PROTOCOL, "au.docx"))


def test_a_row_like_a_live_action_is_merged_by_default(bot: Bot) -> None:
    live = _live_action(bot)
    reply = _preview(bot)
    assert not reply.error, reply.lines
    text = bot.text(reply)
    assert f"ligner på åpent punkt #{live} «Sende invitasjon til vårmøtet» — slås sammen" in text
    assert "Type: AU-møte (type fra «au»)" in text
    assert [b.label for b in reply.buttons] == ["Importer", "Avbryt", "1: hopp over", "1: behold begge"]

    done = bot.say(f"/oppfølging {reply.buttons[0].command}")
    assert not done.error, done.lines
    assert len(done.data["created"]) == 1 and done.data["merged"] == [live]
    assert _count(bot, Action) == 2
    with bot.app.sessions() as session:
        comment = session.scalars(select(Comment).where(Comment.action_id == live)).one()
        assert comment.text == "Fra protokollen: KS sender invitasjon til vårmøtet innen 22. mars 2024."


def test_keep_both_and_skip_are_chosen_per_row(bot: Bot) -> None:
    _live_action(bot)
    reply = _preview(bot)
    token = reply.data["token"]
    keep = bot.say(f"/oppfølging importer valg {token} 1 behold")
    assert not keep.error, keep.lines
    assert "beholdes begge" in bot.text(keep)
    bad = bot.say(f"/oppfølging importer valg {token} 2 behold")
    assert bad.error and "ligner ikke på noe åpent punkt" in bot.text(bad)
    done = bot.say(f"/oppfølging importer bekreft {token}")
    assert len(done.data["created"]) == 2 and done.data["merged"] == []
    assert _count(bot, Action) == 3
    assert _count(bot, Comment) == 0


def test_cli_asks_for_an_unclear_kind_and_takes_the_duplicates_default(  # type: ignore[no-untyped-def]
    tmp_path: Path, app, capsys, bot: Bot
) -> None:
    live = _live_action(bot)
    path = tmp_path / "au.docx"
    path.write_bytes(docx(Source("p", "docx", [
        Block("paragraph", "Møte 12. mars 2024"),
        Block("heading", "Oppfølging"),
        Block("bullet", "KS sender invitasjon til vårmøtet innen 22. mars 2024."),
    ])))
    argv = ["--database-url", app.settings.database_url, "import", str(path), "--now", "2024-03-13T09:00"]
    assert main(argv) == 1
    assert "Møtetypen går ikke fram av overskriften" in capsys.readouterr().out
    assert _count(bot, Action) == 1

    assert main([*argv, "--kind", "au", "--duplicates", "skip", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["meeting"]["kind"] == "au"
    assert out["result"]["created"] == [] and out["result"]["merged"] == []
    assert _count(bot, Action) == 1 and _count(bot, Comment) == 0
    assert live


def test_similarity_ignores_the_party_names_and_inflection() -> None:
    from handlers.importing.duplicates import SIMILAR, similarity

    names = frozenset({"vestland", "fylkeskommune"})
    assert similarity("Sende invitasjon til vårmøtet", "KS sender invitasjonen til vårmøtet innen 22. mars.") >= SIMILAR
    assert similarity("Vestland fylkeskommune sender planutkastet til partene.",
                      "Vestland fylkeskommune sender budsjettforslag til partene.", names) < SIMILAR
