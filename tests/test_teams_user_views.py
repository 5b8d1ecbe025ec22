"""A view meant for the one who clicked is theirs alone: user-specific views (Universal Actions).

A list shown again after a click in a channel, or a form with the clicker's errors, answers the
click and carries `refresh` with `userIds` naming only the clicker; it never replaces the card for
everyone. Their client asks for it again with the documented automatic-refresh invoke
(tests/fixtures/teams/adaptiveCard_action_refresh.json, adaptiveCard_action.json for clicks), which
only reads. An Action.Submit click, which has no answer of its own, posts a placeholder for everyone
that refreshes to the view for the clicker only.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from storage.models import Action, ActionEvent
from tests.support.teams_harness import (
    CHANNEL,
    KARI,
    OLA,
    TeamsHarness,
    User,
    action_for,
    actions,
    base_activity,
    inputs,
    submit,
    teams_fixture,  # noqa: F401  (the `teams` fixture)
    texts,
)

FIXTURES = Path(__file__).parent / "fixtures" / "teams"
INVOKE_CARD = "application/vnd.microsoft.card.adaptive"


def documented(name: str, h: TeamsHarness, user: User, data: dict[str, Any] | None = None,
               **changes: Any) -> dict[str, Any]:
    payload = {k: v for k, v in json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")).items()
               if not k.startswith("_")}
    activity = base_activity(h, user=user, conversation=CHANNEL, kind="channel") | copy.deepcopy(payload) | changes
    if data is not None:
        activity["value"]["action"]["data"] = data
    return activity


def counts(h: TeamsHarness) -> tuple[int, int, int]:
    """(actions, done actions, history events)."""
    assert h.app is not None
    with h.app.sessions() as session:
        return (session.scalar(select(func.count()).select_from(Action)) or 0,
                session.scalar(select(func.count()).select_from(Action).where(Action.status == "done")) or 0,
                session.scalar(select(func.count()).select_from(ActionEvent)) or 0)


def channel_list(h: TeamsHarness) -> dict[str, Any]:
    for text in ("AU: Første sak", "AU: Andre sak"):
        h.say(f"ny {text}", user=OLA)
    (listing,) = h.say("liste", user=OLA, conversation=CHANNEL, kind="channel", mention=True)
    h.connector.clear()
    return listing


def test_a_click_on_a_channel_list_answers_the_clicker_only(teams: TeamsHarness) -> None:
    listing = channel_list(teams)
    done = action_for(listing, "ferdig 1")
    response = teams.post(documented("adaptiveCard_action", teams, OLA, data=done["data"], replyToId="msg-list"))
    assert response.status == 200 and response.body["type"] == INVOKE_CARD
    view = response.body["value"]
    assert texts(view).startswith("✔ Punkt 1 er markert som ferdig") and "Andre sak" in texts(view)
    refresh = view["refresh"]
    assert refresh["userIds"] == [OLA.teams_id]
    assert refresh["action"]["type"] == "Action.Execute" and refresh["action"]["verb"] == "oppfolging"
    assert refresh["action"]["data"] == {"oppfolging": "view", "command": "liste", "for": OLA.teams_id,
                                         "banner": "Punkt 1 er markert som ferdig"}
    # Nothing of Ola's view went to the channel: no card replaced, nothing posted.
    assert teams.connector.calls == []
    assert counts(teams) == (2, 1, 3)  # two created, one marked done


def test_the_refresh_shows_the_view_again_to_its_owner_only_and_only_reads(teams: TeamsHarness) -> None:
    listing = channel_list(teams)
    clicked = teams.post(documented("adaptiveCard_action", teams, OLA, data=action_for(listing, "ferdig 1")["data"],
                                    replyToId="msg-list"))
    refresh_data = clicked.body["value"]["refresh"]["action"]["data"]
    before = counts(teams)

    again = teams.post(documented("adaptiveCard_action_refresh", teams, OLA, data=refresh_data, replyToId="msg-list"))
    assert again.status == 200 and again.body["type"] == INVOKE_CARD
    assert texts(again.body["value"]).startswith("✔ Punkt 1 er markert som ferdig")
    assert again.body["value"]["refresh"]["userIds"] == [OLA.teams_id]

    # A client that ignores userIds asks too: Kari gets her own view, without Ola's banner or refresh.
    other = teams.post(documented("adaptiveCard_action_refresh", teams, KARI, data=refresh_data, replyToId="msg-list"))
    assert other.status == 200 and "markert som ferdig" not in texts(other.body["value"])
    assert "Andre sak" in texts(other.body["value"]) and "refresh" not in other.body["value"]

    # A view never writes, whatever its data says.
    forged = {"oppfolging": "view", "command": "ferdig 2", "for": KARI.teams_id}
    teams.post(documented("adaptiveCard_action_refresh", teams, OLA, data=forged, replyToId="msg-list"))
    assert counts(teams) == before
    assert teams.connector.calls == []


def test_action_submit_errors_in_a_channel_are_not_shown_to_everyone(teams: TeamsHarness) -> None:
    (form,) = teams.say("ny", user=OLA, conversation=CHANNEL, kind="channel", mention=True)
    teams.connector.clear()
    (save,) = actions(form, "Lagre")
    typed = {"f:text": "  ", "f:parties": "", "f:case": "hemmelig-sak-77"}
    response = teams.post(submit(teams, save, typed, card_id="msg-form", user=OLA, conversation=CHANNEL,
                                 kind="channel"))
    assert response.status in (200, 202)
    assert teams.connector.updates == []  # the form everyone sees is not replaced by Ola's errors
    (post,) = teams.connector.delivered
    (placeholder,) = post.cards
    assert "Svar til Ola Vestland" in texts(placeholder) and "hemmelig-sak-77" not in json.dumps(placeholder)
    assert placeholder["refresh"]["userIds"] == [OLA.teams_id]
    data = placeholder["refresh"]["action"]["data"]
    assert data == {"oppfolging": "view", "command": "ny", "for": OLA.teams_id}
    assert counts(teams) == (0, 0, 0)

    # Ola's client refreshes the placeholder to the form.
    again = teams.post(documented("adaptiveCard_action_refresh", teams, OLA, data=data, replyToId=post.answer_id))
    assert "f:text" in inputs(again.body["value"])
    assert counts(teams) == (0, 0, 0)
