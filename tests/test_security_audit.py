"""Every change keeps who, when, which platform and the previous value; nothing is ever deleted.

Action changes are in each action's history (`action_events`); meetings, subscriptions, settings,
memberships, ad-hoc groups, imports and admin rights in `audit_events`. `oppfolging audit` prints
both. The database itself refuses to delete actions, meetings, comments or history, and to change
history (migration 0004), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from bot import cli
from bot.cli.audit import collect
from handlers.core.context import Actor
from handlers.importing import protocol_import
from storage.models import Action, ActionEvent, AuditEvent, Comment, Meeting
from tests.conftest import NOW, ROOT, Bot
from tests.test_importing import protocol_docx

ADMIN = "slack:UADMIN"


def say(bot: Bot, text: str, user: str = ADMIN, channel: str = "C0FORUM") -> Any:
    platform, _, external = user.partition(":")

    def in_channel(ctx):  # type: ignore[no-untyped-def]
        ctx.channel, ctx.channel_name = channel, "samhandling"

    reply = bot.app.handle(text, Actor(platform, external, external), now=bot.now, configure=in_channel)
    assert not reply.error, (text, reply.lines)
    return reply


def audit_rows(bot: Bot) -> list[dict[str, Any]]:
    with bot.app.sessions() as session:
        return [r for r in collect(session, None, None) if r["entity"] != "action"]


def test_meetings_subscriptions_settings_memberships_groups_are_audited(bot: Bot) -> None:
    meeting_id = say(bot, "møte ny høstmøte 21. oktober 2027 kl. 10 i Oslo").data["meeting_id"]
    bot.now += timedelta(minutes=1)
    say(bot, f"møte flytt {meeting_id} 28. oktober 2027")
    bot.now += timedelta(minutes=1)
    say(bot, f"møte avlys {meeting_id}")
    say(bot, "abonner AU")
    say(bot, "avslutt-abonnement AU")
    say(bot, "oversiktskanal")
    say(bot, "oversiktskanal", channel="C0SEKRETARIAT")
    say(bot, "oversiktskanal av")
    say(bot, "medlem Vestland", "teams:kari-oid")
    say(bot, "forlat Vestland", "teams:kari-oid")
    say(bot, "gruppe ny Arbeidsgruppa for fagdager", "teams:kari-oid")

    rows = audit_rows(bot)
    assert [(r["entity"], r["change"]) for r in rows] == [
        ("meeting", "created"), ("meeting", "moved"), ("meeting", "cancelled"),
        ("subscription", "created"), ("subscription", "removed"),
        ("setting", "created"), ("setting", "changed"), ("setting", "removed"),
        ("membership", "created"), ("membership", "removed"), ("party", "created"),
    ]
    moved, cancelled = rows[1], rows[2]
    # The previous value is kept: where the meeting was before it moved, and that it was scheduled.
    assert moved["old"]["starts_at"].startswith("2027-10-21") and moved["new"]["starts_at"].startswith("2027-10-28")
    assert (cancelled["old"]["status"], cancelled["new"]["status"]) == ("scheduled", "cancelled")
    assert rows[4]["old"] == {"platform": "slack", "channel": "C0FORUM", "name": "samhandling", "party": "au"}
    assert rows[6]["old"]["channel"] == "C0FORUM" and rows[6]["new"]["channel"] == "C0SEKRETARIAT"
    assert rows[7]["old"]["channel"] == "C0SEKRETARIAT" and rows[7]["new"] is None
    # Who and from where.
    assert {r["by"] for r in rows[:8]} == {ADMIN} and {r["source"] for r in rows[:8]} == {"slack"}
    assert {(r["by"], r["source"]) for r in rows[8:]} == {("teams:kari-oid", "teams")}
    # When: the clock of the request.
    assert rows[0]["at"].startswith(NOW.isoformat()[:16]) and rows[1]["at"] > rows[0]["at"]


def test_imports_and_the_meetings_they_create_are_audited(bot: Bot) -> None:
    preview = bot.app.handle("", Actor("slack", "UADMIN"), now=NOW,
                             run=lambda ctx: protocol_import.preview_reply(ctx, protocol_docx(), "vestland.docx"))
    say(bot, f"importer bekreft {preview.data['token']}")
    second = bot.app.handle("", Actor("slack", "UADMIN"), now=NOW,
                            run=lambda ctx: protocol_import.preview_reply(ctx, protocol_docx(), "igjen.docx"))
    say(bot, f"importer avbryt {second.data['token']}")
    changes = [(r["entity"], r["change"], r["source"]) for r in audit_rows(bot)]
    assert ("meeting", "created", "import") in changes
    assert ("party", "created", "import") in changes  # the unknown committee became an ad-hoc group
    assert ("import", "imported", "slack") in changes and ("import", "cancelled", "slack") in changes


def test_cli_prints_the_audit_and_records_admin_rights(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    def run(*args: str) -> str:
        capsys.readouterr()
        assert cli.main(["--database-url", db_url, *args]) == 0
        return capsys.readouterr().out

    run("run", "/oppfølging ny AU: Revideres", "--now", "2026-11-23T10:00")
    run("admin", "add", "slack:U9", "--now", "2026-11-23T10:05")
    run("run", "/oppfølging avbryt 1 Ikke aktuelt", "--user", "slack:U9", "--now", "2026-11-23T10:10")
    run("admin", "remove", "slack:U9", "--now", "2026-11-23T10:15")
    rows = json.loads(run("audit", "--json"))
    assert [(r["entity"], r["change"], r["by"]) for r in rows] == [
        ("action", "created", "console:local"),
        ("admin", "created", "console:local"),
        ("action", "status", "slack:U9"), ("action", "comment", "slack:U9"),
        ("admin", "removed", "console:local"),
    ]
    assert (rows[2]["old"], rows[2]["new"]) == ("open", "cancelled")
    assert [r["change"] for r in json.loads(run("audit", "--json", "--action", "1"))] == ["created", "status", "comment"]
    later = json.loads(run("audit", "--json", "--since", "2026-11-23T10:12"))  # --now and --since: Oslo time
    assert [(r["entity"], r["change"]) for r in later] == [("admin", "removed")]
    lines = run("audit").strip().splitlines()
    assert len(lines) == 5 and "open → cancelled" in lines[2] and "slack:U9" in lines[2]


# --- nothing is deleted ---------------------------------------------------------------------------


def test_the_database_refuses_to_delete_or_rewrite_history(bot: Bot) -> None:
    say(bot, "ny AU: Kan ikke slettes innen 15. januar 2027")
    say(bot, "kommenter 1 En kommentar som står")
    say(bot, "møte ny høstmøte 21. oktober 2027 kl. 10 i Oslo")
    attempts = [
        delete(Action), delete(Meeting), delete(Comment), delete(ActionEvent), delete(AuditEvent),
        update(ActionEvent).values(new_value="omskrevet"), update(AuditEvent).values(change="omskrevet"),
        update(Comment).values(text="omskrevet"),
    ]
    for statement in attempts:
        with bot.app.sessions() as session, pytest.raises(DBAPIError, match="not allowed"):
            session.execute(statement)
            session.commit()
    with bot.app.engine.connect() as conn:  # plain SQL too, not only the ORM
        with pytest.raises(DBAPIError, match="not allowed"):
            conn.execute(text("DELETE FROM actions WHERE id = 1"))
        conn.rollback()
    with bot.app.sessions() as session:
        assert session.scalar(select(Action.text)) == "Kan ikke slettes"
        assert session.scalar(select(Comment.text)) == "En kommentar som står"
        assert session.scalar(select(Meeting.status)) == "scheduled"
    # What the application itself does instead: cancel, which keeps the row and adds history.
    say(bot, "avbryt 1 Ikke aktuelt lenger")
    say(bot, "møte avlys 1")
    with bot.app.sessions() as session:
        assert session.scalar(select(Action.status)) == "cancelled"
        assert session.scalar(select(Meeting.status)) == "cancelled"


def test_no_code_deletes_actions_meetings_comments_or_history() -> None:
    """The application code never asks to delete these (the triggers above are the backstop)."""
    protected = ("Action", "Meeting", "Comment", "ActionEvent", "AuditEvent")
    offenders = []
    for path in [*ROOT.glob("handlers/**/*.py"), *ROOT.glob("bot/**/*.py"), *ROOT.glob("storage/*.py")]:
        source = path.read_text(encoding="utf-8")
        for model in protected:
            if re.search(rf"\bdelete\(\s*{model}\b", source):
                offenders.append(f"{path.name}: delete({model})")
        for table in ("actions", "meetings", "comments", "action_events", "audit_events"):
            if re.search(rf"DELETE\s+FROM\s+{table}\b", source, flags=re.IGNORECASE):
                offenders.append(f"{path.name}: DELETE FROM {table}")
    assert offenders == []
