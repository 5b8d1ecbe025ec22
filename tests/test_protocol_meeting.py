"""Reading the meeting line and the "Neste møte" line (handlers/protocol/meeting.py)."""

from __future__ import annotations

from datetime import date, time

import pytest

from handlers.importing.meeting_facts import MeetingInfo, MeetingReader
from handlers.parties.resolver import default_resolver


@pytest.fixture(scope="module")
def reader() -> MeetingReader:
    return MeetingReader(default_resolver())


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # the year after the times, place before the date
        (
            "Nasjonal samhandlingsmodell Hamar 7. juni kl. 09:15- kl. 13:45 2023",
            MeetingInfo("Nasjonal samhandlingsmodell", "national-spring", date(2023, 6, 7), time(9, 15), time(13, 45), "Hamar"),
        ),
        # numeric date, title with the autumn meeting, place after a comma (a county name as town)
        (
            "Protokoll fra høstmøtet i Nasjonal samhandlingsmodell, Oslo 12.10.2023 kl. 09.00–15.30",
            MeetingInfo(
                "Protokoll fra høstmøtet i Nasjonal samhandlingsmodell",
                "national-autumn",
                date(2023, 10, 12),
                time(9, 0),
                time(15, 30),
                "Oslo",
            ),
        ),
        # a dialogue meeting of a county; hour-only times
        (
            "Dialogmøte Agder fylkeskommune, Kristiansand 4. april 2024 kl. 10–14",
            MeetingInfo(
                "Dialogmøte Agder fylkeskommune", "regional-spring", date(2024, 4, 4), time(10), time(14), "Kristiansand", "agder"
            ),
        ),
        # a county that existed on the date (Viken before 2024); weekday before the date
        (
            "Dialogmøte Viken onsdag 15. november 2023",
            MeetingInfo("Dialogmøte Viken", "regional-autumn", date(2023, 11, 15), region="viken"),
        ),
        # place after the date with "på"
        (
            "Arbeidsutvalget 3. mars 2024 kl. 13:00 på Teams",
            MeetingInfo("Arbeidsutvalget", "au", date(2024, 3, 3), time(13, 0), None, "Teams"),
        ),
        ("Styringsgruppemøte 20. januar 2025", MeetingInfo("Styringsgruppemøte", "steering-group", date(2025, 1, 20))),
    ],
)
def test_meeting_line(reader: MeetingReader, line: str, expected: MeetingInfo) -> None:
    assert reader.header([line]) == expected


def test_first_dated_line_wins_and_undated_lines_are_skipped(reader: MeetingReader) -> None:
    lines = ["Protokoll", "Til stede: alle partene", "Neste møte: 5. mai 2024", "Vårmøte Bergen 18. april 2024"]
    found = reader.header(lines)
    assert found is not None and (found.title, found.date, found.place) == ("Vårmøte", date(2024, 4, 18), "Bergen")
    assert reader.header(["Protokoll", "Saksliste 3. rapport"]) is None


@pytest.mark.parametrize(
    ("line", "current", "expected"),
    [
        (
            "Neste møte: Høstmøte 16. oktober 2024 i Stavanger",
            MeetingInfo("Nasjonal samhandlingsmodell", "national-spring", date(2024, 4, 18)),
            MeetingInfo("Høstmøte", "national-autumn", date(2024, 10, 16), place="Stavanger"),
        ),
        # no year: the next such date after this meeting (across the new year)
        (
            "Neste møte: 20. mars",
            MeetingInfo("Nasjonal samhandlingsmodell", "national-autumn", date(2024, 10, 16)),
            MeetingInfo(None, "national-spring", date(2025, 3, 20)),
        ),
        # in a regional protocol the next meeting is that county's
        (
            "Neste møte er 6. november, Mo i Rana",
            MeetingInfo("Dialogmøte Nordland", "regional-spring", date(2024, 4, 3), region="nordland"),
            MeetingInfo(None, "regional-autumn", date(2024, 11, 6), place="Mo i Rana", region="nordland"),
        ),
    ],
)
def test_next_meeting(reader: MeetingReader, line: str, current: MeetingInfo, expected: MeetingInfo) -> None:
    assert reader.next_meeting(["Annen tekst 1. mai 2024", line], after=current.date, current=current) == expected


def test_to_json(reader: MeetingReader) -> None:
    found = reader.header(["Dialogmøte Agder fylkeskommune, Kristiansand 4. april 2024 kl. 10–14"])
    assert found is not None
    assert found.to_json() == {
        "title": "Dialogmøte Agder fylkeskommune",
        "kind": "regional-spring",
        "date": "2024-04-04",
        "start": "10:00",
        "end": "14:00",
        "place": "Kristiansand",
        "region": "agder",
    }
