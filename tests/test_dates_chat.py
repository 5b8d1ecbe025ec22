"""Deadlines in chat (issue 16): counted from a meeting and following it, questions with buttons,
and half-understood phrases refused with nothing stored. Today is Monday 23 November 2026."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from storage.models import Action
from tests.conftest import Bot
from tests.test_meetings_deadlines import action, deadline_events, new_action


def count_actions(bot: Bot) -> int:
    with bot.app.sessions() as session:
        return session.scalar(select(func.count()).select_from(Action)) or 0


def meeting_id(reply) -> int:  # type: ignore[no-untyped-def]
    return reply.data["meeting"]["id"] if "meeting" in (reply.data or {}) else reply.data["meeting_id"]


def test_weeks_before_a_scheduled_meeting_follow_it_when_it_moves(bot: Bot) -> None:
    meeting = bot.say("/oppfølging møte ny vårmøte 22. april 2027 kl. 10 på Gardermoen")
    assert not meeting.error, meeting.lines
    spring = meeting_id(meeting)
    created = new_action(bot, "AU: Sende utkast til partene to uker før vårmøtet")
    row = action(bot, created)
    # The whole phrase is the deadline; nothing of it is left in the text (issue 16: "N uker før").
    assert row.text == "Sende utkast til partene"
    assert row.deadline == date(2027, 4, 8)
    assert row.deadline_meeting is not None and row.deadline_meeting["offset_days"] == -14
    bot.say(f"/oppfølging møte flytt {spring} 6. mai 2027")
    assert action(bot, created).deadline == date(2027, 4, 22)
    assert deadline_events(bot, created)[-1][1] is not None
    assert "22. april 2027" in (deadline_events(bot, created)[-1][1] or "")


def test_day_before_an_unscheduled_meeting_waits_then_resolves(bot: Bot) -> None:
    created = new_action(bot, "KS: Sende saksliste dagen før høstmøtet 2027")
    row = action(bot, created)
    assert row.deadline is None and row.text == "Sende saksliste"
    assert row.deadline_meeting == {"kind": "national-autumn", "year": 2027, "offset_days": -1}
    reply = bot.say("/oppfølging møte ny høstmøte 14. oktober 2027 kl. 10")
    assert reply.data["deadlines"]["resolved"] == [created]
    assert action(bot, created).deadline == date(2027, 10, 13)


def test_a_question_gets_buttons_and_stores_nothing_until_one_is_clicked(bot: Bot) -> None:
    before = count_actions(bot)
    reply = bot.say("/oppfølging ny AU: Skrive høringssvar i løpet av våren")
    assert not reply.error
    assert reply.data and reply.data["question"] is True
    assert "Mente du" in reply.lines[0]
    assert [b.label for b in reply.buttons] == ["30. juni 2027 (før sommeren)", "31. mai 2027 (utgangen av mai)"]
    assert count_actions(bot) == before
    clicked = bot.say(reply.buttons[1].command)
    assert not clicked.error, clicked.lines
    assert clicked.data["action"]["deadline"] == "2027-05-31"
    assert clicked.data["action"]["text"] == "Skrive høringssvar"


def test_frist_with_a_weekday_that_does_not_match_asks(bot: Bot) -> None:
    created = new_action(bot, "AU: Lage notat innen 15. desember")
    reply = bot.say(f"/oppfølging frist {created} fredag 15. januar 2027")  # 15 January 2027 is a Friday
    assert not reply.error and action(bot, created).deadline == date(2027, 1, 15)
    reply = bot.say(f"/oppfølging frist {created} fredag 17. januar 2027")  # a Sunday
    assert reply.data and reply.data["alternatives"] == ["2027-01-15", "2027-01-17"]
    assert action(bot, created).deadline == date(2027, 1, 15)  # unchanged until a button is clicked
    bot.say(reply.buttons[0].command)
    assert action(bot, created).deadline == date(2027, 1, 15)
    bot.say(reply.buttons[1].command)
    assert action(bot, created).deadline == date(2027, 1, 17)


def test_half_understood_phrases_are_refused_and_store_nothing(bot: Bot) -> None:
    bot.say("/oppfølging møte ny vårmøte 22. april 2027 kl. 10")
    before = count_actions(bot)
    for text in (
        "AU: Sende notat tre virkedager før vårmøtet",  # working days do not follow a moved meeting
        "AU: Sende notat fredag om 10 dager",  # no particular Friday
        "AU: Sende notat innen utgangen av uke 53 2027",  # 2027 has no week 53
    ):
        reply = bot.say(f"/oppfølging ny {text}")
        assert reply.error, (text, reply.lines)
    assert count_actions(bot) == before


def test_ny_with_a_weekday_that_does_not_match_asks_and_saves_nothing(bot: Bot) -> None:
    before = count_actions(bot)
    reply = bot.say("/oppfølging ny AU: Sende brev innen mandag 1. desember 2026")  # a Tuesday
    assert "tirsdag" in reply.lines[0] and "Mente du" in reply.lines[0]
    assert reply.data and reply.data["alternatives"] == ["2026-11-30", "2026-12-01"]
    assert count_actions(bot) == before
