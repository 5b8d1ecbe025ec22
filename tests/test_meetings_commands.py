"""Meeting commands end to end through the dispatcher: neste møte, møter, møte ny/flytt/avlys, the form.

The helpers at the top (`add_meeting`, `seed_calendar`) are shared by the other meeting tests.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from handlers import router
from handlers.core import registry
from handlers.core.clock import at_local
from handlers.core.context import Context
from handlers.core.replies import Reply
from handlers.meetings import edits
from storage.models import Meeting
from tests.conftest import NOW, Bot


def add_meeting(bot: Bot, kind: str, day: date, start: time | None = time(10), end: time | None = None, *,
                place: str = "", county: str | None = None, title: str = "", cancelled: bool = False) -> int:
    """Add a meeting through the use case (as the local admin) and return its id."""

    def run(ctx: Context) -> Reply:
        if start is None:
            begin, finish = edits.all_day_bounds(day, ctx)
            spec = edits.MeetingSpec(kind=kind, starts_at=begin, ends_at=finish, all_day=True, place=place,
                                        region=county, title=title)
        else:
            spec = edits.MeetingSpec(kind=kind, starts_at=at_local(day, start, ctx.tz),
                                        ends_at=at_local(day, end, ctx.tz) if end else None, place=place,
                                        region=county, title=title)
        meeting, _ = edits.add(ctx, spec)
        if cancelled:
            edits.cancel_meeting(ctx, meeting)
        return Reply(data={"id": meeting.id})

    reply = bot.app.handle("", _admin(), now=bot.now, run=run)
    assert not reply.error, reply.lines
    return reply.data["id"]


def _admin():  # type: ignore[no-untyped-def]
    from handlers.core.context import Actor

    return Actor("console", "local", "lokal operatør")


def seed_calendar(bot: Bot) -> dict[str, int]:
    """A year of meetings around NOW (Monday 23 November 2026), past and future, one cancelled."""
    return {
        "ns26": add_meeting(bot, "national-spring", date(2026, 4, 23), time(10), time(15), place="Trondheim"),
        "na26": add_meeting(bot, "national-autumn", date(2026, 10, 22), time(10), time(15), place="Oslo"),
        "ns27": add_meeting(bot, "national-spring", date(2027, 4, 22), time(9, 30), time(15), place="Gardermoen"),
        "na27": add_meeting(bot, "national-autumn", date(2027, 10, 21), time(10), time(15), place="Oslo"),
        "agder_a26": add_meeting(bot, "regional-autumn", date(2026, 11, 10), time(9), place="Arendal", county="agder"),
        "agder_s27": add_meeting(bot, "regional-spring", date(2027, 4, 28), time(10), place="Kristiansand",
                                 county="agder"),
        "vestland_a26": add_meeting(bot, "regional-autumn", date(2026, 11, 30), time(9), time(15), place="Bergen",
                                    county="vestland"),
        "more_s27": add_meeting(bot, "regional-spring", date(2027, 4, 20), time(10), place="Molde",
                                county="more-og-romsdal"),
        "nordland_cancelled": add_meeting(bot, "regional-spring", date(2027, 4, 15), time(10), place="Bodø",
                                          county="nordland", cancelled=True),
        "au_past": add_meeting(bot, "au", date(2026, 11, 5), time(10), time(11), place="Teams"),
        "au1": add_meeting(bot, "au", date(2026, 12, 3), time(10), time(11, 30), place="Teams"),
        "au2": add_meeting(bot, "au", date(2027, 1, 14), time(10), time(11), place="Teams"),
        "sg": add_meeting(bot, "steering-group", date(2027, 1, 20), time(13), time(15), place="Oslo"),
    }


def count_meetings(bot: Bot) -> int:
    with bot.app.sessions() as session:
        return session.scalar(select(func.count()).select_from(Meeting)) or 0


# --- neste møte / møter --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/oppfølging neste møte", "vestland_a26"),
        ("/oppfølging neste møte nasjonalt", "ns27"),
        ("/oppfølging neste møte Vestland", "vestland_a26"),
        ("/oppfølging neste møte agder", "agder_s27"),
        ("/oppfølging neste møte AU", "au1"),
        ("/oppfølging neste møte styringsgruppen", "sg"),
        ("/oppfølging neste møte høstmøte", "na27"),
        ("/oppfølging neste møte Nordland", None),  # only a cancelled one exists
    ],
)
def test_next_meeting(bot: Bot, text: str, expected: str | None) -> None:
    ids = seed_calendar(bot)
    reply = bot.say(text)
    assert not reply.error, reply.lines
    assert reply.data["meeting_id"] == (ids[expected] if expected else None)


def test_next_meeting_shows_everything_a_participant_needs(bot: Bot) -> None:
    ids = seed_calendar(bot)
    due = bot.say("/oppfølging ny Vestland: Sende innspill til dialogmøtet innen 27.11.2026").data["action"]["id"]
    later = bot.say("/oppfølging ny Vestland: Noe som kan vente innen 15.01.2027").data["action"]["id"]
    au_only = bot.say("/oppfølging ny AU: Forberede saksliste innen 26.11.2026").data["action"]["id"]
    reply = bot.say("/oppfølging neste møte Vestland")
    body = bot.text(reply)
    assert reply.data["meeting_id"] == ids["vestland_a26"]
    assert "mandag 30. november 2026 kl. 09.00–15.00" in body
    assert "Bergen" in body and "Vestland fylkeskommune" in body
    assert "regionalt høstmøte" in body and "samarbeidsavtalen" in body  # kind and theme
    assert reply.data["due"] == [due]  # not the later one, not AU's
    assert later not in reply.data["due"] and au_only not in reply.data["due"]


def test_next_meeting_not_scheduled_says_what_the_agreement_expects(bot: Bot) -> None:
    reply = bot.say("/oppfølging neste møte nasjonalt")
    assert reply.data["meeting_id"] is None
    body = bot.text(reply)
    assert "ikke fastsatt ennå" in body and "KS" in body and "om våren" in body


def test_meetings_list_in_order_without_cancelled(bot: Bot) -> None:
    ids = seed_calendar(bot)
    reply = bot.say("/oppfølging møter")
    upcoming = ["vestland_a26", "au1", "au2", "sg", "more_s27", "ns27", "agder_s27", "na27"]
    assert reply.data["meeting_ids"] == [ids[k] for k in upcoming]
    assert "torsdag 3. desember 2026 kl. 10.00–11.30" in bot.text(reply)
    # Every meeting with its place, kind, convener, theme and what is due.
    assert [s.title for s in reply.sections][:2] == [f"{ids['vestland_a26']}. Dialogmøte Vestland, høst 2026",
                                                     f"{ids['au1']}. Møte i arbeidsutvalget"]
    national = next(s for s in reply.sections if s.title.startswith(f"{ids['ns27']}."))
    assert "Kaller inn: KS" in national.lines and any(line.startswith("Tema etter avtalen") for line in national.lines)
    assert any("Åpne punkter med frist innen møtet: 0" in line for line in national.lines)
    assert bot.say("/oppfølging møter nasjonalt").data["meeting_ids"] == [ids["ns27"], ids["na27"]]
    assert bot.say("/oppfølging møter Agder").data["meeting_ids"] == [ids["agder_s27"]]


def test_meeting_commands_are_in_the_help(bot: Bot) -> None:
    body = bot.text(bot.say("/oppfølging hjelp"))
    assert "neste møte" in body and "møte ny høstmøte" in body and "rapport" in body


def test_filter_that_names_nothing_known_is_refused(bot: Bot) -> None:
    reply = bot.say("/oppfølging neste møte Narnia")
    assert reply.error
    assert "Narnia" in bot.text(reply)


# --- adding, moving, cancelling ------------------------------------------------------------------------


def test_typed_new_meeting(bot: Bot) -> None:
    reply = bot.say("/oppfølging møte ny høstmøte 21. oktober 2027 kl. 10 i Oslo")
    assert not reply.error, reply.lines
    meeting = reply.data["meeting"]
    assert meeting["kind"] == "national-autumn"
    assert meeting["starts_at"] == "2027-10-21T10:00:00+02:00"
    assert meeting["place"] == "Oslo"
    assert meeting["convener"] == "ks"
    assert meeting["title"] == "Nasjonalt høstmøte 2027"


@pytest.mark.parametrize(
    ("text", "kind", "county", "start", "end", "place"),
    [
        ("dialogmøte Vestland vår 22. april 2027 kl. 9.30–15 i Bergen", "regional-spring", "vestland",
         "2027-04-22T09:30:00+02:00", "2027-04-22T15:00:00+02:00", "Bergen"),
        ("dialogmøte Møre og Romsdal 10.11.2027 kl. 9", "regional-autumn", "more-og-romsdal",
         "2027-11-10T09:00:00+01:00", None, ""),
        ("AU-møte 3. desember kl. 10-11.30 på Teams", "au", None, "2026-12-03T10:00:00+01:00",
         "2026-12-03T11:30:00+01:00", "Teams"),
        ("styringsgruppemøte 20. januar 2027 kl. 13 i Oslo", "steering-group", None, "2027-01-20T13:00:00+01:00",
         None, "Oslo"),
        ("nasjonalt møte 5. mars 2027, Lillehammer", "national-spring", None, "2027-03-05T00:00:00+01:00",
         "2027-03-06T00:00:00+01:00", "Lillehammer"),
    ],
)
def test_typed_new_meeting_variants(bot: Bot, text: str, kind: str, county: str | None, start: str,
                                    end: str | None, place: str) -> None:
    reply = bot.say(f"/oppfølging møte ny {text}")
    assert not reply.error, reply.lines
    meeting = reply.data["meeting"]
    assert (meeting["kind"], meeting["county"], meeting["starts_at"], meeting["ends_at"], meeting["place"]) == (
        kind, county, start, end, place)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("møte ny 21. oktober 2027", "Hva slags møte"),
        ("møte ny høstmøte", "Hvilken dato"),
        ("møte ny høstmøte 31. februar 2027", "31. februar 2027"),
        ("møte ny dialogmøte 22. april 2027", "fylke"),
        ("møte ny høstmøte Vestland-ish 21. oktober 2027", "«Vestland-ish 21. oktober 2027»"),
        ("møte ny høstmøte 21. oktober 2027 kl. 25", "kl. 25"),
        ("møte ny høstmøte 21. oktober 2027 kl. 15-10", "slutte før"),
        ("møte ny AU-møte til neste møte", "dato"),
        ("møte flytt 999 1. mai 2027", "Fant ikke møte 999"),
        ("møte flytt x 1. mai 2027", "møtenummer"),
        ("møte avlys", "møtenummer"),
        ("møte", "Bruk"),
    ],
)
def test_bad_meeting_input_changes_nothing(bot: Bot, text: str, expected: str) -> None:
    before = count_meetings(bot)
    reply = bot.say(f"/oppfølging {text}")
    assert reply.error
    assert expected.lower() in bot.text(reply).lower()
    assert count_meetings(bot) == before


def test_only_admins_manage_meetings(bot: Bot) -> None:
    ids = seed_calendar(bot)
    before = count_meetings(bot)
    for text in ("møte ny høstmøte 21. oktober 2028 kl. 10", f"møte flytt {ids['au1']} 4. desember",
                 f"møte avlys {ids['au1']}"):
        reply = bot.say(f"/oppfølging {text}", "slack:U999")
        assert reply.error and "administratorer" in bot.text(reply), text
    assert count_meetings(bot) == before
    assert bot.say("/oppfølging neste møte AU").data["meeting"]["starts_at"] == "2026-12-03T10:00:00+01:00"
    # A configured admin may.
    reply = bot.say("/oppfølging møte avlys " + str(ids["au1"]), "slack:UADMIN")
    assert not reply.error, reply.lines


def test_move_keeps_time_of_day_and_length(bot: Bot) -> None:
    ids = seed_calendar(bot)
    reply = bot.say(f"/oppfølging møte flytt {ids['ns27']} 29. april 2027")
    assert not reply.error, reply.lines
    meeting = reply.data["meeting"]
    assert meeting["starts_at"] == "2027-04-29T09:30:00+02:00"
    assert meeting["ends_at"] == "2027-04-29T15:00:00+02:00"
    reply = bot.say(f"/oppfølging møte flytt {ids['ns27']} 30. april 2027 kl. 12")
    assert reply.data["meeting"]["starts_at"] == "2027-04-30T12:00:00+02:00"


def test_cancel_removes_it_from_next_and_is_idempotent(bot: Bot) -> None:
    ids = seed_calendar(bot)
    assert not bot.say(f"/oppfølging møte avlys {ids['vestland_a26']}").error
    assert bot.say("/oppfølging neste møte Vestland").data["meeting_id"] is None
    again = bot.say(f"/oppfølging møte avlys {ids['vestland_a26']}")
    assert not again.error and "allerede avlyst" in again.title
    refused = bot.say(f"/oppfølging møte flytt {ids['vestland_a26']} 1. desember")
    assert refused.error


def test_new_meeting_form_and_its_submission(bot: Bot) -> None:
    reply = bot.say("/oppfølging møte ny")
    assert reply.form is not None and reply.form.id == "new_meeting"
    assert "new_meeting" in registry.FORMS
    names = [f.name for f in reply.form.fields]
    assert names[:3] == ["kind", "date", "time"] and "county" in names

    def submit(values: dict[str, str]) -> Reply:
        return bot.app.handle("", _admin(), now=NOW, run=lambda ctx: router.submit_form(ctx, "new_meeting", values, {}))

    bad = submit({"kind": "regional-spring", "date": "2027-04-31", "time": "9-25"})
    assert bad.error and set(bad.field_errors) == {"date", "time", "county"}
    assert count_meetings(bot) == 0
    good = submit({"kind": "regional-spring", "date": "2027-04-22", "time": "9.30-15", "county": "agder",
                   "place": "Kristiansand"})
    assert not good.error, good.lines
    assert good.data["meeting"]["starts_at"] == "2027-04-22T09:30:00+02:00"
    assert good.data["meeting"]["county"] == "agder"


def test_meeting_in_the_past_can_be_recorded_with_a_note(bot: Bot) -> None:
    reply = bot.say("/oppfølging møte ny vårmøte 11. mai 2023 kl. 8.30-14 på Frosta")
    assert not reply.error
    assert "passert" in bot.text(reply)
    assert reply.data["meeting"]["date"] == "2023-05-11"


def test_show_meeting_by_number(bot: Bot) -> None:
    ids = seed_calendar(bot)
    reply = bot.say(f"/oppfølging møte {ids['sg']}")
    assert reply.data["meeting_id"] == ids["sg"]
    assert "arbeidsutvalget" in bot.text(reply).lower() or "AU" in bot.text(reply)


def test_meeting_json_is_utc_consistent(bot: Bot) -> None:
    ids = seed_calendar(bot)
    with bot.app.sessions() as session:
        meeting = session.get(Meeting, ids["ns27"])
        assert meeting is not None
        assert meeting.starts_at == datetime(2027, 4, 22, 7, 30)  # stored as naive UTC
        assert meeting.starts_at.replace(tzinfo=UTC).isoformat() == "2027-04-22T07:30:00+00:00"
