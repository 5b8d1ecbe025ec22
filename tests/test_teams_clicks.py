"""Card actions and the add-action form in Teams: invokes and submits over HTTP, answers and card updates."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from handlers.core.catalog import t
from handlers.core.context import Actor
from storage.models import Action, ActionEvent, Comment
from tests.support.teams_harness import (
    CHANNEL,
    KARI,
    OLA,
    TeamsHarness,
    action_for,
    actions,
    base_activity,
    inputs,
    submit,
    teams_fixture,  # noqa: F401  (the `teams` fixture)
    texts,
)

INVOKE_CARD = "application/vnd.microsoft.card.adaptive"
INVOKE_MESSAGE = "application/vnd.microsoft.activity.message"


def action_row(h: TeamsHarness, action_id: int) -> Action:
    assert h.app is not None
    with h.app.sessions() as session:
        row = session.get(Action, action_id)
        assert row is not None
        return row


def create(h: TeamsHarness, text: str) -> dict:
    """An action created by an admin in the 1:1 chat; returns the card the bot answered with."""
    return h.say(f"ny {text}", user=OLA)[0]


def test_done_replaces_the_card_for_everyone(teams: TeamsHarness) -> None:
    card = create(teams, "AU: Sende brev til KDD innen 15. juni")
    response = teams.click(action_for(card, "ferdig 1"), user=OLA, card_id="msg-77")
    assert response.status == 200
    assert response.body["statusCode"] == 200 and response.body["type"] == INVOKE_CARD
    new_card = response.body["value"]
    assert "Punkt 1 er markert som ferdig" in texts(new_card)
    assert actions(new_card, "Gjenåpne") and not actions(new_card, "Ferdig")
    # Everyone in the conversation sees the new state: the card message itself is updated.
    update = teams.connector.updates[-1]
    assert update.activity_id == "msg-77" and update.cards == [new_card]
    row = action_row(teams, 1)
    assert row.status == "done"
    assert teams.app is not None
    with teams.app.sessions() as session:
        event = session.scalars(select(ActionEvent).where(ActionEvent.kind == "status")).one()
        assert event.source == "teams" and event.actor.external_id == OLA.aad


def test_postpone_asks_for_a_date(teams: TeamsHarness) -> None:
    card = create(teams, "AU: Lage forslag innen 1. mars")
    postpone = action_for(card, "utsett 1")
    field = postpone["data"]["ask"]
    assert inputs(card)[field]["type"] == "Input.Date"

    empty = teams.click(postpone, user=OLA)
    assert empty.body["type"] == INVOKE_MESSAGE and "Ny frist" in empty.body["value"]
    assert action_row(teams, 1).deadline.isoformat() == "2027-03-01"

    done = teams.click(postpone, user=OLA, inputs={field: "2027-06-15"})
    assert "utsatt til 15. juni 2027" in texts(done.body["value"])
    assert action_row(teams, 1).deadline.isoformat() == "2027-06-15"

    wrong = teams.click(postpone, user=OLA, inputs={field: "2020-01-01"})
    assert wrong.body["type"] == INVOKE_MESSAGE
    assert action_row(teams, 1).deadline.isoformat() == "2027-06-15"


def test_comment_asks_for_a_text(teams: TeamsHarness) -> None:
    card = create(teams, "AU: Lage forslag")
    comment = action_for(card, "kommenter 1")
    field = comment["data"]["ask"]
    assert inputs(card)[field]["type"] == "Input.Text"
    response = teams.click(comment, user=OLA, inputs={field: "Utkast sendt på høring\nSvar innen fredag"})
    assert t("actions.commented", id=1) in texts(response.body["value"])
    assert teams.app is not None
    with teams.app.sessions() as session:
        assert session.scalars(select(Comment.text)).all() == ["Utkast sendt på høring\nSvar innen fredag"]


def test_show_is_posted_as_a_new_message(teams: TeamsHarness) -> None:
    card = create(teams, "AU: Lage forslag")
    before = len(teams.connector.delivered)
    response = teams.click(action_for(card, "vis 1"), user=KARI)
    assert response.body["type"] == INVOKE_MESSAGE
    posted = teams.connector.delivered[before:]
    assert len(posted) == 1 and "Historikk" in texts(posted[0].cards[0])
    assert teams.connector.updates == []


def test_a_list_is_shown_again_up_to_date_after_a_click(teams: TeamsHarness) -> None:
    create(teams, "AU: Første sak")
    create(teams, "AU: Andre sak")
    listing = teams.say("liste", user=OLA)[0]
    done = action_for(listing, "ferdig 1")
    assert done["data"]["source"] == "liste"
    response = teams.click(done, user=OLA)
    refreshed = response.body["value"]
    body = texts(refreshed)
    assert body.startswith("✔ Punkt 1 er markert som ferdig")
    assert "Andre sak" in body and "Første sak" not in body
    # The list is the clicker's view, so only their copy changes.
    assert teams.connector.updates == []


def test_a_refused_click_changes_nothing(teams: TeamsHarness) -> None:
    card = create(teams, "AU: Sende brev")
    response = teams.click(action_for(card, "ferdig 1"), user=KARI)
    assert response.status == 200 and response.body["type"] == INVOKE_MESSAGE
    assert "Bare medlemmer" in response.body["value"] and "`" not in response.body["value"]
    assert action_row(teams, 1).status == "open"
    assert teams.connector.updates == []


@pytest.mark.parametrize(
    "value",
    [
        {"action": {"type": "Action.Execute", "verb": "oppfolging", "data": {"oppfolging": "command"}}},
        {"action": {"type": "Action.Execute", "verb": "oppfolging", "data": {"oppfolging": "slett-alt"}}},
        {"action": {"type": "Action.Execute", "verb": "noe-annet", "data": {}}},
        {"no": "action"},
        None,
    ],
)
def test_every_card_invoke_gets_an_answer_and_garbage_runs_nothing(teams: TeamsHarness, value: object) -> None:
    create(teams, "AU: Sende brev")
    activity = base_activity(teams, user=OLA)
    activity |= {"type": "invoke", "name": "adaptiveCard/action", "replyToId": "msg-1", "value": value}
    response = teams.post(activity)
    assert response.status == 200
    assert response.body["type"] == INVOKE_MESSAGE and "kan ikke brukes" in response.body["value"]
    assert teams.app is not None
    with teams.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ActionEvent)) == 1  # only "created"


def test_action_submit_clicks_update_the_card(teams: TeamsHarness) -> None:
    card = create(teams, "AU: Sende brev")
    response = teams.post(submit(teams, action_for(card, "ferdig 1"), card_id="msg-9", user=OLA))
    assert response.status in (200, 202)
    update = teams.connector.updates[-1]
    assert update.activity_id == "msg-9" and "Punkt 1 er markert som ferdig" in texts(update.cards[0])
    assert action_row(teams, 1).status == "done"


def test_clicks_in_a_channel_answer_in_the_channel(teams: TeamsHarness) -> None:
    card = teams.say("ny AU: Sende brev", user=OLA, conversation=CHANNEL, kind="channel", mention=True)[0]
    response = teams.click(action_for(card, "ferdig 1"), user=OLA, conversation=CHANNEL, kind="channel",
                           card_id="msg-55")
    assert response.body["type"] == INVOKE_CARD
    assert teams.connector.updates[-1].conversation_id == CHANNEL


# --- the add-action form -------------------------------------------------------------------------


def open_form(h: TeamsHarness) -> dict:
    card = h.say("ny")[0]
    assert "Nytt oppfølgingspunkt" in texts(card)
    return card


def test_the_form_shows_its_fields(teams: TeamsHarness) -> None:
    card = open_form(teams)
    fields = inputs(card)
    assert set(fields) == {"f:text", "f:parties", "f:deadline_date", "f:deadline_text", "f:meeting", "f:case"}
    assert fields["f:text"]["isMultiline"] and fields["f:text"]["isRequired"]
    assert fields["f:parties"]["isMultiSelect"]
    assert {"title": "Arbeidsutvalget for Nasjonal samhandlingsmodell", "value": "au"} in fields["f:parties"]["choices"]
    assert fields["f:deadline_date"]["type"] == "Input.Date"
    (save,) = actions(card, "Lagre")
    assert save["type"] == "Action.Execute" and save["data"]["form"] == "new_action"


def test_form_errors_are_shown_in_the_form_and_nothing_is_saved(teams: TeamsHarness) -> None:
    card = open_form(teams)
    (save,) = actions(card, "Lagre")
    response = teams.click(save, inputs={"f:text": "  ", "f:parties": "", "f:deadline_date": "2020-01-01",
                                         "f:case": "24/1"})
    assert response.status == 200 and response.body["type"] == INVOKE_CARD
    form = response.body["value"]
    body = texts(form)
    assert t("form.invalid") in body
    for message in (t("actions.no_text"), t("actions.no_party"), t("form.deadline_past")):
        assert "⚠ " + message in body
    # What was typed is still there, so it can be corrected.
    assert inputs(form)["f:deadline_date"]["value"] == "2020-01-01"
    assert inputs(form)["f:case"]["value"] == "24/1"
    assert teams.connector.updates == []  # only the person filling it in sees their errors

    both = teams.click(save, inputs={"f:text": "Noe", "f:parties": "au", "f:deadline_date": "2027-03-01",
                                     "f:deadline_text": "uke 35"})
    assert t("form.deadline_both") in texts(both.body["value"])
    assert teams.app is not None
    with teams.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 0


def test_a_valid_form_creates_the_action_and_replaces_the_form(teams: TeamsHarness) -> None:
    card = open_form(teams)
    (save,) = actions(card, "Lagre")
    response = teams.click(save, card_id="msg-form", inputs={
        "f:text": "Lage invitasjon til fagdag", "f:parties": "au,kdd", "f:deadline_date": "2027-03-01",
        "f:deadline_text": "", "f:meeting": "", "f:case": "24/123"})
    assert "Registrert som punkt 1" in texts(response.body["value"])
    assert teams.connector.updates[-1].activity_id == "msg-form"
    assert teams.app is not None
    with teams.app.sessions() as session:
        row = session.get(Action, 1)
        assert row is not None
        assert (row.text, row.party_keys, row.deadline.isoformat(), row.case_ref, row.source) == (
            "Lage invitasjon til fagdag", ["au", "kdd"], "2027-03-01", "24/123", "teams")


def test_form_errors_with_action_submit_update_the_form_card(teams: TeamsHarness) -> None:
    card = open_form(teams)
    (save,) = actions(card, "Lagre")
    teams.post(submit(teams, save, {"f:text": "Noe", "f:parties": "narnia"}, card_id="msg-f"))
    update = teams.connector.updates[-1]
    assert update.activity_id == "msg-f"
    assert "narnia" in texts(update.cards[0]).lower()
    assert inputs(update.cards[0])["f:text"]["value"] == "Noe"
    assert teams.app is not None
    assert not teams.app.handle("liste", Actor("teams", KARI.aad)).items


def test_showing_a_list_again_never_changes_anything(teams: TeamsHarness) -> None:
    """Even if a click's data named a changing command as the list to show again, nothing is kept."""
    create(teams, "AU: Første sak")
    card = create(teams, "AU: Andre sak")
    forged = action_for(card, "ferdig 2")
    forged = forged | {"data": forged["data"] | {"source": "avbryt 1"}}
    response = teams.click(forged, user=OLA)
    assert response.body["type"] == INVOKE_CARD
    assert action_row(teams, 2).status == "done"
    assert action_row(teams, 1).status == "open"


def test_the_optional_meeting_choice_has_no_empty_value_and_none_is_stored(teams: TeamsHarness) -> None:
    """Renderers refuse a choice with an empty value (PropertyCantBeNull): "(ingen)" carries a value of its own."""
    card = open_form(teams)
    meeting = inputs(card)["f:meeting"]
    (none,) = [c for c in meeting["choices"] if c["title"] == t("teams.no_choice")]
    assert none["value"] and all(c["value"].strip() for c in meeting["choices"])
    (save,) = actions(card, "Lagre")
    response = teams.click(save, card_id="msg-form", inputs={
        "f:text": "Lage invitasjon til fagdag", "f:parties": "au", "f:deadline_date": "2027-03-01",
        "f:meeting": none["value"]})
    assert "Registrert som punkt 1" in texts(response.body["value"])
    assert teams.connector.updates[-1].activity_id == "msg-form"
    assert teams.app is not None
    with teams.app.sessions() as session:
        row = session.get(Action, 1)
        assert row is not None and row.meeting_id is None and row.party_keys == ["au"]
