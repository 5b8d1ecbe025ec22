"""Reminders over simulated weeks: which reminder goes out on which day, to whom, saying what.

The clock is driven tick by tick (no sleeping); every tick runs the real engine against the
real database, and a recording deliverer stands in for Slack/Teams.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from tests.support.fake_delivery import Sim, join, new_action, say, subscribe

OSLO = ZoneInfo("Europe/Oslo")


def at(y: int, m: int, d: int, h: int = 12, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=OSLO)


def reminders(log, *, kinds=("reminder", "escalation")):  # type: ignore[no-untyped-def]
    # Destinations are sent to side by side, so within one day the order is by destination.
    return sorted(((s.day, s.address, s.stage, s.title) for s in log if s.kind in kinds), key=lambda r: r[:2])


def test_deadline_after_easter_2027_every_stage_on_a_working_day(app) -> None:  # type: ignore[no-untyped-def]
    created = at(2027, 3, 1)
    join(app, "KDD", "slack:UKDD", now=created)
    subscribe(app, "AU", "CAU", now=created)
    action = new_action(app, "KDD: Sende innspill til statsbudsjettet innen 30.03.2027", now=created)
    sim = Sim(app)
    sim.days(date(2027, 3, 1), date(2027, 4, 30))
    assert reminders(sim.log) == [
        (date(2027, 3, 16), "UKDD", "before-14", "Påminnelse: frist om 14 dager"),
        (date(2027, 3, 23), "UKDD", "before-7", "Påminnelse: frist om 7 dager"),
        # Maundy Thursday, Good Friday, the weekend and Easter Monday are closed: the working day
        # before Tuesday 30 March is Wednesday 24 March.
        (date(2027, 3, 24), "UKDD", "workdays-before-1", "Påminnelse: frist om 6 dager"),
        (date(2027, 3, 30), "UKDD", "due", "Påminnelse: frist i dag"),
        (date(2027, 4, 6), "UKDD", "overdue-7", "Forfalt: fristen gikk ut for 7 dager siden"),
        (date(2027, 4, 13), "CAU", "escalation", f"Til AU: punkt {action} har vært forfalt i 14 dager"),
        (date(2027, 4, 13), "UKDD", "overdue-14", "Forfalt: fristen gikk ut for 14 dager siden"),
        (date(2027, 4, 20), "UKDD", "overdue-21", "Forfalt: fristen gikk ut for 21 dager siden"),
        (date(2027, 4, 27), "UKDD", "overdue-28", "Forfalt: fristen gikk ut for 28 dager siden"),
    ]
    # Every reminder was sent at 09:00 on a working day, and the deadline never moved.
    assert {(s.at.hour, s.at.minute) for s in sim.log} == {(9, 0)}
    assert all(s.at.weekday() < 5 for s in sim.log)
    first = next(s.reply for s in sim.log if s.kind == "reminder")
    assert "Frist: tirsdag 30. mars 2027" in first.lines
    assert [b.command for b in first.buttons] == [
        f"ferdig {action}", f"minn-igjen {action} slack:UKDD i morgen", f"minn-igjen {action} slack:UKDD om en uke",
        f"minn-igjen {action} slack:UKDD", f"utsett {action}", f"vis {action}"]
    assert [b.label for b in first.buttons] == [
        "Ferdig", "Minn meg på igjen i morgen", "Minn meg på igjen om en uke", "Minn meg på igjen …",
        "Ny frist for alle …", "Vis"]
    assert first.buttons[3].ask == "date" and first.buttons[4].ask == "date"


def test_deadline_on_17_may_2027_is_announced_once_on_the_friday_before(app) -> None:  # type: ignore[no-untyped-def]
    created = at(2027, 4, 1)
    subscribe(app, "Nordland", "CNORD", now=created)
    action = new_action(app, "Nordland: Levere rapport innen 17.05.2027", now=created)
    sim = Sim(app)
    sim.days(date(2027, 4, 26), date(2027, 5, 23))
    # 17 May (Constitution Day and Whit Monday) is closed: "1 working day before" and "on the day"
    # both land on Friday 14 May, and only one message goes out.
    assert reminders(sim.log) == [
        (date(2027, 5, 3), "CNORD", "before-14", "Påminnelse: frist om 14 dager"),
        (date(2027, 5, 10), "CNORD", "before-7", "Påminnelse: frist om 7 dager"),
        (date(2027, 5, 14), "CNORD", "due", "Påminnelse: frist om 3 dager"),
    ]
    # Done: a member clicks Ferdig; no reminder is sent for the action after that.
    join(app, "Nordland", "slack:UNORD", now=at(2027, 5, 20))
    say(app, f"/oppfølging ferdig {action}", "slack:UNORD", now=at(2027, 5, 21, 10))
    sim.days(date(2027, 5, 24), date(2027, 6, 30))
    assert [s for s in sim.log if s.kind in ("reminder", "escalation") and s.day > date(2027, 5, 21)] == []


def test_ascension_and_christmas_move_reminders_to_the_previous_working_day(app) -> None:  # type: ignore[no-untyped-def]
    created = at(2026, 12, 1)
    subscribe(app, "Siva", "CSIVA", now=created)
    after_christmas = new_action(app, "Siva: Svare på høring innen 28.12.2026", now=created)
    new_year = new_action(app, "Siva: Sende årsplan innen 01.01.2027", now=created)
    sim = Sim(app)
    sim.days(date(2026, 12, 1), date(2027, 1, 5))
    got = [(s.day, s.action, s.stage) for s in sim.log if s.kind == "reminder"]
    assert got == [
        (date(2026, 12, 14), after_christmas, "before-14"),
        (date(2026, 12, 18), new_year, "before-14"),
        (date(2026, 12, 21), after_christmas, "before-7"),
        # 25 and 26 December (Friday, Saturday) are holidays; 24 December is a working day in Norway.
        (date(2026, 12, 24), after_christmas, "workdays-before-1"),
        (date(2026, 12, 24), new_year, "before-7"),
        (date(2026, 12, 28), after_christmas, "due"),
        # New Year's Day is a Friday holiday: "1 working day before" and "on the day" are one message.
        (date(2026, 12, 31), new_year, "due"),
        (date(2027, 1, 4), after_christmas, "overdue-7"),
    ]


def test_ascension_day_2026(app) -> None:  # type: ignore[no-untyped-def]
    created = at(2026, 4, 20)
    subscribe(app, "Innovasjon Norge", "CIN", now=created)
    new_action(app, "IN: Presentere oppfølging innen 15.05.2026", now=created)
    sim = Sim(app)
    sim.days(date(2026, 4, 27), date(2026, 5, 16))
    assert [(s.day, s.stage, s.title) for s in sim.log if s.kind == "reminder"] == [
        # 1 May is a Friday holiday: the 14-day reminder comes on Thursday 30 April.
        (date(2026, 4, 30), "before-14", "Påminnelse: frist om 15 dager"),
        (date(2026, 5, 8), "before-7", "Påminnelse: frist om 7 dager"),
        # Ascension Day, Thursday 14 May, is closed: the working day before Friday 15 May is Wednesday.
        (date(2026, 5, 13), "workdays-before-1", "Påminnelse: frist om 2 dager"),
        (date(2026, 5, 15), "due", "Påminnelse: frist i dag"),
    ]


def test_nothing_is_sent_on_weekends_holidays_or_outside_office_hours(app) -> None:  # type: ignore[no-untyped-def]
    created = at(2027, 3, 1)
    subscribe(app, "KS", "CKS", now=created)
    new_action(app, "KS: Kalle inn til høstmøtet innen 29.03.2027", now=created)  # Easter Monday
    sim = Sim(app)
    # The first tick of a new database sends the week's digest; reminders count from that day on
    # (the 7-day reminder was due yesterday, before the engine ever ran, and is not sent late).
    assert [(s.kind, s.stage) for s in sim.tick("2027-03-23T10:00")] == [("digest", None)]
    assert sim.tick("2027-03-24T08:59") == []
    # The Wednesday before Easter at 09:00 brings the reminder for Monday's deadline …
    sent = sim.tick("2027-03-24T09:00")
    assert [(s.stage, s.title) for s in sent] == [("due", "Påminnelse: frist om 5 dager")]
    # … and nothing comes after office hours, on Maundy Thursday, Good Friday, the weekend or Easter Monday.
    for when in ("2027-03-24T16:00", "2027-03-25T09:00", "2027-03-26T09:00", "2027-03-27T09:00",
                 "2027-03-28T09:00", "2027-03-29T09:00", "2027-03-29T12:00"):
        assert sim.tick(when) == [], when
    sent = sim.tick("2027-03-30T09:00")
    assert [(s.kind, s.stage) for s in sent] == [("digest", None)]  # Tuesday: the week's digest, no reminder


def test_dst_changes_keep_reminders_at_nine_local_time(app) -> None:  # type: ignore[no-untyped-def]
    created = at(2026, 3, 1)
    subscribe(app, "Forskningsrådet", "CNFR", now=created)
    spring = new_action(app, "Forskningsrådet: Sende utlysning innen 31.03.2026", now=created)
    autumn = new_action(app, "Forskningsrådet: Sende rapport innen 26.10.2026", now=created)
    sim = Sim(app)
    utc = ZoneInfo("UTC")
    sim.tick(datetime(2026, 3, 27, 9, 0, tzinfo=utc))  # Friday, winter time: 10:00 in Oslo
    # Monday 30 March 2026, the day after the change to summer time: 09:00 is 07:00 UTC.
    assert [s for s in sim.tick(datetime(2026, 3, 30, 6, 59, tzinfo=utc)) if s.kind == "reminder"] == []
    sent = sim.tick(datetime(2026, 3, 30, 7, 0, tzinfo=utc))
    assert [(s.action, s.stage) for s in sent if s.kind == "reminder"] == [(spring, "workdays-before-1")]
    # Friday 23 October is still summer time (07:00 UTC); Monday 26 October is winter time (08:00 UTC).
    sim.tick(datetime(2026, 10, 20, 7, 0, tzinfo=utc))
    sent = sim.tick(datetime(2026, 10, 23, 7, 0, tzinfo=utc))
    assert [(s.action, s.stage) for s in sent if s.kind == "reminder"] == [(autumn, "workdays-before-1")]
    assert [s for s in sim.tick(datetime(2026, 10, 26, 7, 59, tzinfo=utc)) if s.kind == "reminder"] == []
    sent = sim.tick(datetime(2026, 10, 26, 8, 0, tzinfo=utc))
    assert [(s.action, s.stage, s.at.hour) for s in sent if s.kind == "reminder"] == [(autumn, "due", 9)]


def test_snooze_silences_the_party_but_not_the_deadline_or_the_escalation(app) -> None:  # type: ignore[no-untyped-def]
    created = at(2027, 1, 4)
    join(app, "Vestland", "slack:UVEST", now=created)
    subscribe(app, "AU", "CAU", now=created)
    action = new_action(app, "Vestland: Oppnevne representant innen 03.02.2027", now=created)
    sim = Sim(app)
    sim.days(date(2027, 1, 4), date(2027, 2, 10))
    reply = say(app, f"/oppfølging utsett-påminnelse {action} 2 uker", "slack:UVEST", now=at(2027, 2, 10, 11))
    assert "24. februar 2027" in reply.title and "3. februar 2027" in reply.title
    sim.days(date(2027, 2, 11), date(2027, 3, 5))
    assert reminders(sim.log) == [
        (date(2027, 1, 20), "UVEST", "before-14", "Påminnelse: frist om 14 dager"),
        (date(2027, 1, 27), "UVEST", "before-7", "Påminnelse: frist om 7 dager"),
        (date(2027, 2, 2), "UVEST", "workdays-before-1", "Påminnelse: frist i morgen"),
        (date(2027, 2, 3), "UVEST", "due", "Påminnelse: frist i dag"),
        (date(2027, 2, 10), "UVEST", "overdue-7", "Forfalt: fristen gikk ut for 7 dager siden"),
        # 17 February: the party's weekly reminder is snoozed; AU is still told.
        (date(2027, 2, 17), "CAU", "escalation", f"Til AU: punkt {action} har vært forfalt i 14 dager"),
        (date(2027, 2, 24), "UVEST", "overdue-21", "Forfalt: fristen gikk ut for 21 dager siden"),
        (date(2027, 3, 3), "UVEST", "overdue-28", "Forfalt: fristen gikk ut for 28 dager siden"),
    ]
    shown = say(app, f"/oppfølging vis {action}", now=at(2027, 2, 12))
    assert shown.data["action"]["deadline"] == "2027-02-03"  # type: ignore[index]


def test_postpone_button_moves_the_reminders_to_the_new_deadline(app) -> None:  # type: ignore[no-untyped-def]
    created = at(2027, 1, 4)
    join(app, "Agder", "slack:UAGD", now=created)
    action = new_action(app, "Agder: Sende uttalelse innen 20.01.2027", now=created)
    sim = Sim(app)
    sim.days(date(2027, 1, 4), date(2027, 1, 13))
    button = next(b for b in next(s.reply for s in sim.log if s.stage == "before-7").buttons
                  if b.command == f"utsett {action}")
    assert (button.label, button.ask) == ("Ny frist for alle …", "date")
    say(app, f"/oppfølging {button.command} 27.01.2027", "slack:UAGD", now=at(2027, 1, 13, 10))  # the click
    sim.days(date(2027, 1, 14), date(2027, 2, 4))
    assert [(s.day, s.stage, s.reply.data["deadline"]) for s in sim.log if s.kind == "reminder"] == [  # type: ignore[index]
        (date(2027, 1, 6), "before-14", "2027-01-20"),
        (date(2027, 1, 13), "before-7", "2027-01-20"),
        # The old deadline's remaining stages are gone; the new one's count from the click on.
        (date(2027, 1, 20), "before-7", "2027-01-27"),
        (date(2027, 1, 26), "workdays-before-1", "2027-01-27"),
        (date(2027, 1, 27), "due", "2027-01-27"),
        (date(2027, 2, 3), "overdue-7", "2027-01-27"),
    ]
