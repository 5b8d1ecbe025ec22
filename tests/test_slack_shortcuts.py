"""Slack shortcuts over real HTTP: "Lag oppfølgingspunkt" on a message and "Nytt oppfølgingspunkt".

Payloads follow https://api.slack.com/reference/interaction-payloads/shortcuts (fixtures in
tests/fixtures/slack/); the fake Slack answers `chat.getPermalink` and `views.open` as documented.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from handlers.core.context import Actor
from storage.models import Action, Meeting
from tests.conftest import NOW
from tests.support.slack_harness import Slack, all_text, loop_fixture, slack_fixture  # noqa: F401

FIXTURES = Path(__file__).parent / "fixtures" / "slack"
LINK = "https://testlag.slack.com/archives/C0FORUM/p1790000123000200"
ADMIN = Actor("console", "local", "lokal operatør")


def payload(name: str, **changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))
    body.pop("_source")
    body.update(changes)
    return body


def shortcut_on(slack: Slack, **changes: Any) -> tuple[int, str]:
    return slack.post_payload(payload("message_action", response_url=slack.fake.response_url(), **changes))


def opened(slack: Slack) -> dict[str, Any]:
    return slack.fake.wait_calls("views.open")[-1].result["view"]


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


class Stored:
    def __init__(self, action: Action) -> None:
        self.id, self.text, self.party_keys = action.id, action.text, action.party_keys
        self.deadline, self.source_link, self.meeting_id = action.deadline, action.source_link, action.meeting_id


def actions(slack: Slack) -> list[Stored]:
    with slack.app.sessions() as session:
        return [Stored(a) for a in session.scalars(select(Action).order_by(Action.id))]


def add_meeting(slack: Slack, title: str, starts: datetime) -> int:
    with slack.app.sessions() as session:
        meeting = Meeting(kind="national-spring", title=title, starts_at=starts, status="scheduled",
                          created_at=NOW.replace(tzinfo=None), updated_at=NOW.replace(tzinfo=None))
        session.add(meeting)
        session.commit()
        return meeting.id


def test_message_shortcut_prefills_the_form_and_keeps_the_link(slack: Slack) -> None:
    status, body = shortcut_on(slack)
    assert status == 200 and body == ""
    view = opened(slack)
    assert view["callback_id"] == "oppf_capture"
    fields = inputs(view)
    # Slack's escaping read back; the recognised deadline taken out of the text into the date field.
    assert fields["text"]["initial_value"] == "Vi ble enige om at KS og Nordland sender innspill til <departementet>"
    assert [o["value"] for o in fields["parties"]["initial_options"]] == ["ks", "nordland"]
    assert fields["deadline_date"]["initial_date"] == "2027-06-15"
    assert "initial_value" not in fields["deadline_text"]

    status, answer = slack.submit(view, {"text": fields["text"]["initial_value"], "parties": ["ks", "nordland"],
                                         "deadline_date": "2027-06-15"})
    assert status == 200 and answer == {}
    stored = actions(slack)
    assert [(a.text, a.party_keys, a.deadline.isoformat(), a.source_link) for a in stored] == [  # type: ignore[union-attr]
        ("Vi ble enige om at KS og Nordland sender innspill til <departementet>", ["ks", "nordland"], "2027-06-15",
         LINK)]
    reply = slack.fake.wait_responses(1)[0]
    assert reply["response_type"] == "in_channel" and f"#{stored[0].id}" in all_text(reply["blocks"])
    shown = slack.app.handle(f"/oppfølging vis {stored[0].id}", ADMIN)
    assert f"Fra meldingen: {LINK}" in [line for s in shown.sections for line in s.lines]


def test_a_deadline_not_understood_is_left_empty_never_guessed(slack: Slack) -> None:
    message = {"type": "message", "user": "U0PER", "ts": "1790000123.000200",
               "text": "AU ser på dette innen neste gang vi treffes"}
    shortcut_on(slack, message=message)
    fields = inputs(opened(slack))
    assert fields["text"]["initial_value"] == "AU ser på dette innen neste gang vi treffes"
    assert "initial_date" not in fields["deadline_date"] and "initial_value" not in fields["deadline_text"]
    assert [o["value"] for o in fields["parties"]["initial_options"]] == ["au"]


def test_a_message_without_text_opens_the_empty_form(slack: Slack) -> None:
    message = {"type": "message", "user": "U0PER", "ts": "1790000123.000200", "text": "",
               "files": [{"id": "F1", "name": "bilde.png"}], "upload": True}
    shortcut_on(slack, message=message)
    view = opened(slack)
    fields = inputs(view)
    assert "initial_value" not in fields["text"] and "initial_options" not in fields["parties"]
    assert json.loads(view["private_metadata"])["x"] == {"link": LINK}


def test_a_message_the_bot_cannot_see_is_explained_and_nothing_saved(slack: Slack) -> None:
    slack.fake.add_channel("G0HEMMELIG", "hemmelig", private=True, member=False)
    shortcut_on(slack, channel={"id": "G0HEMMELIG", "name": "hemmelig"})
    answer = slack.fake.wait_responses(1)[0]
    assert answer["response_type"] == "ephemeral"
    assert "Jeg får ikke lest den meldingen" in all_text(answer.get("blocks", [])) + answer.get("text", "")
    slack.fake.deleted_messages.add(("C0FORUM", "1790000123.000200"))
    shortcut_on(slack)
    assert "Ingenting er lagret" in json.dumps(slack.fake.wait_responses(2)[1], ensure_ascii=False)
    assert slack.fake.of("views.open") == [] and actions(slack) == []


def test_global_shortcut_opens_the_empty_form_and_answers_in_a_direct_message(slack: Slack) -> None:
    status, _ = slack.post_payload(payload("shortcut"))
    assert status == 200
    view = opened(slack)
    assert view["callback_id"] == "oppf_capture" and "initial_value" not in inputs(view)["text"]
    slack.submit(view, {"text": "Forberede sak om finansiering", "parties": ["kdd"]})
    post = slack.fake.wait_calls("chat.postMessage")[-1]
    assert post.params["channel"] in ("U0KARI", "DU0KARI")
    stored = actions(slack)
    assert [(a.text, a.source_link) for a in stored] == [("Forberede sak om finansiering", None)]


def test_duplicate_guard_offers_the_open_one_and_saves_only_when_asked(slack: Slack) -> None:
    meeting = add_meeting(slack, "Vårmøtet 2027", datetime(2027, 3, 10, 9, 0))
    first = slack.app.handle("/oppfølging ny KS: Sende innspill til departementet", ADMIN).data["action"]["id"]  # type: ignore[index]
    with slack.app.sessions() as session:
        row = session.get(Action, first)
        row.meeting_id = meeting  # type: ignore[union-attr]
        session.commit()
    slack.post_payload(payload("shortcut"))
    view = opened(slack)
    values = {"text": "Sende innspill til departementet.", "parties": ["ks"], "meeting": str(meeting)}
    _, answer = slack.submit(view, values)
    assert answer.get("response_action") == "update"
    again = answer["view"]
    assert f"Ligner punkt {first}" in all_text(again["blocks"])
    assert inputs(again)["text"]["initial_value"] == "Sende innspill til departementet."
    assert [o["value"] for o in inputs(again)["duplicate"]["options"]] == ["save"]
    assert len(actions(slack)) == 1  # nothing saved yet
    _, answer = slack.submit(again, {**values, "duplicate": "save"}, view_hash="h2")
    assert answer == {}
    assert [a.meeting_id for a in actions(slack)] == [meeting, meeting]


def test_a_form_submitted_after_the_meeting_moved_keeps_the_chosen_meeting(slack: Slack) -> None:
    meeting = add_meeting(slack, "Høstmøtet 2027", datetime(2027, 10, 5, 8, 0))
    slack.post_payload(payload("shortcut"))
    view = opened(slack)
    slack.app.handle(f"/oppfølging møte flytt {meeting} 12.10.2027", Actor("slack", "UADMIN", "admin"))
    with slack.app.sessions() as session:
        assert session.get(Meeting, meeting).starts_at.date().isoformat() == "2027-10-12"  # type: ignore[union-attr]
    slack.submit(view, {"text": "Forberede høstmøtet", "parties": ["ks"], "meeting": str(meeting)})
    slack.settle()
    assert [(a.text, a.meeting_id) for a in actions(slack)] == [("Forberede høstmøtet", meeting)]
