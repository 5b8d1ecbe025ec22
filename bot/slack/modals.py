"""Slack modals: a handler `Form` as a modal, the one-value "ask" modals of buttons, and reading submissions.

Every input block is named after its form field (block id and action id), so the field errors a
submitter returns map straight onto `response_action: errors`.
"""

from __future__ import annotations

import json
from typing import Any

from bot.slack.blocks import Block, ButtonValue, clip, mrkdwn, plain
from handlers.catalog import t
from handlers.replies import Form, FormField, Option, Reply

FORM_CALLBACK = "oppf_form"
ASK_CALLBACK = "oppf_ask"
ASK_FIELD = "value"

MAX_TITLE = 24  # modal title, submit and close labels
MAX_LABEL = 2000
MAX_PLACEHOLDER = 150
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_OPTIONS = 100
MAX_TEXT_INPUT = 3000
MAX_METADATA = 3000
MAX_ERROR = 2000


def _metadata(data: dict[str, Any], optional: tuple[str, ...] = ("r", "c", "s", "m")) -> str:
    """JSON within Slack's 3000 characters, dropping the optional conveniences first."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for key in optional:
        if len(raw) <= MAX_METADATA:
            break
        data.pop(key, None)
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if len(raw) > MAX_METADATA:
        raise ValueError("form context too large for a Slack modal")
    return raw


def read_metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _option(option: Option) -> Block:
    return {"text": plain(clip(option.label, MAX_OPTION_TEXT)), "value": option.value[:MAX_OPTION_VALUE]}


def _options(field: FormField) -> dict[str, Any]:
    """`options`, or `option_groups` of 100 when there are more (Slack allows 100 per list)."""
    options = [_option(o) for o in field.options if len(o.value) <= MAX_OPTION_VALUE]
    if len(options) <= MAX_OPTIONS:
        return {"options": options}
    groups = []
    for n in range(0, min(len(options), MAX_OPTIONS * MAX_OPTIONS), MAX_OPTIONS):
        chunk = options[n : n + MAX_OPTIONS]
        label = f"{chunk[0]['text']['text'][:30]} – {chunk[-1]['text']['text'][:30]}"
        groups.append({"label": plain(clip(label, MAX_OPTION_TEXT)), "options": chunk})
    return {"option_groups": groups}


def _element(field: FormField) -> Block | None:
    name = field.name
    if field.kind == "date":
        element: Block = {"type": "datepicker", "action_id": name}
        if isinstance(field.value, str) and field.value:
            element["initial_date"] = field.value
    elif field.kind in ("parties", "select") and field.options:
        multi = field.kind == "parties"
        element = {"type": "multi_static_select" if multi else "static_select", "action_id": name, **_options(field)}
        chosen = field.value if isinstance(field.value, list) else [field.value] if field.value else []
        initial = [_option(o) for o in field.options if o.value in chosen]
        if initial:
            element["initial_options" if multi else "initial_option"] = initial if multi else initial[0]
    elif field.kind == "select":
        return None  # nothing to choose from (e.g. no meetings yet): leave the field out
    else:
        element = {"type": "plain_text_input", "action_id": name, "multiline": field.kind == "multiline"}
        limit = min(field.max_length or MAX_TEXT_INPUT, MAX_TEXT_INPUT)
        element["max_length"] = limit
        if isinstance(field.value, str) and field.value:
            element["initial_value"] = field.value[:limit]
    if field.placeholder:
        element["placeholder"] = plain(clip(field.placeholder, MAX_PLACEHOLDER))
    return element


def input_block(field: FormField) -> Block | None:
    element = _element(field)
    if element is None:
        return None
    block: Block = {
        "type": "input",
        "block_id": field.name,
        "label": plain(clip(field.label, MAX_LABEL)),
        "element": element,
        "optional": not field.required,
    }
    if field.hint:
        block["hint"] = plain(clip(field.hint, MAX_LABEL))
    return block


def form_view(form: Form, *, response_url: str | None = None, channel: str | None = None) -> dict[str, Any]:
    blocks = [b for b in (input_block(f) for f in form.fields) if b is not None]
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": plain(clip(form.title, MAX_TITLE)),
        "submit": plain(clip(form.submit_label, MAX_TITLE)),
        "close": plain(clip(t("slack.cancel"), MAX_TITLE)),
        "private_metadata": _metadata({"f": form.id, "x": form.context, "r": response_url, "c": channel}),
        "blocks": blocks,
    }


def ask_view(value: ButtonValue, metadata: dict[str, Any]) -> dict[str, Any]:
    """A one-field modal for a button that needs a date (Utsett) or a text (Kommenter) first."""
    if value.ask == "date":
        label = value.ask_label or t("slack.ask.date_label")
        element: Block = {"type": "datepicker", "action_id": ASK_FIELD}
    else:
        label = value.ask_label or t("slack.ask.text_label")
        element = {"type": "plain_text_input", "action_id": ASK_FIELD, "multiline": True, "max_length": MAX_TEXT_INPUT}
    blocks: list[Block] = []
    if value.item is not None:
        blocks.append({"type": "section", "text": mrkdwn(t("slack.ask.item", id=value.item))})
    blocks.append({"type": "input", "block_id": ASK_FIELD, "label": plain(clip(label, MAX_LABEL)), "element": element})
    return {
        "type": "modal",
        "callback_id": ASK_CALLBACK,
        "title": plain(clip(label, MAX_TITLE)),
        "submit": plain(clip(t("form.save"), MAX_TITLE)),
        "close": plain(clip(t("slack.cancel"), MAX_TITLE)),
        "private_metadata": _metadata({"v": value.encode(), **metadata}),
        "blocks": blocks,
    }


def submitted_values(view: dict[str, Any]) -> dict[str, Any]:
    """{field name: value} from a submitted view: text as str, dates as ISO str, selections as values."""
    out: dict[str, Any] = {}
    state = (view.get("state") or {}).get("values") or {}
    for block_id, actions in state.items():
        for element in actions.values():
            kind = element.get("type")
            if kind == "datepicker":
                value: Any = element.get("selected_date")
            elif kind == "multi_static_select":
                value = [o.get("value") for o in element.get("selected_options") or []]
            elif kind == "static_select":
                value = (element.get("selected_option") or {}).get("value")
            else:
                value = element.get("value")
            out[block_id] = value
    return out


def input_block_ids(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view.get("blocks") or [] if b.get("type") == "input" and b.get("block_id")]


def errors_for(reply: Reply, view: dict[str, Any]) -> dict[str, str]:
    """`response_action: errors` for a refused submission: each field's message, or the whole reason on the first field."""
    known = input_block_ids(view)
    errors = {name: clip(message, MAX_ERROR) for name, message in reply.field_errors.items() if name in known}
    if not errors and known:
        message = " ".join(line for line in [reply.title, *reply.lines] if line)
        errors[known[0]] = clip(message, MAX_ERROR)
    return errors
