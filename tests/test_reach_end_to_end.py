"""Reach end to end: a roster loaded through the real command line, then reminders reaching the
party's people in chat and by e-mail through a real SMTP server; and a Teams person without the app
(the connector refuses with 403, Graph may not install it) reached by e-mail instead.

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (the `app` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.email.config import parse
from bot.email.deliverer import EmailDeliverer
from storage.db import transaction
from storage.models import ConversationRef, Notification, Person, RosterEntry
from tests.support.fake_delivery import Recorder, Sim, new_action
from tests.support.smtp_server import SmtpServer
from tests.test_reach_routing import Refusing

OSLO = ZoneInfo("Europe/Oslo")
CREATED = datetime(2027, 1, 4, 12, tzinfo=OSLO)
FROM = "oppfolging@example.no"
ROSTER = """part;navn;e-post;rolle
Vestland;Kari Vestre;kari.vestre@vestland.example;kontaktperson
AU;Ola Utvalg;ola.utvalg@ks.example;leder
Innovasjon Norge;Ingrid Innovasjon;ingrid@in.example;
"""


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def import_roster(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "kontakter.csv"
    path.write_text(ROSTER, encoding="utf-8-sig")
    assert main(["--database-url", app.settings.database_url, "roster", "import", str(path),
                 "--now", "2027-01-04T12:00"]) == 0


def person(app, platform: str, external: str, email: str, *, personal_chat: bool = False) -> None:  # type: ignore[no-untyped-def]
    """A chat user whose e-mail the platform told us (Slack profile, Teams UPN)."""
    with transaction(app.sessions) as session:
        row = Person(platform=platform, external_id=external, display_name=external, email=email,
                     created_at=CREATED.replace(tzinfo=None))
        session.add(row)
        session.flush()
        if personal_chat:
            session.add(ConversationRef(platform="teams", conversation_id=f"a:1{external}", person_id=row.id,
                                        kind="personal", reference={"conversation": {"id": f"a:1{external}"}},
                                        updated_at=CREATED.replace(tzinfo=None)))


def reminders_to(smtp: SmtpServer, address: str) -> list[str]:
    """Subjects of the reminders (not the weekly digests) an address received."""
    subjects = [str(m.message["Subject"]) for m in smtp.received_by(address)]
    return [s for s in subjects if not s.startswith("Ukeoversikt")]


def test_a_roster_reaches_people_in_chat_and_by_email(app, tmp_path: Path, smtp: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    person(app, "slack", "UOLA", "Ola.Utvalg@ks.example")  # AU's representative is in Slack
    import_roster(app, tmp_path)
    with app.sessions() as session:
        matched = {e.email: e.person_id for e in session.scalars(select(RosterEntry))}
    assert matched["ola.utvalg@ks.example"] is not None and matched["kari.vestre@vestland.example"] is None
    au = new_action(app, "AU: Lage forslag til agenda innen 20.01.2027", now=CREATED)
    vestland = new_action(app, "Vestland: Melde inn behov innen 20.01.2027", now=CREATED)

    slack = Recorder()
    email = EmailDeliverer(parse(smtp.url(), FROM), tz=OSLO)
    sim = Sim(app, platforms=("slack", "email"), deliverers={"slack": slack, "email": email})
    sim.tick("2027-01-13T09:00")  # one week before: the first stage
    reminders = [(d.address, r.data["action"]["id"]) for d, r in slack.sent if (r.data or {}).get("kind") == "reminder"]
    assert reminders == [("UOLA", au)]
    (subject,) = reminders_to(smtp, "kari.vestre@vestland.example")
    (mail,) = [m for m in smtp.received_by("kari.vestre@vestland.example") if m.message["Subject"] == subject]
    body = mail.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"#{vestland}" in body and "Melde inn behov" in body
    assert not smtp.received_by("ola.utvalg@ks.example")  # reachable in chat: no e-mail as well
    # Nobody is sent anything twice, however often the clock ticks that day.
    sent = (len(slack.sent), len(smtp.messages))
    sim.tick("2027-01-13T09:05")
    sim.tick("2027-01-13T14:00")
    assert (len(slack.sent), len(smtp.messages)) == sent


def test_a_teams_person_without_the_app_is_reached_by_email(app, tmp_path: Path, smtp: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    """The connector answers 403 (the person does not have the app) and Graph may not install it:
    the deliverer raises permanent `forbidden`; the engine retires the conversation and sends the
    same reminder by e-mail, to the roster address, in the same tick."""
    person(app, "teams", "aad-kari", "kari.vestre@vestland.example", personal_chat=True)
    import_roster(app, tmp_path)
    action = new_action(app, "Vestland: Sende rapport innen 20.01.2027", now=CREATED)
    teams = Refusing({"aad-kari": "forbidden"})
    email = EmailDeliverer(parse(smtp.url(), FROM), tz=OSLO)
    sim = Sim(app, platforms=("teams", "email"), deliverers={"teams": teams, "email": email})
    sim.tick("2027-01-13T09:00")
    assert teams.sent == []
    (subject,) = reminders_to(smtp, "kari.vestre@vestland.example")
    (mail,) = [m for m in smtp.received_by("kari.vestre@vestland.example") if m.message["Subject"] == subject]
    assert f"#{action}" in mail.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    with app.sessions() as session:
        ref = session.scalars(select(ConversationRef)).one()
        assert ref.retired_at is not None
        rows = {(n.platform, n.status) for n in session.scalars(select(Notification).where(
            Notification.action_id == action))}
    assert ("teams", "failed") in rows and ("email", "sent") in rows
    # The next stage goes straight to e-mail: the retired conversation is not tried again.
    sim.tick("2027-01-19T09:00")
    assert teams.sent == [] and len(reminders_to(smtp, "kari.vestre@vestland.example")) == 2
