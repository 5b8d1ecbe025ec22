"""Party phrases in chat (issue 16): the reform question, group phrases and a party followed by a verb.
Today is Monday 23 November 2026, after the 2024 county reform."""

from __future__ import annotations

from tests.conftest import Bot
from tests.test_dates_chat import count_actions


def test_an_old_split_county_is_asked_about_and_nothing_is_stored(bot: Bot) -> None:
    before = count_actions(bot)
    reply = bot.say("/oppfølging ny Viken: Sende oversikt over prosjektene")
    assert reply.error
    assert "Viken er nå Akershus, Buskerud og Østfold – alle tre?" in reply.lines[0]
    assert "Akershus fylkeskommune" in reply.lines
    assert count_actions(bot) == before


def test_former_county_means_all_its_successors(bot: Bot) -> None:
    reply = bot.say("/oppfølging ny de tidligere Viken-fylkene: Sende oversikt over prosjektene")
    assert not reply.error, reply.lines
    assert reply.data["action"]["parties"] == ["akershus", "buskerud", "ostfold"]


def test_group_phrases_in_chat(bot: Bot) -> None:
    reply = bot.say("/oppfølging ny KS og Siva i fellesskap: Lage felles innspill innen 15. januar")
    assert reply.data["action"]["parties"] == ["ks", "siva"]
    reply = bot.say("/oppfølging ny regionlederne i IN: Melde inn kandidater")
    assert reply.data["action"]["parties"] == ["innovasjon-norge"]
    reply = bot.say("/oppfølging ny sekretariatet: Sende ut referatet")
    assert reply.data["action"]["parties"] == ["au"]
