"""The Teams message extension over real HTTP: "Lag oppfølgingspunkt" on a message (fetchTask →
dialog → submitAction) and the compose-box search (query), in the documented invoke formats
(fixtures in tests/fixtures/teams/, each naming its page)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.teams.cards import NO_CHOICE
from handlers.core.context import Actor
from storage.models import Action
from tests.support.teams_harness import (
    GROUP,
    KARI,
    TeamsHarness,
    base_activity,
    teams_fixture,  # noqa: F401  (the `teams` fixture)
    texts,
)

FIXTURES = Path(__file__).parent / "fixtures" / "teams"
LINK = "https://teams.microsoft.com/l/message/19:group-chat-meeting@thread.v2/1790000123456"
ADAPTIVE = "application/vnd.microsoft.card.adaptive"


def invoke(h: TeamsHarness, name: str, **value: Any) -> dict[str, Any]:
    fixture = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    activity = base_activity(h, user=KARI, conversation=GROUP, kind="groupChat")
    activity |= {"type": fixture["type"], "name": fixture["name"], "value": copy.deepcopy(fixture["value"]) | value}
    response = h.post(activity)
    assert response.status == 200, response
    return response.body  # type: ignore[no-any-return]


def fields(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"][2:]: e for e in card["body"] if str(e.get("id", "")).startswith("f:")}


def submit_data(card: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """What Teams sends for the dialog's Action.Submit: the action's data with the inputs merged in."""
    action = card["actions"][0]
    assert action["type"] == "Action.Submit"
    return dict(action["data"]) | {f"f:{k}": v for k, v in values.items()}


def stored(h: TeamsHarness) -> list[tuple[str, list[str], str | None, str | None]]:
    assert h.app is not None
    with h.app.sessions() as session:
        return [(a.text, a.party_keys, a.deadline.isoformat() if a.deadline else None, a.source_link)
                for a in session.scalars(select(Action).order_by(Action.id))]


def test_message_action_opens_the_prefilled_dialog_and_stores_with_the_link(teams: TeamsHarness) -> None:
    answer = invoke(teams, "composeExtension_fetchTask")
    task = answer["task"]
    assert task["type"] == "continue" and task["value"]["card"]["contentType"] == ADAPTIVE
    card = task["value"]["card"]["content"]
    form = fields(card)
    assert form["text"]["value"] == "Vi ble enige om at Kari og KDD sender oversikten & notatet"
    assert form["parties"]["value"] == "kdd"
    assert form["deadline_date"]["value"] == "2027-06-15"

    values = {"text": form["text"]["value"], "parties": "kdd", "deadline_date": "2027-06-15"}
    answer = invoke(teams, "composeExtension_submitAction", data=submit_data(card, values))
    result = answer["composeExtension"]
    assert result["type"] == "result" and result["attachments"][0]["contentType"] == ADAPTIVE
    assert "Vi ble enige om at Kari og KDD sender oversikten & notatet" in texts(result["attachments"][0]["content"])
    assert stored(teams) == [("Vi ble enige om at Kari og KDD sender oversikten & notatet", ["kdd"], "2027-06-15",
                              LINK)]


def test_a_message_with_no_text_opens_the_empty_form(teams: TeamsHarness) -> None:
    payload = json.loads((FIXTURES / "composeExtension_fetchTask.json").read_text())["value"]["messagePayload"]
    payload["body"] = {"contentType": "html", "content": ""}
    payload["attachments"] = [{"contentType": "reference", "name": "bilde.png"}]
    card = invoke(teams, "composeExtension_fetchTask", messagePayload=payload)["task"]["value"]["card"]["content"]
    assert "value" not in fields(card)["text"]
    assert card["actions"][0]["data"]["context"] == {"link": LINK}


def test_a_message_the_app_cannot_read_is_explained(teams: TeamsHarness) -> None:
    payload = {"id": "1790000999", "body": {"contentType": "html", "content": ""}, "attachments": []}
    answer = invoke(teams, "composeExtension_fetchTask", messagePayload=payload)
    assert answer["task"]["type"] == "message" and "Jeg får ikke lest den meldingen" in answer["task"]["value"]
    assert stored(teams) == []


def test_a_refused_submit_shows_the_dialog_again_and_saves_nothing(teams: TeamsHarness) -> None:
    card = invoke(teams, "composeExtension_fetchTask")["task"]["value"]["card"]["content"]
    answer = invoke(teams, "composeExtension_submitAction",
                    data=submit_data(card, {"text": "Noe", "parties": "", "deadline_text": "31.02.2027"}))
    assert answer["task"]["type"] == "continue"
    assert "⚠" in texts(answer["task"]["value"]["card"]["content"])
    assert stored(teams) == []


def test_compose_box_search_returns_cards(teams: TeamsHarness) -> None:
    assert teams.app is not None
    admin = Actor("console", "local", "lokal operatør")
    for text in ("AU: Sende brev til KDD", "KS: Skrive referat", "AU: Svare på brev fra Vestland"):
        teams.app.handle(f"/oppfølging ny {text}", admin)
    answer = invoke(teams, "composeExtension_query")
    result = answer["composeExtension"]
    assert result["type"] == "result" and result["attachmentLayout"] == "list"
    assert [a["preview"]["content"]["title"] for a in result["attachments"]] == [
        "#3 Svare på brev fra Vestland", "#1 Sende brev til KDD"]
    assert all(len(json.dumps(a).encode()) < 28_000 for a in result["attachments"])
    none = invoke(teams, "composeExtension_query", parameters=[{"name": "sok", "value": "finnes ikke"}])
    assert none["composeExtension"]["type"] == "message"


def test_the_app_package_declares_the_message_action_and_the_search() -> None:
    from bot.teams.package import PackageSettings, build_manifest

    manifest = build_manifest(PackageSettings(app_id="11111111-2222-3333-4444-555555555555", host="x.example.no", dev=True))
    (extension,) = manifest["composeExtensions"]
    commands = {c["id"]: c for c in extension["commands"]}
    assert (commands["lagOppfolgingspunkt"]["type"], commands["lagOppfolgingspunkt"]["context"]) == ("action", ["message"])
    assert commands["lagOppfolgingspunkt"]["fetchTask"] is True
    assert commands["sokOppfolging"]["type"] == "query"
    assert [p["name"] for p in commands["sokOppfolging"]["parameters"]] == ["sok"]


def invoke_in_meeting(h: TeamsHarness) -> dict[str, Any]:
    """The message action from a meeting's chat: the documented channelData names the meeting."""
    fixture = json.loads((FIXTURES / "composeExtension_fetchTask.json").read_text(encoding="utf-8"))
    meeting = json.loads((FIXTURES / "meeting_chat_channel_data.json").read_text(encoding="utf-8"))["channelData"]
    activity = base_activity(h, user=KARI, conversation=GROUP, kind="groupChat")
    channel_data = dict(activity.get("channelData") or {}) | {"meeting": meeting["meeting"]}
    activity |= {"type": fixture["type"], "name": fixture["name"], "value": copy.deepcopy(fixture["value"]),
                 "channelData": channel_data}
    response = h.post(activity)
    assert response.status == 200, response
    return fields(response.body["task"]["value"]["card"]["content"])  # type: ignore[index]


def test_in_a_meetings_chat_the_days_meeting_is_chosen_when_it_is_clear(teams: TeamsHarness) -> None:
    from datetime import time, timedelta

    from tests.conftest import Bot
    from tests.test_meetings_commands import add_meeting

    assert teams.app is not None
    bot = Bot(teams.app, teams.now)
    nothing = (None, "", NO_CHOICE)  # how the dialog says "no meeting chosen"
    assert invoke_in_meeting(teams)["meeting"].get("value") in nothing  # no meeting today at all
    au = add_meeting(bot, "au", teams.now.date(), time(13), title="AU-møte")
    add_meeting(bot, "au", teams.now.date() + timedelta(days=1), time(13), title="AU-møte")  # tomorrow's: not it
    assert invoke_in_meeting(teams)["meeting"]["value"] == str(au)
    # Outside a meeting's chat the same message names no meeting: nothing is chosen for the person.
    plain = fields(invoke(teams, "composeExtension_fetchTask")["task"]["value"]["card"]["content"])
    assert plain["meeting"].get("value") in nothing
    # Two meetings that day: the person chooses; never the first of them.
    add_meeting(bot, "national-spring", teams.now.date(), time(9), title="Vårmøtet")
    assert invoke_in_meeting(teams)["meeting"].get("value") in nothing
