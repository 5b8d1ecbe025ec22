"""Questions in plain Norwegian, table-driven, with the clock fixed at Monday 23 November 2026.

Each case names the meeting the answer must be about (or None when nothing may be claimed), and
the assertion is on `reply.data`, so a right-sounding text with the wrong meeting fails.
"""

from __future__ import annotations

import pytest

from tests.conftest import Bot
from tests.test_meetings_commands import seed_calendar

# (question, intent, expected meeting key or None, a phrase the answer must contain)
CASES: list[tuple[str, str | None, str | None, str]] = [
    # next meeting, any kind
    ("Når er neste møte?", "when", "vestland_a26", "30. november 2026"),
    ("når er neste møte", "when", "vestland_a26", "Bergen"),
    ("Når er vår neste samling?", "when", "vestland_a26", "Bergen"),  # "vår" here is "our", not spring
    # national, by season, year, past and future
    ("Når er det nasjonale høstmøtet?", "when", "na27", "21. oktober 2027"),
    ("Når er det nasjonale vårmøtet?", "when", "ns27", "22. april 2027"),
    ("Når er vårmøtet?", "when", "ns27", "KS"),
    ("Når er hostmotet?", "when", "na27", "21. oktober 2027"),
    ("Når er høstmøtet 2027?", "when", "na27", "Oslo"),
    ("Når var høstmøtet i 2026?", "when", "na26", "22. oktober 2026"),
    ("Når var forrige høstmøte?", "when", "na26", "var"),
    ("Når var forrige nasjonale møte?", "when", "na26", "22. oktober 2026"),
    ("Når er neste nasjonale møte?", "when", "ns27", "22. april 2027"),
    ("Når er det nasjonale høstmøtet i år?", "when", "na26", "var"),
    ("Når er samordningsmøtet til våren?", "when", "ns27", "22. april 2027"),
    ("Når er vårmøtet 2028?", "when", None, "ikke fastsatt"),
    ("Når var vårmøtet i 2025?", "when", None, "ikke registrert"),
    # regional, counties by any of their names
    ("Når har Agder neste dialogmøte?", "when", "agder_s27", "28. april 2027"),
    ("Når var forrige dialogmøte i Agder?", "when", "agder_a26", "10. november 2026"),
    ("Når er høstens dialogmøte i Agder?", "when", None, "ikke fastsatt"),
    ("Når har Vestland dialogmøte?", "when", "vestland_a26", "Vestland fylkeskommune"),
    ("Når er høstmøtet i Vestland?", "when", "vestland_a26", "30. november 2026"),
    ("Når er neste høstmøte i Vestland fylkeskommune?", "when", "vestland_a26", "Bergen"),
    ("Når er vårmøtet i Vestland?", "when", None, "Vestland fylkeskommune kaller inn"),
    ("Når er dialogmøtet i Vestland i 2027?", "when", None, "ikke fastsatt"),
    ("Når har Nordland neste dialogmøte?", "when", None, "Nordland fylkeskommune"),
    ("Når har Møre og Romsdal dialogmøte?", "when", "more_s27", "Molde"),
    ("Når har More og Romsdal dialogmøte?", "when", "more_s27", "20. april 2027"),
    ("Når er dialogmøtet i Møre- og Romsdal fylkeskommune?", "when", "more_s27", "Molde"),
    ("Når er neste regionale møte?", "when", "vestland_a26", "Bergen"),
    # AU and the steering group
    ("Når møtes arbeidsutvalget?", "when", "au1", "3. desember 2026"),
    ("Når er neste AU-møte?", "when", "au1", "kl. 10.00–11.30"),
    ("Når var forrige AU-møte?", "when", "au_past", "5. november 2026"),
    ("Når møtes styringsgruppen?", "when", "sg", "20. januar 2027"),
    ("Når er neste møte i styringsgruppen for Missionssatsingen?", "when", "sg", "kl. 13.00"),
    # where
    ("Hvor skal vårmøtet være?", "where", "ns27", "Gardermoen"),
    ("Hvor er høstmøtet?", "where", "na27", "Oslo"),
    ("Hvor var forrige vårmøte?", "where", "ns26", "Trondheim"),
    ("Hvor skal AU møtes?", "where", "au1", "Teams"),
    ("Når er vårmøtet på Gardermoen?", "when", "ns27", "22. april 2027"),
    ("Når er neste møte i Oslo?", "when", "sg", "20. januar 2027"),  # Oslo the place, not the county
    ("Når har Oslo dialogmøte?", "when", None, "Oslo kommune kaller inn"),
    # who convenes
    ("Hvem har ansvaret for å kalle inn til høstmøtet?", "convener", "na27", "KS"),
    ("Hvem kaller inn til dialogmøtet i Agder?", "convener", "agder_s27", "Agder fylkeskommune"),
    ("Hvem kaller inn til vårmøtet i Vestland?", "convener", None, "Vestland fylkeskommune"),
    ("Hvem kaller inn til styringsgruppemøtet?", "convener", "sg", "AU"),
    # what is due, theme, rules
    ("Hva skal være gjort til vårmøtet?", "due", "ns27", "22. april 2027"),
    ("Hva må Agder gjøre før dialogmøtet?", "due", "agder_s27", "28. april 2027"),
    ("Hva er temaet for høstmøtet?", "theme", "na27", "erfaringer"),
    ("Hva handler dialogmøtet om?", "theme", "vestland_a26", "samarbeidsavtalen"),
    ("Hvor ofte møtes arbeidsutvalget?", "rule", None, "etter behov"),
    # not understood: a short help, never a date
    ("Når er det lunsj?", None, None, "Når har Agder neste dialogmøte?"),
    ("Når er neste dialogmøte i Narnia?", None, None, "Narnia"),
    ("Hvem er leder for AU?", None, None, "for eksempel"),
    ("Hvordan melder jeg meg på vårmøtet?", None, None, "for eksempel"),
]


@pytest.mark.parametrize(("question", "intent", "expected", "phrase"), CASES, ids=[c[0] for c in CASES])
def test_question(bot: Bot, question: str, intent: str | None, expected: str | None, phrase: str) -> None:
    ids = seed_calendar(bot)
    reply = bot.say(question)
    assert reply.data is not None, bot.text(reply)
    assert reply.data["meeting_id"] == (ids[expected] if expected else None), bot.text(reply)
    assert reply.data["intent"] == intent
    assert reply.data["understood"] is (intent is not None)
    assert phrase.lower() in bot.text(reply).lower()


def test_enough_cases() -> None:
    assert len(CASES) >= 40


# (question, expected meeting keys in order)
LISTS: list[tuple[str, list[str]]] = [
    ("Hvilke møter er det i januar?", ["au2", "sg"]),
    ("Hvilke møter er det i april?", ["more_s27", "ns27", "agder_s27"]),  # not the cancelled one in Bodø
    ("Hvilke møter var det i november?", ["au_past", "agder_a26", "vestland_a26"]),
    ("Hvilke nasjonale møter er det i 2027?", ["ns27", "na27"]),
    ("Hvilke møter har Agder i 2027?", ["agder_s27"]),
    ("Hvilke møter er det i mars?", []),
]


@pytest.mark.parametrize(("question", "expected"), LISTS, ids=[c[0] for c in LISTS])
def test_question_listing_meetings(bot: Bot, question: str, expected: list[str]) -> None:
    ids = seed_calendar(bot)
    reply = bot.say(question)
    assert reply.data["intent"] == "list", bot.text(reply)
    assert reply.data["meeting_ids"] == [ids[k] for k in expected]


def test_coming_meetings_question_starts_with_the_soonest(bot: Bot) -> None:
    ids = seed_calendar(bot)
    reply = bot.say("Hvilke møter kommer?")
    assert reply.data["meeting_ids"][:3] == [ids["vestland_a26"], ids["au1"], ids["au2"]]


def test_due_question_lists_exactly_the_open_actions_due_in_time(bot: Bot) -> None:
    ids = seed_calendar(bot)
    in_time = bot.say("/oppfølging ny Agder: Oppdatere samarbeidsavtalen innen 1. april 2027").data["action"]["id"]
    group = bot.say("/oppfølging ny FK: Sende status innen 15. mars 2027").data["action"]["id"]
    too_late = bot.say("/oppfølging ny Agder: Evaluere innen 1. juni 2027").data["action"]["id"]
    other = bot.say("/oppfølging ny Vestland: Noe annet innen 1. april 2027").data["action"]["id"]
    done = bot.say("/oppfølging ny Agder: Allerede gjort innen 1. april 2027").data["action"]["id"]
    bot.say(f"/oppfølging ferdig {done}")
    reply = bot.say("Hva må Agder gjøre før dialogmøtet?")
    assert reply.data["meeting_id"] == ids["agder_s27"]
    assert reply.data["due"] == [group, in_time]
    assert too_late not in reply.data["due"] and other not in reply.data["due"]


def test_question_through_mention_and_without_prefix_is_the_same(bot: Bot) -> None:
    ids = seed_calendar(bot)
    for text in ("<@U0BOT> Når møtes arbeidsutvalget?", "@oppfølging når møtes arbeidsutvalget",
                 "/oppfølging Når møtes arbeidsutvalget?"):
        assert bot.say(text).data["meeting_id"] == ids["au1"], text


def test_answers_follow_the_clock(bot: Bot) -> None:
    from datetime import UTC, datetime

    ids = seed_calendar(bot)
    later = datetime(2027, 1, 15, 12, tzinfo=UTC)
    assert bot.say("Når møtes arbeidsutvalget?", now=later).data["meeting_id"] is None
    assert bot.say("Når var forrige AU-møte?", now=later).data["meeting_id"] == ids["au2"]
    during = datetime(2026, 11, 30, 10, tzinfo=UTC)  # 11.00 in Bergen, the meeting is on
    assert bot.say("Når er høstmøtet i Vestland?", now=during).data["meeting_id"] == ids["vestland_a26"]


def test_plain_text_that_is_no_question_still_gets_the_command_hint(bot: Bot) -> None:
    reply = bot.say("/oppfølging lsite")
    assert reply.error
    assert "liste" in bot.text(reply)
