"""A Block Kit validator following Slack's documented limits, for every payload the bot sends in tests.

Sources (the limits below are quoted from these pages):
- https://api.slack.com/reference/block-kit/blocks (blocks per message/view, section, header,
  context, actions, input, divider, image; block_id ≤ 255 and unique),
- https://api.slack.com/reference/block-kit/composition-objects (text objects, option ≤ 75 / 150,
  option group, confirm dialog),
- https://api.slack.com/reference/block-kit/block-elements (button, selects, plain_text_input,
  datepicker; action_id ≤ 255),
- https://api.slack.com/reference/surfaces/views (modal title/submit/close ≤ 24, private_metadata
  ≤ 3000, callback_id ≤ 255, 100 blocks, submit required with input blocks),
- https://api.slack.com/methods/chat.postMessage (50 blocks, `text` as the fallback when blocks are
  posted, text truncated beyond 40 000 characters).

`message_problems` and `view_problems` return a list of human-readable violations (empty: valid).
The fake Slack runs them on every chat.postMessage/postEphemeral/update, views.open/update/publish/push
and response_url payload, answers a violation with Slack's own error and records it; `block_kit_guard`
(autouse, imported by tests/conftest.py) fails the test that caused it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000
MAX_ID = 255
MAX_TEXT_OBJECT = 3000
MAX_SECTION_FIELDS = 10
MAX_SECTION_FIELD_TEXT = 2000
MAX_HEADER = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_OPTION_DESCRIPTION = 75
MAX_OPTIONS = 100
MAX_OPTION_GROUPS = 100
MAX_PLACEHOLDER = 150
MAX_LABEL = 2000
MAX_HINT = 2000
MAX_INPUT_LENGTH = 3000
MAX_VIEW_TITLE = 24
MAX_PRIVATE_METADATA = 3000
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300
MAX_CONFIRM_BUTTON = 30
MAX_IMAGE_ALT = 2000

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
BLOCK_TYPES = {"section", "header", "context", "actions", "divider", "input", "image", "rich_text", "file", "video"}
MESSAGE_ONLY = {"file"}
INPUT_ELEMENTS = {"plain_text_input", "datepicker", "static_select", "multi_static_select", "checkboxes",
                  "radio_buttons", "timepicker", "datetimepicker", "email_text_input", "url_text_input",
                  "number_input", "users_select", "multi_users_select", "conversations_select",
                  "multi_conversations_select", "channels_select", "multi_channels_select", "external_select",
                  "multi_external_select", "rich_text_input", "file_input"}


class Checker:
    """Collects the violations of one message or view; ids are unique across the whole of it."""

    def __init__(self, surface: str) -> None:
        self.surface = surface
        self.problems: list[str] = []
        self.block_ids: set[str] = set()
        self.action_ids: set[str] = set()

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{self.surface} {where}: {message}")

    # --- composition objects -----------------------------------------------------------------

    def text(self, where: str, obj: Any, *, limit: int = MAX_TEXT_OBJECT, plain_only: bool = False) -> None:
        if not isinstance(obj, dict):
            self.fail(where, f"a text object is required, got {type(obj).__name__}")
            return
        kind = obj.get("type")
        if kind not in ("plain_text", "mrkdwn") or (plain_only and kind != "plain_text"):
            self.fail(where, f"text type {kind!r} not allowed here")
        value = obj.get("text")
        if not isinstance(value, str) or not value:
            self.fail(where, "text must be a non-empty string (minimum 1 character)")
        elif len(value) > limit:
            self.fail(where, f"text is {len(value)} characters, maximum {limit}")
        if kind == "mrkdwn" and "emoji" in obj:
            self.fail(where, "emoji is only for plain_text")
        if kind == "plain_text" and "verbatim" in obj:
            self.fail(where, "verbatim is only for mrkdwn")

    def option(self, where: str, obj: Any) -> None:
        if not isinstance(obj, dict):
            self.fail(where, "an option must be an object")
            return
        self.text(f"{where}.text", obj.get("text"), limit=MAX_OPTION_TEXT)
        value = obj.get("value")
        if not isinstance(value, str) or not value:
            self.fail(where, "option value must be a non-empty string")
        elif len(value) > MAX_OPTION_VALUE:
            self.fail(where, f"option value is {len(value)} characters, maximum {MAX_OPTION_VALUE}")
        if "description" in obj:
            self.text(f"{where}.description", obj["description"], limit=MAX_OPTION_DESCRIPTION, plain_only=True)

    def confirm(self, where: str, obj: Any) -> None:
        if not isinstance(obj, dict):
            self.fail(where, "confirm must be an object")
            return
        self.text(f"{where}.title", obj.get("title"), limit=MAX_CONFIRM_TITLE, plain_only=True)
        self.text(f"{where}.text", obj.get("text"), limit=MAX_CONFIRM_TEXT)
        self.text(f"{where}.confirm", obj.get("confirm"), limit=MAX_CONFIRM_BUTTON, plain_only=True)
        self.text(f"{where}.deny", obj.get("deny"), limit=MAX_CONFIRM_BUTTON, plain_only=True)

    # --- elements ----------------------------------------------------------------------------

    def action_id(self, where: str, element: dict[str, Any], *, required: bool) -> None:
        action_id = element.get("action_id")
        if action_id is None:
            if required:
                self.fail(where, "action_id is required")
            return
        if not isinstance(action_id, str) or not action_id:
            self.fail(where, "action_id must be a non-empty string")
        elif len(action_id) > MAX_ID:
            self.fail(where, f"action_id is {len(action_id)} characters, maximum {MAX_ID}")
        elif action_id in self.action_ids:
            self.fail(where, f"action_id {action_id!r} is not unique")
        else:
            self.action_ids.add(action_id)

    def element(self, where: str, element: Any, *, in_input: bool = False) -> None:
        if not isinstance(element, dict):
            self.fail(where, "an element must be an object")
            return
        kind = element.get("type")
        self.action_id(where, element, required=False)
        if "placeholder" in element:
            self.text(f"{where}.placeholder", element["placeholder"], limit=MAX_PLACEHOLDER, plain_only=True)
        if "confirm" in element:
            self.confirm(f"{where}.confirm", element["confirm"])
        if kind == "button":
            self.button(where, element)
        elif kind in ("static_select", "multi_static_select"):
            self.select(where, element)
        elif kind == "plain_text_input":
            self.text_input(where, element)
        elif kind == "datepicker":
            initial = element.get("initial_date")
            if initial is not None and not (isinstance(initial, str) and DATE.match(initial)):
                self.fail(where, f"initial_date {initial!r} is not YYYY-MM-DD")
        elif kind == "image":
            if not element.get("image_url") and not element.get("slack_file"):
                self.fail(where, "image needs image_url")
            self.limit(where, "alt_text", element.get("alt_text"), MAX_IMAGE_ALT, required=True)
        elif kind in INPUT_ELEMENTS or kind in ("overflow", "checkboxes", "radio_buttons"):
            pass
        else:
            self.fail(where, f"unknown element type {kind!r}")
        if in_input and kind not in INPUT_ELEMENTS:
            self.fail(where, f"{kind!r} cannot be an input block's element")

    def button(self, where: str, element: dict[str, Any]) -> None:
        self.text(f"{where}.text", element.get("text"), limit=MAX_BUTTON_TEXT, plain_only=True)
        self.limit(where, "value", element.get("value"), MAX_BUTTON_VALUE)
        self.limit(where, "url", element.get("url"), MAX_URL)
        if element.get("style") not in (None, "primary", "danger"):
            self.fail(where, f"button style {element.get('style')!r} is neither primary nor danger")

    def select(self, where: str, element: dict[str, Any]) -> None:
        options, groups = element.get("options"), element.get("option_groups")
        if (options is None) == (groups is None):
            self.fail(where, "exactly one of options and option_groups is required")
        all_values: list[str] = []
        if options is not None:
            if not isinstance(options, list) or not options:
                self.fail(where, "options must be a non-empty list")
                options = []
            elif len(options) > MAX_OPTIONS:
                self.fail(where, f"{len(options)} options, maximum {MAX_OPTIONS}")
            for n, option in enumerate(options):
                self.option(f"{where}.options[{n}]", option)
                all_values.append(str((option or {}).get("value")))
        if groups is not None:
            if not isinstance(groups, list) or not groups:
                self.fail(where, "option_groups must be a non-empty list")
                groups = []
            elif len(groups) > MAX_OPTION_GROUPS:
                self.fail(where, f"{len(groups)} option groups, maximum {MAX_OPTION_GROUPS}")
            for g, group in enumerate(groups):
                self.text(f"{where}.option_groups[{g}].label", (group or {}).get("label"), limit=MAX_OPTION_TEXT,
                          plain_only=True)
                group_options = (group or {}).get("options") or []
                if len(group_options) > MAX_OPTIONS:
                    self.fail(where, f"option group {g} has {len(group_options)} options, maximum {MAX_OPTIONS}")
                for n, option in enumerate(group_options):
                    self.option(f"{where}.option_groups[{g}].options[{n}]", option)
                    all_values.append(str((option or {}).get("value")))
        initial = element.get("initial_options") if element.get("type") == "multi_static_select" else (
            [element["initial_option"]] if "initial_option" in element else [])
        for option in initial or []:
            self.option(f"{where}.initial", option)
            if str((option or {}).get("value")) not in all_values:
                self.fail(where, f"initial option {(option or {}).get('value')!r} is not one of the options")

    def text_input(self, where: str, element: dict[str, Any]) -> None:
        min_length, max_length = element.get("min_length"), element.get("max_length")
        if min_length is not None and not (isinstance(min_length, int) and 0 <= min_length <= MAX_INPUT_LENGTH):
            self.fail(where, f"min_length {min_length!r} outside 0..{MAX_INPUT_LENGTH}")
        if max_length is not None and not (isinstance(max_length, int) and max_length >= 1):
            self.fail(where, f"max_length {max_length!r} must be a positive number")
        initial = element.get("initial_value")
        if initial is not None:
            if not isinstance(initial, str):
                self.fail(where, "initial_value must be a string")
            elif isinstance(max_length, int) and len(initial) > max_length:
                self.fail(where, f"initial_value is {len(initial)} characters, longer than max_length {max_length}")

    def limit(self, where: str, name: str, value: Any, limit: int, *, required: bool = False) -> None:
        if value is None:
            if required:
                self.fail(where, f"{name} is required")
            return
        if not isinstance(value, str):
            self.fail(where, f"{name} must be a string")
        elif len(value) > limit:
            self.fail(where, f"{name} is {len(value)} characters, maximum {limit}")

    # --- blocks ------------------------------------------------------------------------------

    def blocks(self, blocks: Any, *, limit: int, message: bool) -> None:
        if not isinstance(blocks, list):
            self.fail("blocks", "must be a list")
            return
        if len(blocks) > limit:
            self.fail("blocks", f"{len(blocks)} blocks, maximum {limit}")
        for n, block in enumerate(blocks):
            self.block(f"blocks[{n}]", block, message=message)

    def block(self, where: str, block: Any, *, message: bool) -> None:
        if not isinstance(block, dict):
            self.fail(where, "a block must be an object")
            return
        kind = block.get("type")
        where = f"{where}({kind})"
        if kind not in BLOCK_TYPES:
            self.fail(where, f"unknown block type {kind!r}")
            return
        if kind in MESSAGE_ONLY and not message:
            self.fail(where, f"{kind} blocks are for messages only")
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not block_id:
                self.fail(where, "block_id must be a non-empty string")
            elif len(block_id) > MAX_ID:
                self.fail(where, f"block_id is {len(block_id)} characters, maximum {MAX_ID}")
            elif block_id in self.block_ids:
                self.fail(where, f"block_id {block_id!r} is not unique")
            else:
                self.block_ids.add(block_id)
        if kind == "section":
            if "text" not in block and "fields" not in block:
                self.fail(where, "a section needs text or fields")
            if "text" in block:
                self.text(f"{where}.text", block["text"])
            fields = block.get("fields")
            if fields is not None:
                if not isinstance(fields, list) or len(fields) > MAX_SECTION_FIELDS:
                    self.fail(where, f"fields: at most {MAX_SECTION_FIELDS}")
                for n, field in enumerate(fields if isinstance(fields, list) else []):
                    self.text(f"{where}.fields[{n}]", field, limit=MAX_SECTION_FIELD_TEXT)
            if "accessory" in block:
                self.element(f"{where}.accessory", block["accessory"])
        elif kind == "header":
            self.text(f"{where}.text", block.get("text"), limit=MAX_HEADER, plain_only=True)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements:
                self.fail(where, "context needs a non-empty elements list")
                return
            if len(elements) > MAX_CONTEXT_ELEMENTS:
                self.fail(where, f"{len(elements)} context elements, maximum {MAX_CONTEXT_ELEMENTS}")
            for n, element in enumerate(elements):
                if isinstance(element, dict) and element.get("type") == "image":
                    self.element(f"{where}.elements[{n}]", element)
                else:
                    self.text(f"{where}.elements[{n}]", element)
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements:
                self.fail(where, "actions needs a non-empty elements list")
                return
            if len(elements) > MAX_ACTIONS_ELEMENTS:
                self.fail(where, f"{len(elements)} actions elements, maximum {MAX_ACTIONS_ELEMENTS}")
            for n, element in enumerate(elements):
                self.element(f"{where}.elements[{n}]", element)
        elif kind == "input":
            self.text(f"{where}.label", block.get("label"), limit=MAX_LABEL, plain_only=True)
            if "hint" in block:
                self.text(f"{where}.hint", block["hint"], limit=MAX_HINT, plain_only=True)
            if "element" not in block:
                self.fail(where, "input needs an element")
            else:
                self.element(f"{where}.element", block["element"], in_input=True)
        elif kind == "image":
            self.element(where, {**block, "type": "image"})


def message_problems(payload: dict[str, Any], *, surface: str = "message") -> list[str]:
    """A chat.postMessage/postEphemeral/update or response_url payload."""
    checker = Checker(surface)
    blocks = payload.get("blocks")
    text = payload.get("text")
    if blocks is not None:
        checker.blocks(blocks, limit=MAX_MESSAGE_BLOCKS, message=True)
        # chat.postMessage: "the text field is used as a fallback string … when blocks are present".
        if not isinstance(text, str) or not text.strip():
            checker.fail("text", "a fallback text is required when blocks are posted")
    elif not (isinstance(text, str) and text.strip()) and not payload.get("attachments") \
            and not payload.get("delete_original"):
        checker.fail("text", "a message needs text or blocks")
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        checker.fail("text", f"{len(text)} characters, maximum {MAX_MESSAGE_TEXT}")
    return checker.problems


def view_problems(view: Any) -> list[str]:
    """A view for views.open/update/push/publish or `response_action: update|push`."""
    checker = Checker("view")
    if not isinstance(view, dict):
        return ["view: must be an object"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.fail("type", f"{kind!r} is neither modal nor home")
    checker.blocks(view.get("blocks"), limit=MAX_VIEW_BLOCKS, message=False)
    checker.limit("view", "private_metadata", view.get("private_metadata"), MAX_PRIVATE_METADATA)
    checker.limit("view", "callback_id", view.get("callback_id"), MAX_ID)
    checker.limit("view", "external_id", view.get("external_id"), MAX_ID)
    if kind == "modal":
        checker.text("title", view.get("title"), limit=MAX_VIEW_TITLE, plain_only=True)
        for key in ("submit", "close"):
            if key in view:
                checker.text(key, view[key], limit=MAX_VIEW_TITLE, plain_only=True)
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or [])
        if has_input and "submit" not in view:
            checker.fail("submit", "a modal with input blocks needs a submit button")
    return checker.problems


# --- failing the test --------------------------------------------------------------------------

# Every violation any FakeSlack saw, across threads; `block_kit_guard` fails the test that caused it.
VIOLATIONS: list[str] = []


def record(method: str, problems: list[str]) -> None:
    VIOLATIONS.extend(f"{method}: {p}" for p in problems)


@pytest.fixture(autouse=True)
def block_kit_guard() -> Iterator[None]:
    """Fails a test in whose course the bot sent Slack a payload that breaks Block Kit's limits."""
    VIOLATIONS.clear()
    yield
    found, VIOLATIONS[:] = list(VIOLATIONS), []
    if found:
        pytest.fail("the bot sent Slack invalid Block Kit:\n" + "\n".join(found[:20]), pytrace=False)
