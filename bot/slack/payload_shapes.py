"""Is a signed Slack payload shaped as Slack documents it? Checked before slack-bolt sees it.

A correct signature says who sent a request, not that its body is sane: a payload that Slack's
documented formats never produce (an event that is a list, text that is a number, a view's
`state.values` made of strings, an id longer than any column) is refused with a 400 before any
listener runs, so it can neither write half of something nor end in a 500.

Only the fields the listeners read are checked, and only their type and size: fields Slack adds
later, or that the bot does not read, pass. Sources: https://api.slack.com/interactivity/slash-commands,
https://api.slack.com/apis/connections/events-api (the event_callback envelope),
https://api.slack.com/reference/interaction-payloads/block-actions-payload and
https://api.slack.com/reference/interaction-payloads/views.
"""

from __future__ import annotations

import re
from typing import Any

# Slack ids (U…, W…, C…, D…, G…, T…, V…) are short upper-case strings; 64 leaves room and stays
# far inside every column that holds one (the narrowest, people.external_id, holds 200).
SLACK_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_TEXT = 40_000  # Slack's own message text limit; a command or a mention is far shorter
MAX_VALUE = 2000  # a button value (Block Kit)


class Shape:
    """Collects the first problem; each check returns whether the value may be read as expected."""

    def __init__(self) -> None:
        self.problem: str | None = None

    def fail(self, where: str, expected: str) -> bool:
        if self.problem is None:
            self.problem = f"{where}: expected {expected}"
        return False

    def obj(self, value: Any, where: str, *, required: bool = True) -> bool:
        if value is None and not required:
            return True
        return isinstance(value, dict) or self.fail(where, "an object")

    def list_of_objects(self, value: Any, where: str, *, required: bool = False) -> bool:
        if value is None and not required:
            return True
        if not isinstance(value, list):
            return self.fail(where, "a list")
        return all(self.obj(v, f"{where}[{n}]") for n, v in enumerate(value))

    def text(self, value: Any, where: str, limit: int = MAX_TEXT) -> bool:
        if value is None:
            return True
        if not isinstance(value, str):
            return self.fail(where, "a string")
        return len(value) <= limit or self.fail(where, f"at most {limit} characters")

    def slack_id(self, value: Any, where: str) -> bool:
        if value is None:
            return True
        return (isinstance(value, str) and bool(SLACK_ID.match(value))) or self.fail(where, "a Slack id")


def problem(body: Any) -> str | None:
    """What is wrong with a signed request's parsed body, or None if the listeners can read it."""
    shape = Shape()
    if not shape.obj(body, "body"):
        return shape.problem
    if "command" in body:
        _command(shape, body)
    elif body.get("type") == "event_callback":
        _event(shape, body)
    elif body.get("type") in ("block_actions", "view_submission", "view_closed"):
        _interaction(shape, body)
    return shape.problem


def _command(shape: Shape, body: dict[str, Any]) -> None:
    for key in ("user_id", "channel_id", "team_id"):
        shape.slack_id(body.get(key), key)
    for key in ("text", "user_name", "channel_name", "response_url", "trigger_id"):
        shape.text(body.get(key), key)


def _event(shape: Shape, body: dict[str, Any]) -> None:
    shape.text(body.get("event_id"), "event_id", 200)
    event = body.get("event")
    if not shape.obj(event, "event"):
        return
    if not isinstance(event.get("type"), str):
        shape.fail("event.type", "a string")
    shape.slack_id(event.get("user"), "event.user")
    shape.slack_id(event.get("channel"), "event.channel")
    for key in ("text", "ts", "thread_ts", "channel_type", "subtype", "tab", "bot_id"):
        shape.text(event.get(key), f"event.{key}")
    shape.list_of_objects(event.get("files"), "event.files")


def _interaction(shape: Shape, body: dict[str, Any]) -> None:
    user = body.get("user")
    if shape.obj(user, "user"):
        shape.slack_id(user.get("id"), "user.id")
        shape.text(user.get("name"), "user.name", 200)
        shape.text(user.get("username"), "user.username", 200)
    channel, container = body.get("channel"), body.get("container")
    if shape.obj(channel, "channel", required=False) and channel is not None:
        shape.slack_id(channel.get("id"), "channel.id")
    if shape.obj(container, "container", required=False) and container is not None:
        shape.slack_id(container.get("channel_id"), "container.channel_id")
    shape.obj(body.get("message"), "message", required=False)
    for key in ("response_url", "trigger_id"):
        shape.text(body.get(key), key)
    if body.get("type") == "block_actions":
        if shape.list_of_objects(body.get("actions"), "actions", required=True):
            for n, action in enumerate(body["actions"]):
                shape.text(action.get("value"), f"actions[{n}].value", MAX_VALUE)
                shape.text(action.get("action_id"), f"actions[{n}].action_id", 255)
        view = body.get("view")
        if shape.obj(view, "view", required=False) and view is not None:
            shape.text(view.get("type"), "view.type")
        return
    view = body.get("view")
    if not shape.obj(view, "view"):
        return
    for key in ("id", "hash", "callback_id", "private_metadata"):
        shape.text(view.get(key), f"view.{key}", 3000)
    if not shape.obj(view.get("state"), "view.state", required=False) or not view.get("state"):
        return
    values = view["state"].get("values")
    if not shape.obj(values, "view.state.values", required=body.get("type") == "view_submission"):
        return
    for block_id, actions in (values or {}).items():
        if not shape.obj(actions, f"view.state.values.{block_id}"):
            return
        for action_id, element in actions.items():
            where = f"view.state.values.{block_id}.{action_id}"
            if not shape.obj(element, where):
                return
            shape.text(element.get("type"), f"{where}.type")
            shape.text(element.get("value"), f"{where}.value")
            shape.text(element.get("selected_date"), f"{where}.selected_date", 10)
            option = element.get("selected_option")
            if shape.obj(option, f"{where}.selected_option", required=False) and option is not None:
                shape.text(option.get("value"), f"{where}.selected_option.value", 150)
            if shape.list_of_objects(element.get("selected_options"), f"{where}.selected_options"):
                for n, chosen in enumerate(element.get("selected_options") or []):
                    shape.text(chosen.get("value"), f"{where}.selected_options[{n}].value", 150)
