"""Importing .ics files as Outlook/Exchange and other tools write them; the files are written here."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from handlers.core.clock import local_datetime
from handlers.core.context import Actor
from handlers.core.replies import Reply
from handlers.meetings import ics_import
from storage.models import Meeting
from tests.conftest import NOW, Bot

WINDOWS_ZONE = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16011028T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE"""


def calendar(*events: str, method: str = "PUBLISH", zone: str = WINDOWS_ZONE) -> bytes:
    body = "\n".join(["BEGIN:VCALENDAR", "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
                      "VERSION:2.0", f"METHOD:{method}", zone, *events, "END:VCALENDAR", ""])
    return body.replace("\n", "\r\n").encode("utf-8")


def event(uid: str, summary: str, start: str, end: str | None = None, *, extra: str = "",
          tz: str = "W. Europe Standard Time", location: str = "") -> str:
    def stamp(name: str, value: str) -> str:
        if len(value) == 8:
            return f"{name};VALUE=DATE:{value}"
        return f"{name};TZID={tz}:{value}" if tz else f"{name}:{value}"

    lines = ["BEGIN:VEVENT", f"UID:{uid}", f"SUMMARY:{summary}", stamp("DTSTART", start), "DTSTAMP:20261101T120000Z"]
    if end:
        lines.append(stamp("DTEND", end))
    if location:
        lines.append(f"LOCATION:{location}")
    if extra:
        lines.append(extra)
    lines.append("END:VEVENT")
    return "\n".join(lines)


def run_import(bot: Bot, data: bytes, **options: bool) -> Reply:
    return bot.app.handle("", Actor("console", "local"), now=NOW,
                          run=lambda ctx: ics_import.import_calendar(ctx, data, **options).reply())


def stored(bot: Bot) -> dict[str, Meeting]:
    with bot.app.sessions() as session:
        rows = session.scalars(select(Meeting)).all()
        for row in rows:
            session.expunge(row)
        return {row.uid or f"#{row.id}": row for row in rows}


def local(moment: datetime) -> str:
    return local_datetime(moment).isoformat()


OUTLOOK = calendar(
    # Thursday before the switch to summer time (28 March 2027) and the Thursday after it.
    event("AAA1", "Dialogmøte Agder fylkeskommune – virkemiddelaktørene, vår", "20270325T100000",
          "20270325T150000", location="Fylkeshuset, Kristiansand"),
    event("AAA2", "Nasjonal samhandlingsmodell – vårmøte", "20270401T093000", "20270401T150000",
          location="Gardermoen"),
    event("AAA3", "Dialogmøte med virkemiddelaktørene", "20271110T090000", "20271110T150000",
          location="Fylkeshuset i Molde, Møre og Romsdal fylkeskommune"),
    event("AAA4", "Høstmøte Nasjonal samhandlingsmodell", "20271021", "20271022"),
    event("AAA5", "Lunsj med KS", "20270105T113000"),
    event("AAA6", "Dialogmøte høst", "20271103T100000"),
)


def test_outlook_file_imports_with_local_times_on_both_sides_of_dst(bot: Bot) -> None:
    reply = run_import(bot, OUTLOOK)
    assert not reply.error, reply.lines
    assert len(reply.data["created"]) == 4
    rows = stored(bot)
    agder, spring = rows["AAA1"], rows["AAA2"]
    assert (agder.kind, agder.region) == ("regional-spring", "agder")
    assert local(agder.starts_at) == "2027-03-25T10:00:00+01:00"
    assert agder.starts_at == datetime(2027, 3, 25, 9, 0)  # stored in UTC
    assert local(agder.ends_at) == "2027-03-25T15:00:00+01:00"
    assert (spring.kind, spring.place) == ("national-spring", "Gardermoen")
    assert local(spring.starts_at) == "2027-04-01T09:30:00+02:00"
    assert spring.starts_at == datetime(2027, 4, 1, 7, 30)
    # County from the place when the title has none; season from the month.
    assert (rows["AAA3"].kind, rows["AAA3"].region) == ("regional-autumn", "more-og-romsdal")
    # All-day events run from local midnight to local midnight.
    autumn = rows["AAA4"]
    assert autumn.all_day and autumn.kind == "national-autumn"
    assert local(autumn.starts_at) == "2027-10-21T00:00:00+02:00"
    assert local(autumn.ends_at) == "2027-10-22T00:00:00+02:00"
    # What could not be placed is reported, not imported.
    assert reply.data["unclassified"] == ["Lunsj med KS", "Dialogmøte høst"]
    text = "\n".join(reply.lines)
    assert "Lunsj med KS" in text and "Fant ikke fylket" in text


def test_reimport_updates_instead_of_duplicating_and_moves_bound_deadlines(bot: Bot) -> None:
    run_import(bot, OUTLOOK)
    waiting = bot.say("/oppfølging ny AU: Lage forslag til vårmøtet").data["action"]["id"]
    assert bot.say(f"/oppfølging vis {waiting}").data["action"]["deadline"] == "2027-04-01"
    moved = calendar(
        event("AAA1", "Dialogmøte Agder fylkeskommune – virkemiddelaktørene, vår", "20270325T100000",
              "20270325T150000", location="Fylkeshuset, Kristiansand"),
        event("AAA2", "Nasjonal samhandlingsmodell – vårmøte", "20270408T100000", "20270408T153000",
              location="Gardermoen", extra="SEQUENCE:1"),
    )
    reply = run_import(bot, moved)
    assert reply.data["created"] == [] and len(reply.data["updated"]) == 1 and len(reply.data["unchanged"]) == 1
    assert reply.data["deadlines"]["moved"] == [waiting]
    assert local(stored(bot)["AAA2"].starts_at) == "2027-04-08T10:00:00+02:00"
    assert len(stored(bot)) == 4
    assert bot.say(f"/oppfølging vis {waiting}").data["action"]["deadline"] == "2027-04-08"
    # Importing the same file again changes nothing.
    again = run_import(bot, moved)
    assert again.data["updated"] == [] and again.data["deadlines"]["moved"] == []


def test_same_uid_twice_in_one_file_takes_the_highest_sequence(bot: Bot) -> None:
    data = calendar(
        event("DUP", "Vårmøte", "20270422T100000", extra="SEQUENCE:2"),
        event("DUP", "Vårmøte", "20270415T100000", extra="SEQUENCE:1"),
    )
    run_import(bot, data)
    rows = stored(bot)
    assert list(rows) == ["DUP"]
    assert local(rows["DUP"].starts_at) == "2027-04-22T10:00:00+02:00"


def test_recurring_series_with_exception_and_moved_instance(bot: Bot) -> None:
    data = calendar(
        event("SERIES", "AU-møte", "20270304T090000", "20270304T100000", location="Teams",
              extra="RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;UNTIL=20270415T080000Z\n"
                    "EXDATE;TZID=W. Europe Standard Time:20270318T090000"),
        event("SERIES", "AU-møte (flyttet)", "20270402T130000", "20270402T140000",
              extra="RECURRENCE-ID;TZID=W. Europe Standard Time:20270401T090000"),
    )
    reply = run_import(bot, data)
    assert len(reply.data["created"]) == 3
    rows = stored(bot)
    assert sorted(rows) == ["SERIES/20270304T080000Z", "SERIES/20270401T070000Z", "SERIES/20270415T070000Z"]
    assert local(rows["SERIES/20270304T080000Z"].starts_at) == "2027-03-04T09:00:00+01:00"
    assert local(rows["SERIES/20270415T070000Z"].starts_at) == "2027-04-15T09:00:00+02:00"  # same wall time after DST
    assert local(rows["SERIES/20270415T070000Z"].ends_at) == "2027-04-15T10:00:00+02:00"
    moved = rows["SERIES/20270401T070000Z"]
    assert local(moved.starts_at) == "2027-04-02T13:00:00+02:00" and moved.title == "AU-møte (flyttet)"
    assert {r.kind for r in rows.values()} == {"au"}

    # The series is shortened: the instance that vanished is cancelled, nothing is duplicated.
    shorter = calendar(event("SERIES", "AU-møte", "20270304T090000", "20270304T100000", location="Teams",
                             extra="RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;COUNT=2\n"
                                   "EXDATE;TZID=W. Europe Standard Time:20270318T090000"))
    reply = run_import(bot, shorter)
    rows = stored(bot)
    assert len(rows) == 3
    assert rows["SERIES/20270415T070000Z"].status == "cancelled"
    assert rows["SERIES/20270401T070000Z"].status == "cancelled"
    assert rows["SERIES/20270304T080000Z"].status == "scheduled"


def test_windows_zone_name_without_vtimezone_and_utc_and_floating_times(bot: Bot) -> None:
    data = calendar(
        event("W1", "Vårmøte", "20270422T100000", tz="Romance Standard Time"),
        event("U1", "Høstmøte", "20271021T080000Z", tz=""),
        event("F1", "Styringsgruppemøte", "20270120T130000", tz=""),
        zone="",
    )
    run_import(bot, data)
    rows = stored(bot)
    assert local(rows["W1"].starts_at) == "2027-04-22T10:00:00+02:00"  # Paris time = Oslo time
    assert local(rows["U1"].starts_at) == "2027-10-21T10:00:00+02:00"
    assert local(rows["F1"].starts_at) == "2027-01-20T13:00:00+01:00"  # floating: the bot's zone
    assert rows["F1"].kind == "steering-group"


def test_cancelled_event_and_cancel_method_cancel_the_meeting(bot: Bot) -> None:
    run_import(bot, OUTLOOK)
    reply = run_import(bot, calendar(event("AAA1", "Dialogmøte Agder, vår", "20270325T100000",
                                           extra="STATUS:CANCELLED")))
    assert len(reply.data["cancelled"]) == 1
    assert stored(bot)["AAA1"].status == "cancelled"
    run_import(bot, calendar(event("AAA2", "Vårmøte", "20270401T093000"), method="CANCEL"))
    assert stored(bot)["AAA2"].status == "cancelled"


def test_dry_run_reports_but_saves_nothing(bot: Bot) -> None:
    reply = run_import(bot, OUTLOOK, dry_run=True)
    assert len(reply.data["created"]) == 4
    assert stored(bot) == {}


def test_unclassified_can_be_imported_as_other(bot: Bot) -> None:
    reply = run_import(bot, calendar(event("L1", "Lunsj med KS", "20270105T113000")), include_unclassified=True)
    assert len(reply.data["created"]) == 1
    assert stored(bot)["L1"].kind == "other"


@pytest.mark.parametrize("data", [b"not a calendar", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", b""])
def test_broken_file_is_refused_in_norwegian(bot: Bot, data: bytes) -> None:
    reply = run_import(bot, data)
    assert reply.error
    assert "kan ikke leses" in reply.lines[0]
    assert stored(bot) == {}


def test_import_needs_an_admin(bot: Bot) -> None:
    reply = bot.app.handle("", Actor("slack", "U999"), now=NOW,
                           run=lambda ctx: ics_import.import_calendar(ctx, OUTLOOK).reply())
    assert reply.error and "administratorer" in reply.lines[0]
    assert stored(bot) == {}


def test_cli_calendar_import(bot: Bot, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "outlook.ics"
    path.write_bytes(OUTLOOK)
    url = bot.app.settings.database_url
    assert main(["--database-url", url, "calendar", "import", str(path), "--json", "--now", NOW.isoformat()]) == 0
    out = capsys.readouterr().out
    assert '"created"' in out and "Lunsj med KS" in out
    assert main(["--database-url", url, "calendar", "import", str(tmp_path / "missing.ics")]) == 2
    assert len(stored(bot)) == 4
    assert date(2027, 3, 25) == local_datetime(stored(bot)["AAA1"].starts_at).date()
