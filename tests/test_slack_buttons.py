"""Slack end to end: buttons (Ferdig, Utsett, Kommenter, Vis), in-place updates and refusals, over real HTTP."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from handlers.core.context import Actor
from storage.models import Action, ActionEvent, Comment, Person
from tests.support.slack_harness import Slack, all_text, buttons, loop_fixture, slack_fixture  # noqa: F401

ADMIN = Actor("console", "local", "lokal operatør")


def add(slack: Slack, text: str) -> int:
    reply = slack.app.handle(f"/oppfølging ny {text}", ADMIN)
    assert not reply.error, reply.lines
    return reply.data["action"]["id"]


def join(slack: Slack, party: str, user: str = "U0KARI") -> None:
    slack.command(f"medlem {party}", user=user)
    slack.fake.wait_for(lambda fake: any("medlem" in all_text(b["blocks"]) for _, b in fake.responses))


def private_list(slack: Slack, command: str = "liste") -> dict[str, Any]:
    before = len(slack.fake.responses)
    slack.command(command)
    return slack.fake.wait_responses(before + 1)[before]


def action(slack: Slack, action_id: int) -> Action:
    with slack.app.sessions() as session:
        row = session.get(Action, action_id)
        assert row is not None
        _ = row.party_keys
        return row


def status_events(slack: Slack, action_id: int) -> list[tuple[str, str, str]]:
    with slack.app.sessions() as session:
        rows = session.execute(
            select(ActionEvent.new_value, ActionEvent.source, Person.external_id)
            .join(Person, Person.id == ActionEvent.actor_id)
            .where(ActionEvent.action_id == action_id, ActionEvent.kind == "status")
        ).all()
    return [tuple(r) for r in rows]


def test_done_on_a_private_list_updates_it_in_place_and_records_the_slack_user(slack: Slack) -> None:
    first = add(slack, "AU: Forberede agenda innen 15. januar")
    second = add(slack, "AU: Bestille lokale innen 20. januar")
    join(slack, "AU")
    listing = private_list(slack)
    before = len(slack.fake.responses)
    status, _ = slack.click(buttons(listing["blocks"], first)["Ferdig"], ephemeral=True)
    assert status == 200

    update = slack.fake.wait_responses(before + 1)[before]
    assert update["replace_original"] is True and update["response_type"] == "ephemeral"
    text = all_text(update["blocks"])
    assert "Punkt 1 er markert som ferdig (av <@U0KARI>)" in text
    assert f"#{first}*" not in text and f"#{second}*" in text  # the open list, rendered again
    assert action(slack, first).status == "done"
    assert status_events(slack, first) == [("done", "slack", "U0KARI")]


def test_done_in_a_channel_message_replaces_only_that_item(slack: Slack) -> None:
    join(slack, "AU")
    before = len(slack.fake.responses)
    slack.command("ny AU: Sende invitasjon innen 1. februar")
    created = slack.fake.wait_responses(before + 1)[before]
    assert created["response_type"] == "in_channel"
    message = {"text": created["text"], "blocks": created["blocks"]}
    header = created["blocks"][0]

    slack.click(buttons(created["blocks"], 1)["Ferdig"], message=message)
    update = slack.fake.wait_responses(before + 2)[before + 1]
    assert update["replace_original"] is True
    assert update["blocks"][0] == header  # the rest of the message is untouched
    text = all_text(update["blocks"])
    assert "✅ *#1*" in text and "Status: ferdig" in text
    assert set(buttons(update["blocks"], 1)) == {"Gjenåpne", "Vis"}
    assert "(av <@U0KARI>)" in text
    ids = [e["action_id"] for b in update["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert len(ids) == len(set(ids))


def test_a_click_without_the_right_is_refused_with_a_reason(slack: Slack) -> None:
    action_id = add(slack, "KDD: Svare på brevet innen 1. mars")
    listing = private_list(slack)
    before = len(slack.fake.responses)
    slack.click(buttons(listing["blocks"], action_id)["Ferdig"], user="U0OLA", ephemeral=True)
    answer = slack.fake.wait_responses(before + 1)[before]
    assert answer["replace_original"] is False and answer["response_type"] == "ephemeral"
    text = all_text(answer["blocks"])
    assert "Bare medlemmer av den ansvarlige parten (Kommunal- og distriktsdepartementet)" in text
    assert "/oppfølging medlem PART" in text
    assert action(slack, action_id).status == "open"
    assert status_events(slack, action_id) == []


def test_utsett_opens_a_date_picker_and_the_submission_postpones(slack: Slack) -> None:
    action_id = add(slack, "AU: Oppdatere nettsiden innen 15. desember")
    join(slack, "AU")
    listing = private_list(slack)
    before = len(slack.fake.responses)
    slack.click(buttons(listing["blocks"], action_id)["Utsett"], ephemeral=True)
    view = slack.fake.opened_view()
    assert view["title"]["text"] == "Ny frist" and len(view["title"]["text"]) <= 24
    assert [b["element"]["type"] for b in view["blocks"] if b["type"] == "input"] == ["datepicker"]
    assert slack.fake.responses[before:] == []  # nothing changes until the form is sent

    # A date in the past is the handler's to refuse: the modal is acknowledged ("saving"), then shows the
    # form again with the reason under the field and the date kept.
    again = slack.submit_and_wait(view, {"value": "2026-10-01"})
    assert action(slack, action_id).deadline == date(2026, 12, 15)
    error = next(b for b in again["blocks"] if b.get("block_id") == "oppf_err_value")
    assert "har allerede vært" in all_text([error])
    assert next(b for b in again["blocks"] if b["type"] == "input")["element"]["initial_date"] == "2026-10-01"

    receipt = slack.submit_and_wait(again, {"value": "2027-02-05"})
    assert "submit" not in receipt and "Punkt 1 er utsatt til 5. februar 2027" in all_text(receipt["blocks"])
    assert action(slack, action_id).deadline == date(2027, 2, 5)
    update = slack.fake.wait_responses(before + 1)[before]
    assert update["replace_original"] is True
    text = all_text(update["blocks"])
    assert "Punkt 1 er utsatt til 5. februar 2027 (av <@U0KARI>)" in text
    assert "Frist: 5. februar 2027" in text


def test_utsett_from_a_channel_message_replaces_the_item_after_the_modal(slack: Slack) -> None:
    join(slack, "AU")
    before = len(slack.fake.responses)
    slack.command("ny AU: Skrive høringssvar innen 10. januar")
    created = slack.fake.wait_responses(before + 1)[before]
    slack.click(buttons(created["blocks"], 1)["Utsett"], message={"text": created["text"], "blocks": created["blocks"]})
    slack.submit_and_wait(slack.fake.opened_view(), {"value": "2027-01-20"})
    update = slack.fake.wait_responses(before + 2)[before + 1]
    assert update["replace_original"] is True
    assert update["blocks"][0] == created["blocks"][0]
    assert "Frist: 20. januar 2027" in all_text(update["blocks"])


def test_when_the_channel_message_is_unknown_the_change_is_posted_not_overwritten(slack: Slack) -> None:
    join(slack, "AU")
    before = len(slack.fake.responses)
    slack.command("ny AU: Rydde i delte filer innen 10. januar")
    created = slack.fake.wait_responses(before + 1)[before]
    slack.click(buttons(created["blocks"], 1)["Utsett"], message={"text": created["text"], "blocks": created["blocks"]})
    opened = slack.fake.opened_view()
    # Another replica (or a restart) gets the submission: it never saw the message.
    slack.submit_and_wait(opened, {"value": "2027-01-22"}, view_id="VELSEWHERE")
    posted = slack.fake.wait_responses(before + 2)[before + 1]
    assert posted["replace_original"] is False and posted["response_type"] == "in_channel"
    assert "Punkt 1 er utsatt til 22. januar 2027" in posted["text"]


def test_kommenter_asks_for_text_and_stores_the_comment(slack: Slack) -> None:
    action_id = add(slack, "AU: Samle innspill innen 20. desember")
    join(slack, "AU")
    listing = private_list(slack)
    slack.click(buttons(listing["blocks"], action_id)["Kommenter"], ephemeral=True)
    view = slack.fake.opened_view()
    element = next(b["element"] for b in view["blocks"] if b["type"] == "input")
    assert element["type"] == "plain_text_input" and element["multiline"] is True
    _, answer = slack.submit(view, {"value": "  "})
    assert answer["response_action"] == "errors"
    slack.submit_and_wait(view, {"value": "Utkast sendt til KS\nVenter på svar"}, view_hash="h2")
    with slack.app.sessions() as session:
        comment = session.scalars(select(Comment)).one()
        assert comment.text == "Utkast sendt til KS\nVenter på svar" and comment.source == "slack"


def test_vis_shows_details_without_replacing_the_list(slack: Slack) -> None:
    action_id = add(slack, "AU: Lage referat innen 30. desember")
    slack.app.handle(f"/oppfølging kommenter {action_id} Første utkast er klart", ADMIN)
    listing = private_list(slack)
    before = len(slack.fake.responses)
    slack.click(buttons(listing["blocks"], action_id)["Vis"], user="U0OLA", ephemeral=True)
    answer = slack.fake.wait_responses(before + 1)[before]
    assert answer["replace_original"] is False and answer["response_type"] == "ephemeral"
    text = all_text(answer["blocks"])
    assert "Punkt 1" in text and "Historikk" in text and "Første utkast er klart" in text


def test_next_page_replaces_the_private_list(slack: Slack) -> None:
    for n in range(23):
        add(slack, f"AU: Oppgave nummer {n + 1}")
    listing = private_list(slack)
    assert len(listing["blocks"]) <= 50
    before = len(slack.fake.responses)
    slack.click(buttons(listing["blocks"])["Neste side"], ephemeral=True)
    page = slack.fake.wait_responses(before + 1)[before]
    assert page["replace_original"] is True
    assert "Side 2 av 2" in all_text(page["blocks"])


def test_usergroup_mapping_gives_party_rights(slack: Slack) -> None:
    slack.fake.add_usergroup("au", ["U0ANNE"])
    slack.fake.add_usergroup("ks", ["U0ANNE"])  # not mapped: gives nothing
    action_id = add(slack, "AU: Kalle inn til møte innen 10. januar")
    listing = private_list(slack)
    before = len(slack.fake.responses)
    slack.click(buttons(listing["blocks"], action_id)["Ferdig"], user="U0ANNE", ephemeral=True)
    slack.fake.wait_responses(before + 1)
    assert action(slack, action_id).status == "done"
    assert status_events(slack, action_id) == [("done", "slack", "U0ANNE")]
    lists = slack.fake.of("usergroups.users.list")
    assert [c.params["usergroup"] for c in lists] == ["S0001"]  # only the mapped group is read

    other = add(slack, "AU: Noe annet innen 11. januar")
    slack.click(buttons(private_list(slack)["blocks"], other)["Ferdig"], user="U0PER", ephemeral=True)
    refused = slack.fake.wait_responses(before + 3)[before + 2]
    assert "Bare medlemmer" in all_text(refused["blocks"])
    assert action(slack, other).status == "open"
    assert len(slack.fake.of("usergroups.list")) == 1  # the members are kept for a while


def test_an_outdated_button_is_explained(slack: Slack) -> None:
    fake_button = {"action_id": "oppf_btn_1", "text": {"type": "plain_text", "text": "Ferdig"}, "value": "not json"}
    slack.click(fake_button, ephemeral=True)
    answer = slack.fake.wait_responses(1)[0]
    assert "utdatert" in all_text(answer["blocks"])
