"""Convener reminders from the meeting calendar: KS before national meetings, the county before
regional ones, six weeks ahead on a working day, once per meeting date."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers.core.clock import as_utc
from storage.db import transaction
from storage.models import Meeting
from tests.support.fake_delivery import Sim, join, subscribe

OSLO = ZoneInfo("Europe/Oslo")
CREATED = datetime(2027, 1, 4, 12, tzinfo=OSLO)


def add_meeting(app, kind: str, starts: datetime, *, region: str | None = None, title: str = "") -> int:  # type: ignore[no-untyped-def]
    with transaction(app.sessions) as session:
        meeting = Meeting(kind=kind, title=title or kind, starts_at=as_utc(starts).replace(tzinfo=None), region=region,
                          place="Oslo", status="scheduled", source="console", notes="",
                          created_at=datetime(2027, 1, 4), updated_at=datetime(2027, 1, 4))
        session.add(meeting)
        session.flush()
        return meeting.id


def change_meeting(app, meeting_id: int, *, starts: datetime | None = None, status: str | None = None) -> None:  # type: ignore[no-untyped-def]
    with transaction(app.sessions) as session:
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        if starts is not None:
            meeting.starts_at = as_utc(starts).replace(tzinfo=None)
        if status is not None:
            meeting.status = status


def conveners(sim: Sim):  # type: ignore[no-untyped-def]
    return [(s.day, s.address, s.reply.data["meeting"]) for s in sim.log if s.kind == "convener"]  # type: ignore[index]


def test_ks_and_the_county_are_reminded_six_weeks_ahead(app) -> None:  # type: ignore[no-untyped-def]
    join(app, "KS", "slack:UKS", now=CREATED)
    subscribe(app, "Vestland", "CVEST", now=CREATED)
    spring = add_meeting(app, "national-spring", datetime(2027, 4, 21, 10, tzinfo=OSLO), title="Vårmøtet 2027")
    regional = add_meeting(app, "regional-spring", datetime(2027, 4, 22, 10, tzinfo=OSLO), region="vestland",
                           title="Regionalt vårmøte i Vestland")
    easter = add_meeting(app, "regional-spring", datetime(2027, 5, 10, 10, tzinfo=OSLO), region="vestland",
                         title="Ekstra dialogmøte i Vestland")
    add_meeting(app, "au", datetime(2027, 4, 20, 10, tzinfo=OSLO), title="AU-møte")  # nobody convenes AU by rule
    sim = Sim(app)
    sim.days(date(2027, 3, 1), date(2027, 5, 12))
    assert conveners(sim) == [
        (date(2027, 3, 10), "UKS", spring),
        (date(2027, 3, 11), "CVEST", regional),
        # 42 days before 10 May is Easter Monday: the reminder comes on the Wednesday before Easter.
        (date(2027, 3, 24), "CVEST", easter),
    ]
    first = next(s.reply for s in sim.log if s.kind == "convener")
    assert first.title == "Påminnelse til KS: send innkalling til Vårmøtet 2027"
    assert "Det er 6 uker til møtet." in first.lines
    assert any("punkt 4.1" in line for line in first.lines)
    regional_reply = [s.reply for s in sim.log if s.kind == "convener"][1]
    assert regional_reply.title == "Påminnelse til Vestland fylkeskommune: send innkalling til Regionalt vårmøte i Vestland"
    assert any("punkt 4.2" in line for line in regional_reply.lines)


def test_a_moved_meeting_gets_one_new_reminder_and_the_old_one_is_not_repeated(app) -> None:  # type: ignore[no-untyped-def]
    join(app, "KS", "slack:UKS", now=CREATED)
    autumn = add_meeting(app, "national-autumn", datetime(2027, 11, 3, 10, tzinfo=OSLO), title="Høstmøtet 2027")
    sim = Sim(app)
    sim.days(date(2027, 9, 20), date(2027, 9, 30))
    assert conveners(sim) == [(date(2027, 9, 22), "UKS", autumn)]
    # Moved a week later on 1 October (its new six-week point, 29 September, has passed):
    # the next sweep reminds KS once more, saying the date changed.
    change_meeting(app, autumn, starts=datetime(2027, 11, 10, 10, tzinfo=OSLO))
    sim.days(date(2027, 10, 1), date(2027, 10, 8))
    assert conveners(sim)[1:] == [(date(2027, 10, 1), "UKS", autumn)]
    moved = [s.reply for s in sim.log if s.kind == "convener"][1]
    assert "Møtet har fått ny dato siden forrige påminnelse." in moved.lines
    # Moved back to the original date: that date's reminder was sent already and is not repeated.
    change_meeting(app, autumn, starts=datetime(2027, 11, 3, 10, tzinfo=OSLO))
    sim.days(date(2027, 10, 11), date(2027, 10, 15))
    assert len(conveners(sim)) == 2


def test_cancelled_and_unroutable_meetings_send_nothing(app) -> None:  # type: ignore[no-untyped-def]
    subscribe(app, "Nordland", "CNORD", now=CREATED)
    cancelled = add_meeting(app, "regional-autumn", datetime(2027, 11, 10, 10, tzinfo=OSLO), region="nordland")
    change_meeting(app, cancelled, status="cancelled")
    add_meeting(app, "regional-autumn", datetime(2027, 11, 11, 10, tzinfo=OSLO), region="trondelag")
    sim = Sim(app)
    sim.days(date(2027, 9, 27), date(2027, 10, 8))
    assert conveners(sim) == []
    plans = [plan for report in sim.reports for plan in report.plans]
    assert {(u.category, u.party) for plan in plans for u in plan.unroutable} == {("convener", "trondelag")}
