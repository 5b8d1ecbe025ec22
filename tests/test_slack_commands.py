"""Slack end to end: signed slash commands and modals over real HTTP to the real service, a fake Slack Web API.

Each test runs `bot.server.build_web_app` with the Slack module on a free port; the fake records
what the bot sent back (response_url posts, views.open, …) and the database shows what changed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from handlers.core.context import Actor
from storage.models import Action, Meeting, Person
from tests.conftest import NOW
from tests.support.slack_harness import Slack, all_text, buttons, loop_fixture, slack_fixture  # noqa: F401

ADMIN = Actor("console", "local", "lokal operatør")


def add(slack: Slack, text: str, *, now: datetime | None = None) -> int:
    reply = slack.app.handle(f"/oppfølging ny {text}", ADMIN, now=now)
    assert not reply.error, reply.lines
    return reply.data["action"]["id"]


def count_actions(slack: Slack) -> int:
    with slack.app.sessions() as session:
        return session.scalar(select(func.count()).select_from(Action)) or 0


def add_meeting(slack: Slack, title: str, starts: datetime, place: str = "") -> int:
    with slack.app.sessions() as session:
        meeting = Meeting(kind="national-spring", title=title, starts_at=starts.replace(tzinfo=None), place=place,
                          status="scheduled", created_at=NOW.replace(tzinfo=None), updated_at=NOW.replace(tzinfo=None))
        session.add(meeting)
        session.commit()
        return meeting.id


# --- lists ---------------------------------------------------------------------------------------


def test_liste_renders_items_with_buttons_and_overdue_first(slack: Slack) -> None:
    overdue = add(slack, "AU: Sende innspill til departementet innen 10.11.2026", now=NOW - timedelta(days=30))
    later = add(slack, "KDD og KS: Avklare finansiering innen 15. juni")
    status, body = slack.command("liste")
    assert status == 200 and body == ""  # acknowledged at once; the answer goes to response_url

    answer = slack.fake.wait_responses(1)[0]
    assert answer["response_type"] == "ephemeral"  # a list is for the one who asked
    blocks = answer["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Oppfølgingspunkter", "emoji": True}}
    text = all_text(blocks)
    assert text.index(f"#{overdue}*") < text.index(f"#{later}*")
    assert "🔴" in text and "*Frist: 10. november 2026 – forfalt*" in text
    assert "Frist: 15. juni 2027" in text and "Ansvarlig: KDD, KS" in text and "Status: åpen" in text
    assert set(buttons(blocks, later)) == {"Ferdig", "Utsett", "Kommenter", "Vis"}
    assert len(blocks) <= 50


def test_liste_shows_the_source_meeting(slack: Slack) -> None:
    meeting = add_meeting(slack, "Vårmøtet 2027", datetime(2027, 3, 10, 9, 0))
    _, form = open_new_form(slack)
    slack.submit(form, {"text": "Lage program", "parties": ["au"], "meeting": str(meeting)})
    slack.command("liste")
    text = all_text(slack.fake.wait_responses(2)[-1]["blocks"])
    assert "Fra møte: Vårmøtet 2027, 10. mars 2027" in text


def test_ascii_alias_and_help(slack: Slack) -> None:
    slack.command("", command="/oppfolging")
    answer = slack.fake.wait_responses(1)[0]
    assert "Oppfølging – hjelp" in all_text(answer["blocks"])


def test_unknown_command_is_answered_privately_in_norwegian(slack: Slack) -> None:
    slack.command("lsite")
    answer = slack.fake.wait_responses(1)[0]
    assert answer["response_type"] == "ephemeral"
    assert "Jeg forstod ikke «lsite»" in all_text(answer["blocks"])
    assert "⚠️" in answer["text"]


# --- quick add -----------------------------------------------------------------------------------


def test_ny_quick_add_is_saved_with_the_slack_user_and_announced(slack: Slack) -> None:
    slack.fake.names["U0KARI"] = "Kari Nordmann"
    slack.command("ny AU: Sende brev til KDD om statssekretærmøte innen 15. juni")
    answer = slack.fake.wait_responses(1)[0]
    assert answer["response_type"] == "in_channel"  # a change is shown to the channel
    assert "Registrert som punkt 1" in answer["text"]
    with slack.app.sessions() as session:
        action = session.scalars(select(Action)).one()
        assert (action.text, action.deadline, action.source) == (
            "Sende brev til KDD om statssekretærmøte", date(2027, 6, 15), "slack")
        creator = session.get(Person, action.created_by_id)
        assert (creator.platform, creator.external_id, creator.display_name) == ("slack", "U0KARI", "Kari Nordmann")


def test_retried_command_creates_one_action(slack: Slack) -> None:
    slack.command("ny AU: Skrive referat fra møtet", trigger_id="4242.1.abc")
    slack.fake.wait_responses(1)
    status, _ = slack.command("ny AU: Skrive referat fra møtet", trigger_id="4242.1.abc", retry=1)
    assert status == 200
    second = slack.fake.wait_responses(2)[1]
    assert "Punkt 1 var allerede registrert" in second["text"]
    assert count_actions(slack) == 1


def test_quick_add_with_bad_date_saves_nothing(slack: Slack) -> None:
    slack.command("ny AU: Sende brev innen 31.02.2027")
    answer = slack.fake.wait_responses(1)[0]
    assert answer["response_type"] == "ephemeral"
    assert "31" in all_text(answer["blocks"])
    assert count_actions(slack) == 0


# --- the form ------------------------------------------------------------------------------------


def open_new_form(slack: Slack, **command: str) -> tuple[str, dict]:
    slack.command("ny", trigger_id="7001.1.form", **command)
    call = slack.fake.wait_calls("views.open")[-1]
    return call.params["trigger_id"], call.result["view"]


def test_ny_without_text_opens_a_modal(slack: Slack) -> None:
    add_meeting(slack, "Høstmøtet 2027", datetime(2027, 10, 5, 8, 0))
    trigger, view = open_new_form(slack)
    assert trigger == "7001.1.form"
    assert view["type"] == "modal" and view["title"]["text"] == "Nytt oppfølgingspunkt"
    assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
    inputs = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert inputs["text"]["type"] == "plain_text_input" and inputs["text"]["multiline"]
    assert inputs["parties"]["type"] == "multi_static_select"
    values = {o["value"] for o in inputs["parties"]["options"]}
    assert {"au", "kdd", "vestland", "fylkeskommunene"} <= values and "viken" not in values
    assert inputs["deadline_date"]["type"] == "datepicker"
    assert inputs["deadline_text"]["placeholder"]["text"].startswith("f.eks. til neste møte")
    assert "Høstmøtet 2027" in all_text([inputs["meeting"]])
    assert "case" in inputs
    assert slack.fake.responses == []  # nothing posted in the channel for opening a form


def test_modal_with_bad_date_shows_the_error_on_that_field(slack: Slack) -> None:
    _, view = open_new_form(slack)
    # Empty required fields need nothing but the submission: answered on the fields in the acknowledgement.
    status, answer = slack.submit(view, {"text": "", "parties": []})
    assert status == 200 and answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"text", "parties"}
    # A date the handler cannot read: acknowledged first, then the form again with the error under its field.
    values = {"text": "Lage et notat", "parties": ["au"], "deadline_text": "31.02.2027"}
    again = slack.submit_and_wait(view, values, view_hash="h2")
    errors = {b["block_id"]: all_text([b]) for b in again["blocks"] if b["block_id"].startswith("oppf_err_")}
    assert set(errors) == {"oppf_err_top", "oppf_err_deadline_text"} and "31" in errors["oppf_err_deadline_text"]
    kept = {b["block_id"]: b["element"] for b in again["blocks"] if b["type"] == "input"}
    assert kept["text"]["initial_value"] == "Lage et notat"
    assert [o["value"] for o in kept["parties"]["initial_options"]] == ["au"]
    assert kept["deadline_text"]["initial_value"] == "31.02.2027"
    again = slack.submit_and_wait(again, {"text": "Lage et notat", "parties": ["au"], "deadline_date": "2026-01-05"},
                                  view_hash="h3")
    errors = {b["block_id"]: all_text([b]) for b in again["blocks"] if b["block_id"].startswith("oppf_err_")}
    assert set(errors) == {"oppf_err_top", "oppf_err_deadline_date"} and "tilbake i tid" in errors["oppf_err_deadline_date"]
    assert count_actions(slack) == 0
    assert slack.fake.responses == [] or all(r.get("response_type") != "in_channel" for _, r in slack.fake.responses)


def test_valid_modal_submission_saves_and_announces_in_the_channel(slack: Slack) -> None:
    meeting = add_meeting(slack, "Vårmøtet 2027", datetime(2027, 3, 10, 9, 0))
    _, view = open_new_form(slack)
    values = {"text": "Invitere til fagdag om EU-midler", "parties": ["au", "kdd"], "deadline_text": "til neste møte",
              "meeting": str(meeting), "case": "24/0815"}
    receipt = slack.submit_and_wait(view, values)  # acknowledged at once ("saving"), then the receipt
    assert "Registrert som punkt 1" in all_text(receipt["blocks"]) and "submit" not in receipt
    with slack.app.sessions() as session:
        action = session.scalars(select(Action)).one()
        assert action.party_keys == ["au", "kdd"]
        assert (action.deadline, action.meeting_id, action.case_ref) == (date(2027, 3, 10), meeting, "24/0815")
    announced = slack.fake.wait_responses(1)[0]
    assert announced["response_type"] == "in_channel"
    assert "Registrert som punkt 1" in announced["text"]
    # Slack may deliver the same submission twice: still one action.
    slack.now += timedelta(seconds=1)  # a new delivery: a new timestamp and signature
    slack.submit_and_wait(view, values)
    assert count_actions(slack) == 1


def test_form_titles_fit_block_kit_limits(slack: Slack) -> None:
    _, view = open_new_form(slack)
    assert len(view["title"]["text"]) <= 24 and len(view["close"]["text"]) <= 24
    for block in view["blocks"]:
        assert len(block["label"]["text"]) <= 2000
        for option in block["element"].get("options", []):
            assert len(option["text"]["text"]) <= 75 and len(option["value"]) <= 150
    assert len(view["private_metadata"]) <= 3000
