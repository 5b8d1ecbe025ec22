"""Slack modals: a handler `Form` as a modal, the one-value "ask" modals of buttons, and reading submissions.

Every input block is named after its form field (block id and action id), so the field errors a
submitter returns map straight onto `response_action: errors`.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.slack.blocks import Block, ButtonValue, clip, escape, mrkdwn, plain
from handlers.core.catalog import t
from handlers.core.replies import Form, FormField, Option, Reply

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


# --- submissions answered at once (ack first, database work after) -------------------------------
#
# Slack closes a modal with an error unless the submission is acknowledged within three seconds, so
# a submission is acknowledged before any database work or Web API lookup:
# - what can be checked from the submission alone (a required field left empty, a text over its
#   length, a date that is no date) is answered with `response_action: errors`, on the fields;
# - anything else is acknowledged with `response_action: update` to a "saving" view, the work runs,
#   and the same modal is then updated (`views.update`): to the form again with the handler's field
#   errors under their fields and the values kept, or to a short receipt. Only when the person has
#   closed the modal meanwhile does an error go to them as a message instead.

ERROR_BLOCK_PREFIX = "oppf_err_"
SAVING_BLOCK = "oppf_saving"
VIEW_KEYS = ("type", "title", "submit", "close", "callback_id", "private_metadata", "clear_on_close",
             "notify_on_close", "external_id")


def local_errors(view: dict[str, Any], values: dict[str, Any]) -> dict[str, str]:
    """Field errors that need neither the database nor Slack: empty required fields, over-long text, bad dates."""
    errors: dict[str, str] = {}
    for block in view.get("blocks") or []:
        if not isinstance(block, dict) or block.get("type") != "input":
            continue
        name = str(block.get("block_id") or "")
        element = block.get("element") or {}
        value = values.get(name)
        empty = value is None or (isinstance(value, str) and not value.strip()) or value == []
        if empty:
            if not block.get("optional"):
                errors[name] = t("slack.form.required")
            continue
        limit = element.get("max_length")
        if isinstance(value, str) and isinstance(limit, int) and len(value) > limit:
            errors[name] = t("slack.form.too_long", length=len(value), max=limit)
        if element.get("type") == "datepicker":
            try:
                date.fromisoformat(str(value))
            except ValueError:
                errors[name] = t("slack.form.bad_date")
    return errors


def _base(view: dict[str, Any]) -> dict[str, Any]:
    """The parts of a submitted view that views.update accepts back (not its id, hash or state)."""
    return {key: view[key] for key in VIEW_KEYS if key in view}


def saving_view(view: dict[str, Any]) -> dict[str, Any]:
    """What the modal shows between the acknowledgement and the result: no fields, no submit button."""
    out = _base(view)
    out.pop("submit", None)
    out["close"] = plain(clip(t("slack.form.close"), MAX_TITLE))
    out["blocks"] = [{"type": "section", "block_id": SAVING_BLOCK, "text": mrkdwn(t("slack.form.saving"))}]
    return out


def _with_value(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """The element with the submitted value as its initial value, so nothing typed is lost."""
    element = {k: v for k, v in element.items()
               if k not in ("initial_value", "initial_date", "initial_option", "initial_options")}
    kind = element.get("type")
    if value in (None, "", []):
        return element
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    if kind == "datepicker":
        element["initial_date"] = value
    elif kind == "multi_static_select":
        chosen = [o for o in options if o.get("value") in value]
        if chosen:
            element["initial_options"] = chosen
    elif kind == "static_select":
        chosen = [o for o in options if o.get("value") == value]
        if chosen:
            element["initial_option"] = chosen[0]
    elif isinstance(value, str):
        element["initial_value"] = value
    return element


def form_again(view: dict[str, Any], values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The submitted form once more, with the values kept and each error under its field."""
    out = _base(view)
    blocks: list[Block] = []
    if errors:
        blocks.append({"type": "context", "block_id": f"{ERROR_BLOCK_PREFIX}top",
                       "elements": [mrkdwn(t("slack.form.fix"))]})
    for block in view.get("blocks") or []:
        block_id = str(block.get("block_id") or "")
        if block_id.startswith(ERROR_BLOCK_PREFIX):
            continue  # the errors of an earlier attempt
        if block.get("type") == "input":
            block = {**block, "element": _with_value(dict(block.get("element") or {}), values.get(block_id))}
        blocks.append(block)
        if block_id in errors:
            blocks.append({"type": "context", "block_id": f"{ERROR_BLOCK_PREFIX}{block_id}",
                           "elements": [mrkdwn(f"⚠️ {escape(clip(errors[block_id], MAX_ERROR))}")]})
    out["blocks"] = blocks
    return out


def receipt_view(view: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """The modal after a saved submission: what was done, and a button to close it."""
    out = saving_view(view)
    out.pop("callback_id", None)  # nothing more to submit
    lines = [f"✅ *{escape(reply.title)}*" if reply.title else "✅", *(escape(line) for line in reply.lines[:5])]
    out["blocks"] = [{"type": "section", "text": mrkdwn(clip("\n".join(lines), 3000))}]
    return out
