"""Deadlines relative to meetings: they get a date when the meeting is scheduled and follow it when it moves."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from storage.models import Action, ActionEvent
from tests.conftest import Bot
from tests.test_meetings_commands import add_meeting


def action(bot: Bot, action_id: int) -> Action:
    with bot.app.sessions() as session:
        row = session.get(Action, action_id)
        assert row is not None
        session.expunge(row)
        return row


def deadline_events(bot: Bot, action_id: int) -> list[tuple[str | None, str | None]]:
    with bot.app.sessions() as session:
        rows = session.scalars(select(ActionEvent).where(ActionEvent.action_id == action_id,
                                                         ActionEvent.kind == "deadline").order_by(ActionEvent.id))
        return [(e.old_value, e.new_value) for e in rows]


def new_action(bot: Bot, text: str) -> int:
    reply = bot.say(f"/oppfølging ny {text}")
    assert not reply.error, reply.lines
    return reply.data["action"]["id"]


def test_deadline_waits_for_the_meeting_then_gets_its_date(bot: Bot) -> None:
    waiting = new_action(bot, "AU: Lage forslag til vedtak til vårmøtet")
    assert action(bot, waiting).deadline is None
    reply = bot.say("/oppfølging møte ny vårmøte 22. april 2027 kl. 10 på Gardermoen")
    assert reply.data["deadlines"]["resolved"] == [waiting]
    assert action(bot, waiting).deadline == date(2027, 4, 22)
    assert action(bot, waiting).deadline_meeting["meeting_id"] == reply.data["meeting_id"]
    [(old, new)] = deadline_events(bot, waiting)
    assert "ikke fastsatt" in old and "22. april 2027" in new


def test_moving_a_meeting_moves_the_deadlines_bound_to_it_and_only_those(bot: Bot) -> None:
    spring = add_meeting(bot, "national-spring", date(2027, 4, 22), time(10))
    au = add_meeting(bot, "au", date(2027, 1, 14), time(10))
    # Resolved at creation, before any binding existed: adopted on the first change.
    to_spring = new_action(bot, "KDD: Orientere om statsbudsjettet til vårmøtet")
    to_au = new_action(bot, "AU: Lage saksliste til neste AU-møte")
    fixed = new_action(bot, "KS: Sende invitasjon innen 22. april 2027")
    assert action(bot, to_spring).deadline == date(2027, 4, 22)
    assert action(bot, to_au).deadline == date(2027, 1, 14)

    reply = bot.say(f"/oppfølging møte flytt {spring} 6. mai 2027")
    assert not reply.error, reply.lines
    assert reply.data["deadlines"]["moved"] == [to_spring]
    assert action(bot, to_spring).deadline == date(2027, 5, 6)
    assert action(bot, to_au).deadline == date(2027, 1, 14)
    assert action(bot, fixed).deadline == date(2027, 4, 22)  # a date is a date
    [(old, new)] = deadline_events(bot, to_spring)
    assert old == "22. april 2027" and new.startswith("6. mai 2027")

    bot.say(f"/oppfølging møte flytt {au} 21. januar 2027")
    assert action(bot, to_au).deadline == date(2027, 1, 21)
    assert action(bot, to_spring).deadline == date(2027, 5, 6)


def test_a_later_move_follows_again_and_history_shows_both(bot: Bot) -> None:
    spring = add_meeting(bot, "national-spring", date(2027, 4, 22), time(10))
    bound = new_action(bot, "AU: Legge fram rapporten til vårmøtet")
    bot.say(f"/oppfølging møte flytt {spring} 29. april 2027")
    bot.say(f"/oppfølging møte flytt {spring} 15. april 2027")
    assert action(bot, bound).deadline == date(2027, 4, 15)
    assert [new.split(" (")[0] for _, new in deadline_events(bot, bound)] == ["29. april 2027", "15. april 2027"]
    history = bot.text(bot.say(f"/oppfølging vis {bound}"))
    assert "til 15. april 2027" in history


def test_cancelling_a_meeting_sends_its_deadlines_back_to_waiting(bot: Bot) -> None:
    spring = add_meeting(bot, "national-spring", date(2027, 4, 22), time(10))
    bound = new_action(bot, "AU: Legge fram rapporten til vårmøtet")
    reply = bot.say(f"/oppfølging møte avlys {spring}")
    assert reply.data["deadlines"]["unresolved"] == [bound]
    row = action(bot, bound)
    assert row.deadline is None and "meeting_id" not in row.deadline_meeting
    # A new spring meeting picks it up again.
    again = bot.say("/oppfølging møte ny vårmøte 6. mai 2027 kl. 10")
    assert again.data["deadlines"]["resolved"] == [bound]
    assert action(bot, bound).deadline == date(2027, 5, 6)


def test_a_manual_deadline_unbinds_the_action(bot: Bot) -> None:
    spring = add_meeting(bot, "national-spring", date(2027, 4, 22), time(10))
    bound = new_action(bot, "AU: Legge fram rapporten til vårmøtet")
    bot.say(f"/oppfølging møte flytt {spring} 29. april 2027")  # binds and moves
    assert not bot.say(f"/oppfølging frist {bound} 1. mars 2027").error
    bot.say(f"/oppfølging møte flytt {spring} 13. mai 2027")
    assert action(bot, bound).deadline == date(2027, 3, 1)


def test_closed_actions_keep_their_deadline(bot: Bot) -> None:
    spring = add_meeting(bot, "national-spring", date(2027, 4, 22), time(10))
    done = new_action(bot, "AU: Legge fram rapporten til vårmøtet")
    bot.say(f"/oppfølging ferdig {done}")
    bot.say(f"/oppfølging møte flytt {spring} 29. april 2027")
    assert action(bot, done).deadline == date(2027, 4, 22)
    assert deadline_events(bot, done) == []


def test_regional_deadline_follows_its_own_county_meeting(bot: Bot) -> None:
    agder = add_meeting(bot, "regional-spring", date(2027, 4, 28), time(10), county="agder")
    vestland = add_meeting(bot, "regional-spring", date(2027, 4, 20), time(10), county="vestland")
    agder_action = new_action(bot, "Agder: Oppdatere avtalen til dialogmøtet")
    vestland_action = new_action(bot, "Vestland: Oppdatere avtalen til dialogmøtet")
    assert action(bot, agder_action).deadline == date(2027, 4, 28)
    assert action(bot, vestland_action).deadline == date(2027, 4, 20)
    bot.say(f"/oppfølging møte flytt {agder} 5. mai 2027")
    assert action(bot, agder_action).deadline == date(2027, 5, 5)
    assert action(bot, vestland_action).deadline == date(2027, 4, 20)
    assert vestland  # the other county's meeting is untouched
