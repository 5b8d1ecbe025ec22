"""Personvern: `oppfolging person export|erase PLATFORM:ID`, on SQLite and PostgreSQL.

Kari talks to the bot from Slack, joins a party, adds an action, comments, snoozes a reminder, is in
the roster and has been sent a reminder. Her export holds all of it. After `erase`, no row anywhere
in the database holds her Slack id, her name or her address; the actions, comments and history are
all still there, now by "slettet bruker"; the erasure is in the audit log. Erasing again changes
nothing; erasing someone unknown is an error; only admins may do either.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.exc import DBAPIError

from bot import cli
from bot.app import App
from storage.models import (
    Action,
    ActionEvent,
    AuditEvent,
    Comment,
    ConversationRef,
    DeliveryHealth,
    Membership,
    Notification,
    Party,
    Person,
    RosterEntry,
)
from tests.conftest import NOW, Bot

KARI = "slack:U0KARI42"
NAME = "Kari Nordmann"
EMAIL = "kari.nordmann@vestlandfylke.no"


def run(db_url: str, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = cli.main(["--database-url", db_url, *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def everything(app: App) -> str:
    """Every row of every table, as text: what a person with the database file could read."""
    out = []
    with app.engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            rows = conn.execute(text(f"SELECT * FROM {table}")).all()
            out.append(f"{table}: {[tuple(r) for r in rows]!r}")
    return "\n".join(out)


def kari_uses_the_bot(bot: Bot) -> int:
    assert not bot.say("medlem Vestland", KARI, name=NAME).error
    reply = bot.say("ny Vestland: Sende innspill til regional plan innen 15. januar 2027", KARI, name=NAME)
    action_id = reply.data["action"]["id"]  # type: ignore[index]
    assert not bot.say(f"kommenter {action_id} Innspillet er sendt på høring internt", KARI, name=NAME).error
    assert not bot.say(f"påbegynt {action_id}", KARI, name=NAME).error
    with bot.app.sessions() as session:
        kari = session.scalar(select(Person).where(Person.external_id == "U0KARI42"))
        assert kari is not None
        kari.email = EMAIL
        vestland = session.scalar(select(Party).where(Party.key == "vestland"))
        assert vestland is not None
        at = NOW.replace(tzinfo=None)
        session.add(RosterEntry(party_id=vestland.id, name=NAME, email=EMAIL, role="rådgiver", person_id=kari.id,
                                created_at=at, updated_at=at))
        session.add(ConversationRef(platform="slack", conversation_id="D0KARI42", person_id=kari.id,
                                    kind="personal", reference={"user": {"id": "U0KARI42", "name": NAME}},
                                    updated_at=at))
        session.add(Notification(key=f"reminder:{action_id}:due:2027-01-15:slack:U0KARI42", kind="reminder",
                                 action_id=action_id, due_on=date(2027, 1, 15), platform="slack",
                                 destination="U0KARI42", status="sent", claimed_at=at, sent_at=at,
                                 payload={"destination_label": NAME}, party_key="vestland", message_id="1.2"))
        session.add(Notification(key=f"reminder:{action_id}:due:2027-01-15:email:{EMAIL}", kind="reminder",
                                 action_id=action_id, due_on=date(2027, 1, 15), platform="email",
                                 destination=EMAIL, status="failed", claimed_at=at, next_attempt_at=at,
                                 payload={"to": EMAIL}, error=f"mailbox full for {EMAIL}", party_key="vestland"))
        session.add(DeliveryHealth(platform="email", address=EMAIL, last_failure_at=at, failing=False, updated_at=at))
        session.commit()
    # The secretariat's roster import, as the audit log records it (name and address in the values).
    with bot.app.sessions() as session:
        session.add(AuditEvent(at=NOW.replace(tzinfo=None), actor_id=None, source="console", entity="roster",
                               entity_id=f"vestland:{EMAIL}", change="created", new_value={"name": NAME, "role": "rådgiver"}))
        session.commit()
    return int(action_id)


def counts(app: App) -> dict[str, int]:
    with app.sessions() as session:
        return {model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Action, ActionEvent, Comment)}


def test_export_then_erase_keeps_the_history_and_forgets_the_person(
        bot: Bot, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    action_id = kari_uses_the_bot(bot)
    out = tmp_path / "kari.json"
    code, said = run(db_url, capsys, "person", "export", KARI, "--out", str(out), "--now", "2026-11-23T11:00")
    assert code == 0, said
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["subject"] == KARI and doc["format"] == "oppfolging-person-export/1"
    assert [(p["platform"], p["id"], p["name"], p["email"]) for p in doc["people"]] == [
        ("slack", "U0KARI42", NAME, EMAIL)]
    assert [m["party"] for m in doc["memberships"]] == ["vestland"]
    assert [(a["id"], a["status"]) for a in doc["actions_created"]] == [(action_id, "in_progress")]
    assert [c["text"] for c in doc["comments"]] == ["Innspillet er sendt på høring internt"]
    assert {e["kind"] for e in doc["action_history"]} >= {"created", "comment", "status"}
    assert [(r["party"], r["email"]) for r in doc["roster"]] == [("vestland", EMAIL)]
    assert sorted(n["destination"] for n in doc["notifications"]) == sorted(["U0KARI42", EMAIL])
    assert [c["conversation"] for c in doc["conversations"]] == ["D0KARI42"]
    assert [h["address"] for h in doc["delivery_health"]] == [EMAIL]
    audit = {(a["entity"], a["change"], a["by_subject"]) for a in doc["audit"]}
    assert ("membership", "created", True) in audit and ("roster", "created", False) in audit

    before = counts(bot.app)
    assert NAME in everything(bot.app) and "U0KARI42" in everything(bot.app)
    code, said = run(db_url, capsys, "person", "erase", KARI, "--json", "--now", "2026-11-23T11:05")
    assert code == 0, said
    result = json.loads(said)["data"]
    assert result["erased"] is True and result["pseudonym"].startswith("slettet-")

    dump = everything(bot.app)
    for trace in ("U0KARI42", NAME, EMAIL, "kari.nordmann"):
        assert trace not in dump, trace
    assert counts(bot.app) == before  # actions, their history and comments: all still there
    with bot.app.sessions() as session:
        kari = session.scalar(select(Person).where(Person.display_name == "slettet bruker"))
        assert kari is not None and kari.platform == "slack" and kari.email is None
        assert kari.external_id == result["pseudonym"]
        comment = session.scalar(select(Comment))
        assert comment is not None and comment.author_id == kari.id
        assert comment.text == "Innspillet er sendt på høring internt"
        assert session.scalar(select(func.count()).select_from(Membership).where(Membership.person_id == kari.id)) == 0
        assert session.scalar(select(func.count()).select_from(ConversationRef)) == 0
        assert session.scalar(select(func.count()).select_from(DeliveryHealth)) == 0
        statuses = {n.platform: (n.status, n.payload) for n in session.scalars(select(Notification))}
        assert statuses == {"slack": ("sent", {}), "email": ("skipped", {})}  # unsent: never sent to a pseudonym
        roster = session.scalar(select(RosterEntry))
        assert roster is not None and roster.name == "slettet bruker" and roster.removed_at is not None
        assert roster.email.endswith("@slettet.invalid")
    # The history shows who did what as "slettet bruker"; the erasure itself is audited, by pseudonym.
    shown = bot.text(bot.say(f"vis {action_id}"))
    assert "slettet bruker" in shown and NAME not in shown
    code, said = run(db_url, capsys, "audit", "--json")
    rows = json.loads(said)
    assert {r["by"] for r in rows if r["entity"] == "action"} == {f"slack:{result['pseudonym']}"}
    erased = [r for r in rows if (r["entity"], r["change"]) == ("privacy", "erased")]
    assert len(erased) == 1 and erased[0]["by"] == "console:local" and erased[0]["id"] == f"slack:{result['pseudonym']}"
    assert [r["id"] for r in rows if r["entity"] == "privacy" and r["change"] == "exported"] == [
        f"slack:{result['pseudonym']}"]

    # Erasing twice is harmless: answered, and nothing changes.
    code, said = run(db_url, capsys, "person", "erase", KARI, "--now", "2026-11-23T11:10")
    assert code == 0 and "allerede slettet" in said
    assert everything(bot.app) == dump
    # The append-only rule is back in force outside the erasing transaction.
    with bot.app.sessions() as session, pytest.raises(DBAPIError, match="not allowed"):
        session.execute(update(AuditEvent).values(entity_id="omskrevet"))
        session.commit()
    with bot.app.sessions() as session, pytest.raises(DBAPIError, match="not allowed"):
        session.execute(update(ActionEvent).values(new_value="omskrevet"))
        session.commit()


def test_export_of_someone_unknown_is_an_empty_valid_file(db_url: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "nobody.json"
    code, said = run(db_url, capsys, "person", "export", "teams:0c9e2f43-1111-4c1a-9f00-123456789abc",
                     "--out", str(out))
    assert code == 0 and "ingen opplysninger" in said
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["people"] == [] and doc["audit"] == [] and doc["notifications"] == []
    assert all(value == [] for key, value in doc.items() if isinstance(value, list))


def test_bad_unknown_and_unauthorised_requests_change_nothing(bot: Bot, db_url: str, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    kari_uses_the_bot(bot)
    code, said = run(db_url, capsys, "person", "erase", "slack:U0NOBODY")
    assert code == 1 and "Fant ingen opplysninger om slack:U0NOBODY" in said
    code, said = run(db_url, capsys, "person", "erase", "kari")
    assert code == 1 and "PLATTFORM:ID" in said
    code, said = run(db_url, capsys, "person", "erase", KARI, "--user", "slack:U0VESTLAND")
    assert code == 1 and "bare administratorer" in said.lower(), said
    out = tmp_path / "x.json"
    code, said = run(db_url, capsys, "person", "export", KARI, "--out", str(out), "--user", "slack:U0VESTLAND")
    assert code == 1 and not out.exists()
    after = everything(bot.app)
    assert NAME in after and EMAIL in after
    with bot.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "privacy")) == 0


def test_an_email_only_person_from_the_roster_is_erased_by_address(bot: Bot, db_url: str,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with bot.app.sessions() as session:
        agder = session.scalar(select(Party).where(Party.key == "agder"))
        assert agder is not None
        at = (NOW - timedelta(days=3)).replace(tzinfo=None)
        session.add(RosterEntry(party_id=agder.id, name="Ola Agdersen", email="ola@agderfk.no", role="", created_at=at,
                                updated_at=at))
        session.commit()
    code, said = run(db_url, capsys, "person", "erase", "email:Ola@Agderfk.no")
    assert code == 0, said
    dump = everything(bot.app)
    assert "ola@agderfk.no" not in dump and "Ola Agdersen" not in dump
    code, said = run(db_url, capsys, "person", "erase", "email:ola@agderfk.no")
    assert code == 0 and "allerede slettet" in said
