"""Questions about a week, a month or a day (issue 16), table-driven, at Monday 23 November 2026 (week 48).

Each row: the question, the expected answer ("yes", "no", "moved", "cancelled"), the meetings the
answer must be about (keys of `seed_calendar`), and a phrase the text must contain. The assertion
is on `reply.data`, so a right-sounding answer about the wrong meeting fails.
"""

from __future__ import annotations

import pytest

from tests.conftest import Bot
from tests.test_meetings_commands import seed_calendar

PERIODS: list[tuple[str, str, list[str], str]] = [
    ("Er det noe møte i uke 49?", "yes", ["vestland_a26", "au1"], "uke 49 (30. november 2026–6. desember 2026)"),
    ("er det møte i veke 49", "yes", ["vestland_a26", "au1"], "2 møter"),
    ("Er det noe møte i uke 50?", "no", [], "Nei, det er ingen møter i uke 50"),
    ("Hvilke møter er det neste uke?", "yes", ["vestland_a26", "au1"], "Bergen"),
    ("Kva møte er det neste veke?", "yes", ["vestland_a26", "au1"], "uke 49"),
    ("Er det AU-møte i uke 49?", "yes", ["au1"], "1 møte"),
    ("Er det AU-møte i uke 50?", "no", [], "Nei, jeg finner ikke"),
    ("Hvilke møter er det neste måned?", "yes", ["au1"], "desember 2026"),
    ("Er det noen møter denne uka?", "no", [], "uke 48"),
    ("Er det noe møte i uke 16?", "yes", ["more_s27", "ns27"], "2027"),  # week 16 has passed: next year's
    ("Er det møte i uke 15 2027?", "no", [], "avlyst"),  # only the cancelled Nordland meeting
]


@pytest.mark.parametrize(("question", "answer", "meetings", "phrase"), PERIODS)
def test_period_questions(bot: Bot, question: str, answer: str, meetings: list[str], phrase: str) -> None:
    ids = seed_calendar(bot)
    reply = bot.say(question)
    assert reply.data is not None and reply.data["intent"] == "period", reply.lines
    assert reply.data["answer"] == answer
    assert reply.data["meeting_ids"] == [ids[k] for k in meetings]
    assert phrase in bot.text(reply)


def test_a_week_that_does_not_exist_is_said_so(bot: Bot) -> None:
    seed_calendar(bot)
    reply = bot.say("Er det noe møte i uke 53 2027?")
    assert reply.data is not None and reply.data["answer"] == "no"
    assert "Uke 53 finnes ikke i 2027" in reply.lines[0]


DAYS: list[tuple[str, str, str | None, str]] = [
    ("Blir det vårmøte 22. april?", "yes", "ns27", "Ja, "),
    ("Blir det nasjonalt vårmøte 22.04.2027?", "yes", "ns27", "22. april 2027"),
    ("Er høstmøtet 21. oktober 2027?", "yes", "na27", "Ja"),
    ("Blir det vårmøte 23. april?", "no", "ns27", "Nei, ikke 23. april 2027"),
    ("Blir det dialogmøte i Nordland 15. april?", "cancelled", "nordland_cancelled", "avlyst"),
    ("Blir det møte i styringsgruppen 20. januar?", "yes", "sg", "20. januar 2027"),
    ("Blir det AU-møte 10. mars?", "no", "au2", "Nei, ikke 10. mars 2027"),
    ("Blir det dialogmøte i Nordland 1. desember?", "no", None, "Nei, jeg finner ikke"),
]


@pytest.mark.parametrize(("question", "answer", "meeting", "phrase"), DAYS)
def test_yes_no_about_a_day(bot: Bot, question: str, answer: str, meeting: str | None, phrase: str) -> None:
    ids = seed_calendar(bot)
    reply = bot.say(question)
    assert reply.data is not None and reply.data["intent"] == "day", reply.lines
    assert reply.data["answer"] == answer
    assert reply.data["meeting_id"] == (ids[meeting] if meeting else None)
    assert phrase in bot.text(reply)


def test_a_moved_meeting_says_where_it_went(bot: Bot) -> None:
    ids = seed_calendar(bot)
    assert not bot.say(f"/oppfølging møte flytt {ids['au2']} 21. januar 2027").error
    reply = bot.say("Blir det AU-møte 14. januar?")
    assert reply.data is not None and reply.data["answer"] == "moved"
    assert reply.data["meeting_id"] == ids["au2"]
    assert "flyttet fra 14. januar 2027 til" in reply.lines[0] and "21. januar 2027" in reply.lines[0]
    assert bot.say("Blir det AU-møte 21. januar?").data["answer"] == "yes"
