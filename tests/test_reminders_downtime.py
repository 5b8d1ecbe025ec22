"""After downtime the first tick sends what became due meanwhile: once, and only the latest
reminder per action, one digest (not one per missed week)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from tests.support.fake_delivery import Sim, join, new_action, say, subscribe

OSLO = ZoneInfo("Europe/Oslo")
CREATED = datetime(2027, 1, 4, 12, tzinfo=OSLO)


def test_first_tick_after_three_weeks_down(app) -> None:  # type: ignore[no-untyped-def]
    join(app, "Innlandet", "slack:UINN", now=CREATED)
    subscribe(app, "AU", "CAU", now=CREATED)
    say(app, "/oppfølging oversiktskanal", "slack:UADMIN", now=CREATED, channel="CSEK")
    overdue = new_action(app, "Innlandet: Sende kartlegging innen 06.01.2027", now=CREATED)
    coming = new_action(app, "Innlandet: Levere budsjettinnspill innen 29.01.2027", now=CREATED)
    sim = Sim(app)
    sim.days(date(2027, 1, 4), date(2027, 1, 8))
    # Down from Saturday 9 January until Tuesday 26 January, 10:17.
    sent = sim.tick("2027-01-26T10:17")
    got = sorted((s.kind, s.address, s.action, s.stage, s.title) for s in sent if s.kind != "digest")
    assert got == [
        ("escalation", "CAU", overdue, "escalation", f"Til AU: punkt {overdue} har vært forfalt i 20 dager"),
        ("overview", "CSEK", None, None, "Oversikt for sekretariatet – uke 4"),
        # Missed: overdue-7 (13 Jan) and overdue-14 (20 Jan); only the latest goes, telling today's truth.
        ("reminder", "UINN", overdue, "overdue-14", "Forfalt: fristen gikk ut for 20 dager siden"),
        # Missed: 14 days (15 Jan) and 7 days (22 Jan) before; only the 7-day one goes.
        ("reminder", "UINN", coming, "before-7", "Påminnelse: frist om 3 dager"),
    ]
    digests = [s for s in sent if s.kind == "digest"]
    # One digest for the current week (AU has no open actions of its own, so it gets none).
    assert [(s.address, s.title) for s in digests] == [("UINN", "Ukeoversikt for Innlandet fylkeskommune – uke 4")]
    assert sum(1 for s in sim.log if s.kind == "digest") == 2  # week 1 before the outage, week 4 after
    # Nothing is repeated by the next ticks of the same day, and the next day brings only its own stage.
    assert sim.tick("2027-01-26T10:25") == []
    assert sim.tick("2027-01-26T15:55") == []
    nxt = sim.tick("2027-01-27T09:00")
    assert [(s.action, s.stage) for s in nxt] == [(overdue, "overdue-21")]
    assert [(s.action, s.stage) for s in sim.tick("2027-01-28T09:00")] == [(coming, "workdays-before-1")]


def test_downtime_longer_than_the_catch_up_window_sends_only_the_current_stage(app) -> None:  # type: ignore[no-untyped-def]
    join(app, "Rogaland", "slack:UROG", now=CREATED)
    action = new_action(app, "Rogaland: Rapportere innen 06.01.2027", now=CREATED)
    sim = Sim(app)
    sim.days(date(2027, 1, 4), date(2027, 1, 6))
    # Down for two and a half months; it comes back on a Wednesday, a weekly stage day.
    sent = [s for s in sim.tick("2027-03-24T09:00") if s.kind == "reminder"]
    assert [(s.action, s.stage, s.title) for s in sent] == [
        (action, "overdue-77", "Forfalt: fristen gikk ut for 77 dager siden")]
