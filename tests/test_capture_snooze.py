""""Minn meg på igjen": one reminder snoozed for one destination, back on the chosen working day at the
normal hour, once; the deadline stays. "Ny frist" is `utsett` for everyone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from storage.db import transaction
from storage.models import Action, ActionEvent, ReminderSnooze
from tests.support.fake_delivery import Sim, join, new_action, say, subscribe

OSLO = ZoneInfo("Europe/Oslo")


def at(y: int, m: int, d: int, h: int = 12, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=OSLO)


def click(sim: Sim, address: str, stage: str, label: str) -> str:
    reply = next(s.reply for s in sim.log if s.address == address and s.stage == stage)
    return next(b.command for b in reply.buttons if b.label == label)


def test_snooze_until_tomorrow_comes_back_at_nine_once_for_this_destination_only(app) -> None:  # type: ignore[no-untyped-def]
    created = at(2027, 1, 4)
    join(app, "KD", "slack:UKD", now=created)
    subscribe(app, "KD", "CKD", now=created)  # a channel too: it is not snoozed
    join(app, "Agder", "slack:UAGD", now=created)
    action = new_action(app, "KD og Agder: Svare på høringen innen 20.01.2027", now=created)
    sim = Sim(app)
    sim.days(date(2027, 1, 4), date(2027, 1, 13))
    command = click(sim, "UAGD", "before-7", "Minn meg på igjen i morgen")
    assert command == f"minn-igjen {action} slack:UAGD i morgen"
    # The click arrives from the direct message's channel id, not from the user's address.
    reply = say(app, f"/oppfølging {command}", "slack:UAGD", now=at(2027, 1, 13, 10), channel="DAGD")
    assert reply.title == f"Greit – du blir minnet på punkt {action} igjen torsdag 14. januar 2027"
    assert "Fristen står: 20. januar 2027. Bare påminnelsen her er utsatt." in reply.lines

    assert sim.tick(at(2027, 1, 14, 8, 30)) == []  # in office hours, before the send time
    back = sim.tick(at(2027, 1, 14, 9, 0))
    assert [(s.address, s.stage, s.at.hour) for s in back] == [("UAGD", "snoozed", 9)]
    assert back[0].reply.lines[0] == "Du ba om å bli minnet på dette igjen i dag."
    assert back[0].title == "Påminnelse: frist om 6 dager"
    assert sim.tick(at(2027, 1, 14, 9, 30)) == []  # never twice
    assert Sim(app, worker="replica").tick(at(2027, 1, 14, 10, 0)) == []  # nor by another process

    with transaction(app.sessions) as session:
        row = session.get(Action, action)
        assert row is not None and row.deadline == date(2027, 1, 20)  # the deadline stays
        history = session.scalars(select(ActionEvent).where(ActionEvent.action_id == action,
                                                            ActionEvent.kind == "reminder_snooze")).all()
        assert [(e.old_value, e.new_value) for e in history] == [("slack:UAGD", "2027-01-14")]
    shown = say(app, f"/oppfølging vis {action}", now=at(2027, 1, 14, 12))
    assert any("påminnelsen til slack:UAGD utsatt til 14. januar 2027 (fristen står)" in line
               for section in shown.sections for line in section.lines)


def test_snooze_for_a_week_silences_only_that_destination_until_then(app) -> None:  # type: ignore[no-untyped-def]
    created = at(2027, 1, 4)
    join(app, "KD", "slack:UKD", now=created)
    subscribe(app, "Agder", "CAGD", now=created, platform="teams")
    new_action(app, "Agder og KD: Sende uttalelse innen 22.01.2027", now=created)
    sim = Sim(app)
    sim.days(date(2027, 1, 4), date(2027, 1, 8))
    command = click(sim, "CAGD", "before-14", "Minn meg på igjen om en uke")
    say(app, f"/oppfølging {command}", "teams:subscriber", now=at(2027, 1, 8, 11), channel="CAGD")
    sim.days(date(2027, 1, 9), date(2027, 1, 22))
    got = sorted((s.day, s.address, s.stage) for s in sim.log if s.kind == "reminder")
    assert [g for g in got if g[1] == "CAGD"] == [
        (date(2027, 1, 8), "CAGD", "before-14"),
        # 15 January: the snoozed reminder comes back (the week's "before-7" was on the 15th itself:
        # one reminder that day, the regular one).
        (date(2027, 1, 15), "CAGD", "before-7"),
        (date(2027, 1, 21), "CAGD", "workdays-before-1"),
        (date(2027, 1, 22), "CAGD", "due"),
    ]
    assert [g for g in got if g[1] == "UKD"] == [
        (date(2027, 1, 8), "UKD", "before-14"), (date(2027, 1, 15), "UKD", "before-7"),
        (date(2027, 1, 21), "UKD", "workdays-before-1"), (date(2027, 1, 22), "UKD", "due"),
    ]


def test_snooze_silences_the_regular_reminders_in_between(app) -> None:  # type: ignore[no-untyped-def]
    created = at(2027, 1, 4)
    join(app, "Agder", "slack:UAGD", now=created)
    new_action(app, "Agder: Sende uttalelse innen 20.01.2027", now=created)
    sim = Sim(app)
    sim.days(date(2027, 1, 4), date(2027, 1, 13))
    command = click(sim, "UAGD", "before-7", "Minn meg på igjen …")
    say(app, f"/oppfølging {command} 21.01.2027", "slack:UAGD", now=at(2027, 1, 13, 10))  # the date asked for
    sim.days(date(2027, 1, 14), date(2027, 1, 22))
    assert [(s.day, s.stage) for s in sim.log if s.kind == "reminder"] == [
        (date(2027, 1, 6), "before-14"), (date(2027, 1, 13), "before-7"),
        # 19 January (the day before) and 20 January (the deadline) are silenced here.
        (date(2027, 1, 21), "snoozed"),
    ]
    assert sim.log[-1].title == "Forfalt: fristen gikk ut i går"


def test_snooze_across_the_end_of_summer_time_comes_back_at_nine_local(app) -> None:  # type: ignore[no-untyped-def]
    created = at(2027, 10, 1)
    join(app, "Agder", "slack:UAGD", now=created)
    new_action(app, "Agder: Levere rapport innen 12.11.2027", now=created)
    sim = Sim(app)
    sim.days(date(2027, 10, 1), date(2027, 10, 29))
    command = click(sim, "UAGD", "before-14", "Minn meg på igjen …")
    # Friday 29 October (CEST, UTC+2) → Monday 1 November (CET, UTC+1 since Sunday).
    say(app, f"/oppfølging {command} 2027-11-01", "slack:UAGD", now=at(2027, 10, 29, 10))
    utc = ZoneInfo("UTC")
    early = sim.tick(datetime(2027, 11, 1, 7, 0, tzinfo=utc))  # 08:00 local: 09:00 in summer time
    assert [s.kind for s in early] == ["digest"]
    back = sim.tick(datetime(2027, 11, 1, 8, 0, tzinfo=utc))  # 09:00 local
    assert [(s.stage, s.at.hour, s.at.minute) for s in back] == [("snoozed", 9, 0)]


def test_snooze_onto_a_holiday_comes_back_the_next_working_day(app) -> None:  # type: ignore[no-untyped-def]
    created = at(2027, 4, 20)
    join(app, "Agder", "slack:UAGD", now=created)
    new_action(app, "Agder: Sende innspill innen 19.05.2027", now=created)
    sim = Sim(app)
    sim.days(date(2027, 5, 3), date(2027, 5, 5))
    command = click(sim, "UAGD", "before-14", "Minn meg på igjen i morgen")
    # Wednesday 5 May: "i morgen" is Ascension Day (Thursday 6 May), a holiday.
    reply = say(app, f"/oppfølging {command}", "slack:UAGD", now=at(2027, 5, 5, 10))
    assert reply.title.endswith("igjen fredag 7. mai 2027")
    assert reply.lines[0] == "torsdag 6. mai 2027 er ikke en arbeidsdag, så påminnelsen kommer fredag 7. mai 2027."
    sim.days(date(2027, 5, 6), date(2027, 5, 7))
    assert [(s.day, s.stage) for s in sim.log if s.kind == "reminder"] == [
        (date(2027, 5, 5), "before-14"), (date(2027, 5, 7), "snoozed")]


def test_snooze_refused_where_no_reminder_went_and_for_closed_actions(app) -> None:  # type: ignore[no-untyped-def]
    created = at(2027, 1, 4)
    join(app, "Agder", "slack:UAGD", now=created)
    action = new_action(app, "Agder: Sende uttalelse innen 20.01.2027", now=created)
    Sim(app).days(date(2027, 1, 6), date(2027, 1, 6))
    reply = say(app, f"/oppfølging minn-igjen {action} slack:CELSEWHERE i morgen", "slack:UAGD",
                now=at(2027, 1, 6, 10), ok=False)
    assert reply.error and "Jeg har ikke sendt noen påminnelse om punkt" in reply.lines[0]
    reply = say(app, f"/oppfølging minn-igjen {action} slack:UAGD i går", "slack:UAGD", now=at(2027, 1, 6, 10), ok=False)
    assert reply.error
    # Someone else's direct message is not theirs to snooze.
    reply = say(app, f"/oppfølging minn-igjen {action} slack:UAGD i morgen", "slack:UOTHER", now=at(2027, 1, 6, 10),
                ok=False)
    assert reply.error
    say(app, f"/oppfølging ferdig {action}", "slack:UAGD", now=at(2027, 1, 6, 11))
    reply = say(app, f"/oppfølging minn-igjen {action} slack:UAGD i morgen", "slack:UAGD", now=at(2027, 1, 6, 12),
                ok=False)
    assert reply.error
    with transaction(app.sessions) as session:
        assert session.scalars(select(ReminderSnooze)).all() == []
