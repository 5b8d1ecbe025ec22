"""The iCalendar feed: parses with icalendar, round-trips through import, and is served over real HTTP."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bot import calendar_feed
from bot.app import App
from bot.cli import main
from bot.config import Settings
from bot.server import build_web_app
from handlers.core.context import Actor
from handlers.core.replies import Reply
from handlers.meetings import ics_feed, ics_import
from tests.conftest import NOW, Bot
from tests.test_calendar_import import stored
from tests.test_meetings_commands import add_meeting

OSLO = ZoneInfo("Europe/Oslo")


def export(bot: Bot, county: str | None = None) -> bytes:
    out: dict[str, bytes] = {}

    def run(ctx) -> Reply:  # type: ignore[no-untyped-def]
        out["ics"] = ics_feed.export_calendar(ctx, county)
        return Reply()

    reply = bot.app.handle("", Actor("console", "local"), now=NOW, run=run)
    assert not reply.error, reply.lines
    return out["ics"]


def seed(bot: Bot) -> dict[str, int]:
    return {
        "spring": add_meeting(bot, "national-spring", date(2027, 4, 22), time(9, 30), time(15), place="Gardermoen"),
        "vestland": add_meeting(bot, "regional-autumn", date(2026, 11, 30), time(9), time(15), place="Bergen",
                                county="vestland"),
        "agder": add_meeting(bot, "regional-spring", date(2027, 4, 28), time(10), county="agder"),
        "au": add_meeting(bot, "au", date(2026, 12, 3), time(10), time(11, 30), place="Teams"),
        "allday": add_meeting(bot, "national-autumn", date(2027, 10, 21), None, place="Oslo"),
        "winter": add_meeting(bot, "steering-group", date(2027, 1, 20), time(13), time(15)),
    }


def events(data: bytes) -> dict[str, icalendar.Event]:
    parsed = icalendar.Calendar.from_ical(data)
    return {str(e["SUMMARY"]): e for e in parsed.walk("VEVENT")}


def test_feed_parses_with_local_times_and_zone(bot: Bot) -> None:
    seed(bot)
    data = export(bot)
    parsed = icalendar.Calendar.from_ical(data)
    assert str(parsed["VERSION"]) == "2.0"
    assert [str(tz["TZID"]) for tz in parsed.walk("VTIMEZONE")] == ["Europe/Oslo"]
    by_title = events(data)
    spring = by_title["Nasjonalt vårmøte 2027"]
    assert spring.decoded("DTSTART") == datetime(2027, 4, 22, 9, 30, tzinfo=OSLO)
    assert spring.decoded("DTSTART").utcoffset().total_seconds() == 7200
    assert spring.decoded("DTEND") == datetime(2027, 4, 22, 15, 0, tzinfo=OSLO)
    assert str(spring["LOCATION"]) == "Gardermoen"
    assert "KS" in str(spring["DESCRIPTION"])
    assert str(spring["X-OPPFOLGING-KIND"]) == "national-spring"
    winter = by_title["Styringsgruppemøte for Missionssatsingen"]
    assert winter.decoded("DTSTART").utcoffset().total_seconds() == 3600
    allday = by_title["Nasjonalt høstmøte 2027"]
    assert allday.decoded("DTSTART") == date(2027, 10, 21) and allday.decoded("DTEND") == date(2027, 10, 22)
    assert len({str(e["UID"]) for e in by_title.values()}) == len(by_title) == 6


def test_feed_round_trips_into_a_fresh_database(bot: Bot, tmp_path: Path, sqlite_template: Path) -> None:
    import shutil

    ids = seed(bot)
    bot.say(f"/oppfølging møte avlys {ids['winter']}")
    data = export(bot)
    path = tmp_path / "other.sqlite"
    shutil.copy(sqlite_template, path)
    other_app = App(Settings(database_url=f"sqlite:///{path}"), clock=lambda: NOW)
    try:
        other = Bot(other_app, NOW)
        reply = other.app.handle("", Actor("console", "local"), now=NOW,
                                 run=lambda ctx: ics_import.import_calendar(ctx, data).reply())
        assert reply.data["created"] and reply.data["unclassified"] == []

        def shape(rows: dict) -> list[tuple]:  # type: ignore[type-arg]
            return sorted((m.kind, m.region, m.starts_at, m.ends_at, m.all_day, m.place, m.title)
                          for m in rows.values() if m.status == "scheduled")

        assert shape(stored(other)) == shape(stored(bot))
        assert len(stored(other)) == 5  # the cancelled one is announced as cancelled, not created
        # And exporting from there gives the same events again.
        again = events(export(other))
        assert {k: (v.decoded("DTSTART"), str(v.get("LOCATION", ""))) for k, v in again.items()} == {
            k: (v.decoded("DTSTART"), str(v.get("LOCATION", "")))
            for k, v in events(data).items() if str(v["STATUS"]) != "CANCELLED"
        }
    finally:
        other_app.close()


def test_reimporting_our_own_feed_changes_nothing(bot: Bot) -> None:
    seed(bot)
    data = export(bot)
    reply = bot.app.handle("", Actor("console", "local"), now=NOW,
                           run=lambda ctx: ics_import.import_calendar(ctx, data).reply())
    assert reply.data["created"] == [] and reply.data["updated"] == []
    assert len(reply.data["unchanged"]) == 6


def test_county_feed_has_its_own_and_the_national_meetings(bot: Bot) -> None:
    seed(bot)
    titles = set(events(export(bot, "vestland")))
    assert titles == {"Nasjonalt vårmøte 2027", "Dialogmøte Vestland, høst 2026", "Nasjonalt høstmøte 2027",
                      "Styringsgruppemøte for Missionssatsingen"}


def test_http_feed(app: App) -> None:
    bot = Bot(app, NOW)
    seed(bot)

    async def fetch() -> list[tuple[int, str, bytes]]:
        server = TestServer(build_web_app(app, modules=(calendar_feed,)))
        await server.start_server()
        results = []
        try:
            async with ClientSession() as client:
                for query in ("", "?fylke=vestland", "?fylke=Møre og Romsdal", "?fylke=narnia"):
                    async with client.get(server.make_url(f"/calendar.ics{query}")) as response:
                        results.append((response.status, response.headers.get("Content-Type", ""),
                                        await response.read()))
        finally:
            await server.close()
        return results

    full, vestland, more, bad = asyncio.run(fetch())
    assert full[0] == 200 and full[1].startswith("text/calendar")
    assert len(events(full[2])) == 6
    assert "Dialogmøte Vestland, høst 2026" in events(vestland[2])
    assert "Dialogmøte Agder, vår 2027" not in events(vestland[2])
    assert more[0] == 200 and len(events(more[2])) == 3
    assert bad[0] == 400 and "narnia" in bad[2].decode()


def test_feed_module_is_registered() -> None:
    from bot.server import SERVICE_MODULES

    assert calendar_feed in SERVICE_MODULES


def test_cli_export(bot: Bot, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed(bot)
    out = tmp_path / "moter.ics"
    url = bot.app.settings.database_url
    assert main(["--database-url", url, "calendar", "export", "--county", "agder", "--out", str(out),
                 "--now", NOW.isoformat()]) == 0
    assert "Dialogmøte Agder, vår 2027" in events(out.read_bytes())
    assert main(["--database-url", url, "calendar", "export", "--county", "narnia"]) == 1
    assert "narnia" in capsys.readouterr().out
