"""Where reminders go: subscribed channels, else direct messages; groups fan out, each destination once."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.scheduler import ReminderRunner
from handlers.reminders.engine import EngineConfig
from storage.db import transaction
from storage.models import ConversationRef, Person
from tests.support.fake_delivery import Sim, join, new_action, say, subscribe

OSLO = ZoneInfo("Europe/Oslo")
CREATED = datetime(2027, 1, 4, 12, tzinfo=OSLO)


def add_teams_conversation(app, user: str, conversation: str) -> None:  # type: ignore[no-untyped-def]
    with transaction(app.sessions) as session:
        person = session.scalar(select(Person).where(Person.platform == "teams", Person.external_id == user))
        assert person is not None
        session.add(ConversationRef(platform="teams", conversation_id=conversation, person_id=person.id,
                                    kind="personal", reference={"conversation": {"id": conversation}},
                                    updated_at=datetime(2027, 1, 4)))


def test_group_party_reaches_each_member_destination_once(app) -> None:  # type: ignore[no-untyped-def]
    subscribe(app, "Fylkeskommunene", "CFK", now=CREATED)
    subscribe(app, "Nordland", "CNORD", now=CREATED)
    subscribe(app, "Vestland", "CVEST", now=CREATED)
    subscribe(app, "Troms", "CNORTH", now=CREATED)
    subscribe(app, "Finnmark", "CNORTH", now=CREATED)
    join(app, "Vestland", "slack:UVEST", now=CREATED)  # Vestland has a channel: no direct message
    join(app, "Agder", "slack:UAGD1", now=CREATED)
    join(app, "Agder", "slack:UAGD2", now=CREATED)
    join(app, "Innlandet", "teams:T1", now=CREATED)
    join(app, "Innlandet", "teams:T2", now=CREATED)  # never talked to the bot: Teams cannot reach them
    add_teams_conversation(app, "T1", "a:personal-T1")
    join(app, "Oslo", "kari", now=CREATED)
    join(app, "Siva", "slack:USIVA", now=CREATED)  # not a county: not reached by "FK"
    action = new_action(app, "FK: Melde inn kandidater innen 20.01.2027", now=CREATED)
    sim = Sim(app)
    sim.days(date(2027, 1, 18), date(2027, 1, 20))
    due = [(s.platform, s.address) for s in sim.log if s.stage == "due"]
    assert sorted(due) == sorted([
        ("slack", "CFK"), ("slack", "CNORD"), ("slack", "CVEST"), ("slack", "CNORTH"),
        ("slack", "UAGD1"), ("slack", "UAGD2"), ("teams", "T1"), ("console", "kari"),
    ])
    reply = next(s.reply for s in sim.log if s.address == "CNORTH" and s.stage == "due")
    assert reply.data["action"]["id"] == action  # type: ignore[index]
    assert any("Denne kanalen får påminnelser for" in line for section in reply.sections for line in section.lines)
    dm = next(s.reply for s in sim.log if s.address == "UAGD1" and s.stage == "due")
    assert any("du er medlem av Agder fylkeskommune" in line for section in dm.sections for line in section.lines)


def test_action_with_several_parties_reaches_a_shared_channel_once(app) -> None:  # type: ignore[no-untyped-def]
    subscribe(app, "Nordland", "CSHARED", now=CREATED)
    subscribe(app, "Vestland", "CSHARED", now=CREATED)
    join(app, "KDD", "slack:UKDD", now=CREATED)
    new_action(app, "Nordland, Vestland og KDD: Avklare finansiering innen 20.01.2027", now=CREATED)
    sim = Sim(app)
    sim.days(date(2027, 1, 18), date(2027, 1, 20))
    assert sorted((s.address, s.stage) for s in sim.log if s.kind == "reminder") == [
        ("CSHARED", "due"), ("CSHARED", "workdays-before-1"), ("UKDD", "due"), ("UKDD", "workdays-before-1"),
    ]


def test_escalation_goes_to_the_secretariat_when_au_has_no_destination(app) -> None:  # type: ignore[no-untyped-def]
    say(app, "/oppfølging oversiktskanal", "slack:UADMIN", now=CREATED, channel="CSEK")
    join(app, "KD", "slack:UKD", now=CREATED)
    action = new_action(app, "KD: Svare på brev innen 06.01.2027", now=CREATED)
    sim = Sim(app)
    sim.days(date(2027, 1, 4), date(2027, 1, 21))
    escalations = [s for s in sim.log if s.kind == "escalation"]
    assert [(s.day, s.address) for s in escalations] == [(date(2027, 1, 20), "CSEK")]
    lines = [line for section in escalations[0].reply.sections for line in section.lines]
    assert any("sekretariatets kanal" in line for line in lines)
    assert escalations[0].action == action


def test_no_separate_escalation_when_au_itself_is_responsible(app) -> None:  # type: ignore[no-untyped-def]
    subscribe(app, "AU", "CAU", now=CREATED)
    new_action(app, "AU: Planlegge høstmøtet innen 06.01.2027", now=CREATED)
    sim = Sim(app)
    sim.days(date(2027, 1, 4), date(2027, 1, 21))
    assert [(s.day, s.stage) for s in sim.log if s.kind in ("reminder", "escalation")] == [
        (date(2027, 1, 5), "workdays-before-1"), (date(2027, 1, 6), "due"),
        (date(2027, 1, 13), "overdue-7"), (date(2027, 1, 20), "overdue-14"),
    ]


def test_unreachable_party_is_reported_not_guessed(app) -> None:  # type: ignore[no-untyped-def]
    join(app, "KS", "slack:UKS", now=CREATED)
    action = new_action(app, "KS og NFD: Avklare møteplan innen 20.01.2027", now=CREATED)
    runner = ReminderRunner(app, EngineConfig(), worker="t", deliverers=lambda _p: None, platforms=("slack",))
    report = asyncio.run(runner.sweep(datetime(2027, 1, 20, 9, 30, tzinfo=OSLO), dry_run=True))
    plan = report.plans[0]
    assert [(i.destination.address, i.kind) for i in plan.items] == [("UKS", "due")]
    assert [(u.party, u.action_id) for u in plan.unroutable] == [("nfd", action)]


def test_people_who_joined_a_group_hear_about_the_groups_actions(app) -> None:  # type: ignore[no-untyped-def]
    join(app, "virkemiddelaktørene", "slack:UVMA", now=CREATED)  # the group itself, no channel
    subscribe(app, "Siva", "CSIVA", now=CREATED)
    join(app, "Innovasjon Norge", "slack:UIN", now=CREATED)
    group_action = new_action(app, "Virkemiddelaktørene: Presentere oppfølging innen 20.01.2027", now=CREATED)
    siva_action = new_action(app, "Siva: Egen sak innen 20.01.2027", now=CREATED)
    sim = Sim(app)
    sim.days(date(2027, 1, 20), date(2027, 1, 20))
    got = sorted((s.action, s.address) for s in sim.log if s.kind == "reminder")
    assert got == sorted([(group_action, "UVMA"), (group_action, "CSIVA"), (group_action, "UIN"),
                          (siva_action, "CSIVA")])
    # The group's own member also gets the group's weekly digest; the agencies get their own.
    digests = sorted((s.address, s.reply.data["party"]) for s in sim.log if s.kind == "digest")  # type: ignore[index]
    assert digests == [("CSIVA", "siva"), ("UIN", "innovasjon-norge"), ("UVMA", "virkemiddelaktorene")]
