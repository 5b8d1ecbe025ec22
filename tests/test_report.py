"""The follow-up report ("Oppfølging fra forrige møte") as chat reply, Markdown and Word document."""

from __future__ import annotations

import io
from datetime import date, time
from pathlib import Path

import pytest
from docx import Document

from bot.cli import main
from handlers.actions import lifecycle
from handlers.core.context import Actor
from handlers.core.replies import Reply
from tests.conftest import NOW, Bot
from tests.test_meetings_commands import add_meeting


def create(bot: Bot, text: str, parties: tuple[str, ...], meeting_id: int | None, case: str = "") -> int:
    def run(ctx) -> Reply:  # type: ignore[no-untyped-def]
        action, _ = lifecycle.create(ctx, lifecycle.NewAction(text=text, party_keys=parties, meeting_id=meeting_id,
                                                          case_ref=case))
        return Reply(data={"id": action.id})

    return bot.app.handle("", Actor("console", "local"), now=NOW, run=run).data["id"]


@pytest.fixture
def series(bot: Bot) -> dict[str, int]:
    ids = {
        "ns26": add_meeting(bot, "national-spring", date(2026, 4, 23), time(10), place="Trondheim"),
        "na26": add_meeting(bot, "national-autumn", date(2026, 10, 22), time(10), place="Oslo"),
        "ns27": add_meeting(bot, "national-spring", date(2027, 4, 22), time(10), place="Gardermoen"),
        "agder_a26": add_meeting(bot, "regional-autumn", date(2026, 11, 10), time(9), county="agder"),
        "agder_s27": add_meeting(bot, "regional-spring", date(2027, 4, 28), time(10), county="agder"),
    }
    ids["done"] = create(bot, "Legge ut nyheten om avtalen", ("partene",), ids["na26"], "1")
    ids["open"] = create(bot, "Avklare VMA 2.0 med fylkeskommunene", ("fylkeskommunene", "virkemiddelaktorene"),
                         ids["na26"], "4")
    ids["started"] = create(bot, "Forslag til organisering av Missionssatsingen", ("au",), ids["na26"], "6")
    ids["cancelled"] = create(bot, "Statssekretærmøte", ("kdd",), ids["na26"], "8")
    ids["old_open"] = create(bot, "Sekretariatsressurs for Missionssatsingen", ("au",), ids["ns26"], "3")
    ids["old_done"] = create(bot, "Tema for fagdagene", ("ks",), ids["ns26"], "2")
    ids["regional"] = create(bot, "Oppdatere samarbeidsavtalen", ("agder",), ids["agder_a26"], "2")
    ids["loose"] = create(bot, "Uten møte", ("au",), None)
    for key in ("done", "old_done"):
        assert not bot.say(f"/oppfølging ferdig {ids[key]}").error
    assert not bot.say(f"/oppfølging påbegynt {ids['started']}").error
    assert not bot.say(f"/oppfølging kommenter {ids['started']} Utkast sendt til AU").error
    assert not bot.say(f"/oppfølging avbryt {ids['cancelled']} Ikke aktuelt lenger").error
    return ids


def test_report_lists_exactly_the_previous_meetings_actions_with_current_status(bot: Bot, series: dict[str, int]) -> None:
    reply = bot.say(f"/oppfølging rapport {series['ns27']}")
    assert not reply.error, reply.lines
    rows = reply.data["rows"]
    assert [r["id"] for r in rows] == [series[k] for k in ("done", "open", "started", "cancelled", "old_open")]
    assert {r["id"]: r["status"] for r in rows} == {
        series["done"]: "done", series["open"]: "open", series["started"]: "in_progress",
        series["cancelled"]: "cancelled", series["old_open"]: "open",
    }
    assert reply.data["previous_meeting_ids"] == [series["na26"], series["ns26"]]
    started = next(r for r in rows if r["id"] == series["started"])
    assert any("påbegynt" in line for line in started["history"])
    assert any("Utkast sendt til AU" in line for line in started["comments"])
    assert next(r for r in rows if r["id"] == series["open"])["parties"] == ["fylkeskommunene", "virkemiddelaktorene"]
    text = bot.text(reply)
    assert "Fortsatt åpne punkter fra tidligere møter" in text
    assert "5 punkter: 1 ferdig, 3 åpne eller påbegynte, 1 avbrutt." in text

    # Status is read when the report is made.
    bot.say(f"/oppfølging ferdig {series['open']}")
    again = bot.say(f"/oppfølging rapport {series['ns27']}")
    assert {r["id"]: r["status"] for r in again.data["rows"]}[series["open"]] == "done"


def test_report_for_a_county_series(bot: Bot, series: dict[str, int]) -> None:
    reply = bot.say("/oppfølging rapport dialogmøtet i Agder")
    assert reply.data["meeting_id"] == series["agder_s27"]
    assert [r["id"] for r in reply.data["rows"]] == [series["regional"]]


def test_report_without_argument_is_for_the_next_meeting(bot: Bot, series: dict[str, int]) -> None:
    reply = bot.say("/oppfølging rapport")
    assert reply.data["meeting_id"] == series["ns27"]


def test_report_for_the_first_meeting_of_a_series(bot: Bot, series: dict[str, int]) -> None:
    reply = bot.say(f"/oppfølging rapport {series['ns26']}")
    assert reply.data["rows"] == [] and reply.data["previous_meeting_ids"] == []
    assert "Det finnes ikke noe tidligere møte" in bot.text(reply)


@pytest.mark.parametrize("args", ["999", "Narnia", "styringsgruppen"])
def test_report_for_something_unknown_is_a_clear_answer(bot: Bot, series: dict[str, int], args: str) -> None:
    reply = bot.say(f"/oppfølging rapport {args}")
    assert reply.error
    assert bot.text(reply).strip()


def test_word_document_has_the_same_rows(bot: Bot, series: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "rapport.docx"
    url = bot.app.settings.database_url
    assert main(["--database-url", url, "report", "--meeting", str(series["ns27"]), "--format", "docx",
                 "--out", str(out), "--now", NOW.isoformat()]) == 0
    document = Document(io.BytesIO(out.read_bytes()))
    assert document.paragraphs[0].text == "Oppfølging fra forrige møte – Nasjonalt vårmøte 2027"
    found: list[tuple[str, str, str]] = []
    for table in document.tables:
        header = [c.text for c in table.rows[0].cells]
        assert header[:3] == ["Nr.", "Sak", "Oppfølgingspunkt"] and header[5] == "Status"
        found += [(r.cells[0].text, r.cells[2].text, r.cells[5].text) for r in table.rows[1:]]
    chat = bot.say(f"/oppfølging rapport {series['ns27']}").data["rows"]
    labels = {"done": "ferdig", "open": "åpen", "in_progress": "påbegynt", "cancelled": "avbrutt"}
    assert found == [(str(r["id"]), r["text"], labels[r["status"]]) for r in chat]
    assert len(document.tables) == 2
    notes = document.tables[0].rows[3].cells[6].text
    assert "Utkast sendt til AU" in notes


def test_markdown_report_on_stdout(bot: Bot, series: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    url = bot.app.settings.database_url
    assert main(["--database-url", url, "report", "--meeting", "vårmøtet", "--now", NOW.isoformat()]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Oppfølging fra forrige møte – Nasjonalt vårmøte 2027")
    assert out.count(f"| {series['open']} |") == 1 and f"| {series['regional']} |" not in out
