"""The weekly digest per party and the secretariat overview: content, timing (DST, holidays), size."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.scheduler import ReminderRunner
from handlers.core.clock import as_utc
from handlers.reminders.engine import EngineConfig
from handlers.reminders.policy import ReminderPolicy
from storage.db import transaction
from storage.models import Meeting
from tests.support.fake_delivery import Sim, join, new_action, say, subscribe

OSLO = ZoneInfo("Europe/Oslo")


def oslo(y: int, m: int, d: int, h: int = 12, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=OSLO)


def add_meeting(app, kind: str, starts: datetime, title: str, region: str | None = None) -> None:  # type: ignore[no-untyped-def]
    with transaction(app.sessions) as session:
        session.add(Meeting(kind=kind, title=title, starts_at=as_utc(starts).replace(tzinfo=None), region=region,
                            place="Bodø", status="scheduled", source="console", notes="",
                            created_at=datetime(2027, 1, 1), updated_at=datetime(2027, 1, 1)))


def dry_digest(app, now: datetime, party: str | None = None, *, section_max: int = 10):  # type: ignore[no-untyped-def]
    config = EngineConfig(policy=ReminderPolicy(digest_section_max=section_max))
    runner = ReminderRunner(app, config, worker="t", deliverers=lambda _p: None,
                            platforms=("slack", "teams", "console"))
    return asyncio.run(runner.digest(now, party=party, dry_run=True, scheduled=False)).plans[0]


def test_party_digest_groups_actions_and_names_the_next_meeting(app) -> None:  # type: ignore[no-untyped-def]
    created = oslo(2027, 1, 4)
    subscribe(app, "Nordland", "CNORD", now=created)
    overdue = new_action(app, "Nordland: Sende kartlegging innen 06.01.2027", now=created)
    this_week = new_action(app, "Nordland: Svare KDD innen 14.01.2027", now=created)
    soon = new_action(app, "Nordland: Forberede regionalt møte innen 05.02.2027", now=created)
    later = new_action(app, "Nordland: Revidere samarbeidsavtalen innen 01.06.2027", now=created)
    no_deadline = new_action(app, "Nordland: Holde kontakt med IN Nordland", now=created)
    group = new_action(app, "FK: Melde inn kandidater innen 15.01.2027", now=created)
    done = new_action(app, "Nordland: Noe som er gjort innen 13.01.2027", now=created)
    say(app, f"/oppfølging ferdig {done}", now=created)
    new_action(app, "Vestland: Ikke Nordlands sak innen 13.01.2027", now=created)
    add_meeting(app, "regional-spring", oslo(2027, 4, 20, 10), "Regionalt vårmøte i Nordland", region="nordland")
    add_meeting(app, "regional-spring", oslo(2027, 3, 20, 10), "Regionalt vårmøte i Vestland", region="vestland")
    plan = dry_digest(app, oslo(2027, 1, 11, 8, 0))
    assert [(i.destination.address, i.party, i.part, i.parts) for i in plan.items] == [("CNORD", "nordland", 1, 1)]
    reply = plan.items[0].reply
    assert reply.title == "Ukeoversikt for Nordland fylkeskommune – uke 2"
    assert reply.lines[0] == "Åpne punkter: 6 (1 forfalt, 2 denne uken, 1 de neste 30 dagene, 1 uten frist)."
    assert reply.lines[1] == "Neste møte som gjelder dere: Regionalt vårmøte i Nordland, tirsdag 20. april 2027 kl. 10.00."
    sections = [(s.title, [i.id for i in s.items]) for s in reply.sections if s.items]
    assert sections == [
        ("Forfalt (1)", [overdue]),
        ("Denne uken (2)", [this_week, group]),
        ("Neste 30 dager (1)", [soon]),
        ("Uten frist (1)", [no_deadline]),
    ]
    footer = reply.sections[-1].lines
    assert footer[0] == "Med frist lenger fram enn 30 dager: 1. Se alle med `/oppfølging liste nordland`."
    assert later not in [i.id for s in reply.sections for i in s.items]


def test_digest_is_monday_0800_local_on_both_sides_of_dst(app) -> None:  # type: ignore[no-untyped-def]
    created = oslo(2026, 3, 2)
    join(app, "Telemark", "slack:UTEL", now=created)
    new_action(app, "Telemark: Ha noe åpent hele året", now=created)
    sim = Sim(app)
    for monday_local, utc_hour in ((date(2026, 3, 23), 7), (date(2026, 3, 30), 6),
                                   (date(2026, 10, 19), 6), (date(2026, 10, 26), 7)):
        just_before = datetime(monday_local.year, monday_local.month, monday_local.day, utc_hour - 1, 59, tzinfo=UTC)
        on_time = datetime(monday_local.year, monday_local.month, monday_local.day, utc_hour, 0, tzinfo=UTC)
        assert [s for s in sim.tick(just_before) if s.kind == "digest"] == [], monday_local
        sent = [s for s in sim.tick(on_time) if s.kind == "digest"]
        assert [(s.address, s.at.hour, s.at.minute) for s in sent] == [("UTEL", 8, 0)], monday_local
        assert sim.tick(datetime(monday_local.year, monday_local.month, monday_local.day, 12, tzinfo=UTC)) == []


def test_digest_after_easter_monday_and_whit_monday_comes_on_tuesday(app) -> None:  # type: ignore[no-untyped-def]
    created = oslo(2026, 3, 30)
    join(app, "Agder", "slack:UAGD", now=created)
    new_action(app, "Agder: Ha noe åpent", now=created)
    sim = Sim(app)
    sim.days(date(2026, 3, 30), date(2026, 4, 12), hour=8)
    sim.days(date(2026, 5, 18), date(2026, 6, 1), hour=8)
    assert [s.day for s in sim.log if s.kind == "digest"] == [
        date(2026, 3, 30), date(2026, 4, 7), date(2026, 5, 18), date(2026, 5, 26), date(2026, 6, 1)]


def test_overview_for_the_secretariat(app) -> None:  # type: ignore[no-untyped-def]
    created = oslo(2027, 1, 4)
    say(app, "/oppfølging oversiktskanal", "slack:UADMIN", now=created, channel="CSEK")
    subscribe(app, "AU", "CAU", now=created)
    oldest = new_action(app, "KDD: Svare på brev innen 05.01.2027", now=created)
    planning = new_action(app, "AU: Planlegge innen 07.01.2027", now=created)
    new_action(app, "AU: Noe uten frist", now=created)
    plan = dry_digest(app, oslo(2027, 1, 18, 8))
    overview = [i for i in plan.items if i.category == "overview"]
    assert [(i.destination.address, i.parts) for i in overview] == [("CSEK", 1)]
    reply = overview[0].reply
    assert reply.title == "Oversikt for sekretariatet – uke 3"
    assert reply.lines == ["Åpne punkter: 3, av dem 2 forfalt."]
    per_party = next(s for s in reply.sections if s.title == "Åpne punkter per part")
    assert per_party.lines == ["AU: 2 åpne, 1 forfalt", "KDD: 1 åpent, 1 forfalt"]
    oldest_section = next(s for s in reply.sections if s.title == "Eldste forfalte punkter")
    assert [i.id for i in oldest_section.items] == [oldest, planning]
    assert reply.data["unroutable"] == ["kdd"]  # type: ignore[index]
    assert any("KDD" in line for line in reply.sections[-1].lines)


def make_many(app, party: str, count: int, now: datetime) -> list[int]:  # type: ignore[no-untyped-def]
    """`count` open actions of `party` with deadlines spread from long overdue to none, inserted in one go."""
    from datetime import timedelta

    from storage.models import Action, ActionParty, Party

    ids = []
    with transaction(app.sessions) as session:
        from sqlalchemy import select

        party_id = session.scalar(select(Party.id).where(Party.key == party))
        for n in range(count):
            deadline = None if n % 10 == 9 else now.date() + timedelta(days=(n % 60) - 25)
            text = f"Punkt nummer {n:03d}: følge opp sak om " + ("regional utvikling og samarbeid " * (1 + n % 4))
            action = Action(text=text.strip(), status="open", deadline=deadline, source="import", deadline_text="",
                            created_at=datetime(2026, 1, 1), updated_at=datetime(2026, 1, 1), case_ref=f"{n}/27")
            action.party_links.append(ActionParty(party_id=party_id, position=0))
            session.add(action)
            session.flush()
            ids.append(action.id)
    return ids


def test_300_actions_digest_is_complete_and_fits_slack_and_teams(app) -> None:  # type: ignore[no-untyped-def]
    now = oslo(2027, 1, 11, 8)
    subscribe(app, "Vestland", "CVEST", now=oslo(2027, 1, 4))
    subscribe(app, "Vestland", "19:vestland@thread.tacv2", now=oslo(2027, 1, 4), platform="teams")
    ids = make_many(app, "vestland", 300, now)
    # Unbounded sections (digest_section_max=0): the split into parts is what is tested here.
    plan = dry_digest(app, now, party="vestland", section_max=0)
    for address in ("CVEST", "19:vestland@thread.tacv2"):
        parts = [i for i in plan.items if i.destination.address == address]
        assert [p.part for p in parts] == list(range(1, len(parts) + 1))
        assert all(p.parts == len(parts) for p in parts)
        listed = [i.id for p in parts for s in p.reply.sections for i in s.items]
        data = parts[0].reply.data or {}
        shown_later = 0
        footer = parts[-1].reply.sections[-1].lines
        for line in footer:
            if line.startswith("Med frist lenger fram"):
                shown_later = int(line.split(": ")[1].split(".")[0])
        # Every open action is either listed exactly once or counted as "further ahead".
        assert len(listed) == len(set(listed))
        assert len(listed) + shown_later == 300 == len(set(listed) | set(ids))
        assert data["part"] == 1 and data["parts"] == len(parts)
        for n, part in enumerate(parts, start=1):
            assert part.reply.title.endswith(f"(del {n} av {len(parts)})")
            items = [i for s in part.reply.sections for i in s.items]
            assert 0 < len(items) <= ReminderPolicy().digest_max_items
    # Rendered by the real platform renderers, every part is one Slack message within 50 blocks
    # and one Teams card within the card size, and every listed action's text is there in full.
    from bot.slack.blocks import MAX_MESSAGE_BLOCKS
    from bot.slack.blocks import render as slack_render
    from bot.teams.cards import MAX_CARD_BYTES
    from bot.teams.cards import render as teams_render

    for item in plan.items:
        if item.destination.platform == "slack":
            messages = slack_render(item.reply)
            assert len(messages) == 1 and len(messages[0].blocks) <= MAX_MESSAGE_BLOCKS
            text = json.dumps(messages[0].blocks, ensure_ascii=False)
        else:
            cards = teams_render(item.reply)
            assert len(cards) == 1
            text = json.dumps(cards[0], ensure_ascii=False)
            assert len(text.encode()) <= MAX_CARD_BYTES
        for section in item.reply.sections:
            for listed_item in section.items:
                assert f"#{listed_item.id}" in text or str(listed_item.id) in text
                assert listed_item.text[:60] in text


def test_digest_is_sent_once_per_week(app) -> None:  # type: ignore[no-untyped-def]
    created = oslo(2027, 1, 4, 7)
    join(app, "Buskerud", "slack:UBUS", now=created)
    new_action(app, "Buskerud: Noe åpent", now=created)
    sim = Sim(app)
    for when in ("2027-01-04T08:00", "2027-01-04T09:00", "2027-01-05T08:00", "2027-01-08T15:00"):
        sim.tick(when)
    sim.tick("2027-01-11T08:05")
    assert [(s.day, s.kind) for s in sim.log] == [(date(2027, 1, 4), "digest"), (date(2027, 1, 11), "digest")]
