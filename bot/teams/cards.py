"""Adaptive Cards from `Reply` and `Form` values, and commands back from card actions.

Every button carries the command it runs: an `Action.Execute` with verb `oppfolging` and data
`{"oppfolging": "command", "command": "ferdig 12"}`. A button that asks for a value first
(`Button.ask`: a date or a text) becomes an `Action.ShowCard` with one input whose value is
appended to the command ("utsett 12 2027-06-15"). A form is a card with inputs (ids `f:<field>`)
and one submit action `{"oppfolging": "form", "form": id, "context": …}`. Cards sent with
`Action.Submit` carry the same data, so both kinds of click are read by `parse_action`.

A list that nothing changed (`Reply.private`) also carries the command that made it (`source`), so
after a click the list can be shown again, up to date, instead of being replaced by one item.

A view meant for one person (a list shown again after their click, a form with their errors) is a
user-specific view (Universal Actions): the card carries `refresh` with an `Action.Execute` whose
data is `{"oppfolging": "view", "command": <read-only command>, "banner": …, "for": <their id>}` and
`userIds` naming only them, so only their Teams client asks for it again (an `adaptiveCard/action`
invoke with trigger "automatic"); everyone else keeps seeing the card the conversation shares.

Teams refuses a message over about 28 KB, so a long reply becomes several cards of at most
`MAX_CARD_BYTES` each, marked "del 2 av 3"; long text is split across text blocks. Nothing is cut.

Every text is a `RichTextBlock` of `TextRun`s, never a `TextBlock`: Adaptive Cards read a TextBlock
as Markdown (`[label](url)` is a link), a TextRun as text. Whatever a user typed is shown as typed
and can never become a link or another element; the catalogue's `command` marks become bold runs.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from handlers.core.catalog import t
from handlers.core.replies import ActionItem, Button, Form, FormField, Reply

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"  # Action.Execute (Universal Actions) needs 1.4+; Teams renders 1.5
VERB = "oppfolging"
KIND = "oppfolging"  # the data key that marks our actions: "command" or "form"
FIELD_PREFIX = "f:"
ASK_PREFIX = "ask:"
# The "(ingen)" entry of an optional choice. Renderers refuse a choice with an empty value
# (PropertyCantBeNull), so it carries this one, read back as "" (nothing chosen) by `parse_action`.
NO_CHOICE = "oppfolging:ingen"

MAX_CARD_BYTES = 24_000  # leaves room for the activity around it under Teams' ~28 KB
MAX_TEXT_BYTES = 6_000  # one text block; longer text continues in the next block
MAX_SOURCE = 300  # a listing command longer than this is not carried in buttons
MAX_COMMAND = 4_500  # buttons carry short commands plus an asked-for value (at most 3000 characters)

STATUS_MARK = {"done": "✅ ", "cancelled": "✖️ ", "in_progress": "🔄 "}

Card = dict[str, Any]
Element = dict[str, Any]


# --- text ----------------------------------------------------------------------------------------


def _utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Pieces of at most `limit` UTF-8 bytes, cut at a line break or space when there is one."""
    pieces: list[str] = []
    rest = text
    while _utf8(rest) > limit:
        cut = len(rest.encode("utf-8")[:limit].decode("utf-8", "ignore"))
        boundary = max(rest.rfind("\n", 0, cut), rest.rfind(" ", 0, cut))
        if boundary > cut // 2:
            cut = boundary
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


_MARKED = re.compile(r"`([^`\n]+)`")
_BLOCK_STYLE = frozenset({"spacing", "separator", "horizontalAlignment", "id"})


def runs(text: str, **style: Any) -> list[Element]:
    """`text` as TextRuns (no Markdown): catalogue texts mark commands with `backticks`, which become
    bold runs; everything else is shown exactly as written."""
    out: list[Element] = []
    at = 0
    for match in _MARKED.finditer(text):
        if match.start() > at:
            out.append({"type": "TextRun", "text": text[at : match.start()], **style})
        out.append({"type": "TextRun", "text": match.group(1), **style, "weight": "Bolder"})
        at = match.end()
    if at < len(text) or not out:
        out.append({"type": "TextRun", "text": text[at:], **style})
    return out


def rich(inlines: list[Element], **style: Any) -> Element:
    return {"type": "RichTextBlock", "inlines": inlines, **style}


def text_blocks(text: str, **style: Any) -> list[Element]:
    block = {k: v for k, v in style.items() if k in _BLOCK_STYLE}
    run = {k: v for k, v in style.items() if k not in _BLOCK_STYLE}
    return [rich(runs(piece, **run), **block) for piece in split_text(text)]


def size(elements: Iterable[Element]) -> int:
    return sum(_utf8(json.dumps(e, ensure_ascii=False)) + 1 for e in elements)


def card(body: list[Element], actions: list[Element] | None = None) -> Card:
    out: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body,
                 "msteams": {"width": "Full"}}
    if actions:
        out["actions"] = actions
    return out


def summary(reply: Reply) -> str:
    """The notification preview of a card message."""
    first = reply.title or next(iter(reply.lines), "") or t("teams.untitled")
    return first[:200]


# --- actions -------------------------------------------------------------------------------------


def execute(title: str, data: dict[str, Any], style: str | None = None) -> Element:
    action: Element = {"type": "Action.Execute", "title": title, "verb": VERB, "data": data}
    if style == "primary":
        action["style"] = "positive"
    elif style == "danger":
        action["style"] = "destructive"
    return action


def command_data(command: str, source: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {KIND: "command", "command": command}
    if source:
        data["source"] = source
    return data


class Renderer:
    def __init__(self, source: str | None = None) -> None:
        self.source = source if source and len(source) <= MAX_SOURCE else None
        self._ask_ids = itertools.count(1)

    def button(self, button: Button) -> Element:
        data = command_data(button.command, self.source)
        if not button.ask:
            return execute(button.label, data, button.style)
        input_id = f"{ASK_PREFIX}{next(self._ask_ids)}"
        label = button.ask_label or button.label
        data |= {"ask": input_id, "label": label}
        field_: Element = {"id": input_id, "label": label, "isRequired": True, "errorMessage": t("teams.ask_required")}
        if button.ask == "date":
            field_["type"] = "Input.Date"
        else:
            field_ |= {"type": "Input.Text", "isMultiline": True, "maxLength": 3000}
        return {
            "type": "Action.ShowCard",
            "title": button.label,
            "card": {"type": "AdaptiveCard", "body": [field_],
                     "actions": [execute(t("teams.ask_submit"), data, "primary")]},
        }

    def item(self, item: ActionItem) -> Element:
        meta = [", ".join(item.parties), item.deadline_label]
        if item.status != "open":
            meta.append(STATUS_MARK.get(item.status, "") + item.status_label)
        if item.meeting:
            meta.append(item.meeting)
        if item.case:
            meta.append(t("teams.case", case=item.case))
        meta_text = " · ".join(m for m in meta if m)
        meta_style: dict[str, Any] = {"isSubtle": True, "size": "Small"}
        if item.overdue:
            meta_text, meta_style = "⚠ " + meta_text, {"color": "Attention", "isSubtle": False, "size": "Small"}
        meta_blocks = [rich([{"type": "TextRun", "text": piece, **meta_style}], spacing="None")
                       for piece in split_text(meta_text)]
        head, *more = split_text(item.text)
        items: list[Element] = [
            rich([{"type": "TextRun", "text": f"#{item.id} ", "weight": "Bolder"}, {"type": "TextRun", "text": head}]),
            *(rich([{"type": "TextRun", "text": piece}]) for piece in more),
            *meta_blocks,
        ]
        if item.buttons:
            items.append({"type": "ActionSet", "actions": [self.button(b) for b in item.buttons]})
        return {"type": "Container", "id": f"item-{item.id}", "separator": True, "spacing": "Medium",
                "items": items}

    def blocks(self, reply: Reply, banner: str | None) -> list[list[Element]]:
        """The body in pieces that stay together on one card (a section title with what follows it)."""
        head: list[Element] = []
        if banner:
            head += text_blocks(t("teams.done_banner", text=banner), color="Good", weight="Bolder")
        if reply.title:
            head += text_blocks(reply.title, size="Medium", weight="Bolder",
                                **({"color": "Attention"} if reply.error else {}))
        blocks: list[list[Element]] = [head] if head else []
        for n, line in enumerate(reply.lines):
            style = {"color": "Attention"} if reply.error and n == 0 and not reply.title else {}
            prefix = "⚠ " if style else ""
            blocks += [[e] for e in text_blocks(prefix + line, **style)]
        for section in reply.sections:
            parts: list[Element] = []
            for line in section.lines:
                parts += text_blocks(line, spacing="Small")
            parts += [self.item(i) for i in section.items]
            if section.title:
                title = text_blocks(section.title, weight="Bolder", separator=True, spacing="Large")
                first = parts[:1]
                blocks.append(title + first)
                parts = parts[1:]
            blocks += [[p] for p in parts]
        return blocks


def _pack(blocks: list[list[Element]], actions: list[Element], title: str) -> list[Card]:
    budget = MAX_CARD_BYTES - 1_000  # the card frame and a "del 2 av 3" heading
    bodies: list[list[Element]] = [[]]
    used = 0
    for block in blocks:
        needed = size(block)
        if bodies[-1] and used + needed > budget:
            bodies.append([])
            used = 0
        bodies[-1].extend(block)
        used += needed
    if actions and used + size(actions) > budget:
        bodies.append([])
    if len(bodies) > 1:
        for n, body in enumerate(bodies[1:], start=2):
            heading = t("teams.part", title=title, part=n, parts=len(bodies))
            body.insert(0, rich([{"type": "TextRun", "text": heading, "isSubtle": True, "weight": "Bolder"}]))
    cards = [card(body) for body in bodies]
    if actions:
        cards[-1]["actions"] = actions
    return cards


def render(reply: Reply, *, source: str | None = None, banner: str | None = None) -> list[Card]:
    """One or more cards for `reply`. `source` is the command that produced it (see module docstring)."""
    if reply.form is not None:
        return [render_form(reply.form, title=reply.title or reply.form.title, lines=reply.lines, opener=source)]
    renderer = Renderer(source if reply.private else None)
    blocks = renderer.blocks(reply, banner)
    if not blocks:
        blocks = [text_blocks(t("teams.untitled"))]
    actions = [renderer.button(b) for b in reply.buttons]
    return _pack(blocks, actions, reply.title or t("teams.untitled"))


# --- forms ---------------------------------------------------------------------------------------


def _input(f: FormField, value: Any) -> Element:
    element: Element = {"id": FIELD_PREFIX + f.name, "label": f.label}
    if f.required:
        element |= {"isRequired": True, "errorMessage": t("teams.ask_required")}
    if f.kind in ("parties", "select"):
        element |= {
            "type": "Input.ChoiceSet",
            "style": "compact",
            "isMultiSelect": f.kind == "parties",
            "placeholder": f.placeholder or t("teams.choose"),
            "choices": [{"title": o.label, "value": o.value} for o in f.options],
        }
        if f.kind == "select" and not f.required:
            element["choices"].insert(0, {"title": t("teams.no_choice"), "value": NO_CHOICE})
    elif f.kind == "date":
        element["type"] = "Input.Date"
    else:
        element |= {"type": "Input.Text", "isMultiline": f.kind == "multiline"}
        if f.placeholder:
            element["placeholder"] = f.placeholder
        if f.max_length:
            element["maxLength"] = f.max_length
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    if value not in (None, ""):
        element["value"] = str(value)
    return element


def render_form(form: Form, *, title: str | None = None, lines: Iterable[str] = (),
                values: Mapping[str, Any] | None = None, errors: Mapping[str, str] | None = None,
                opener: str | None = None) -> Card:
    """A form as a card; after a refused submit, with what was typed and each field's error under it."""
    errors = errors or {}
    body: list[Element] = text_blocks(title or form.title, size="Medium", weight="Bolder",
                                      **({"color": "Attention"} if errors else {}))
    for line in lines:
        body += text_blocks(line)
    for f in form.fields:
        value = values.get(f.name) if values is not None else f.value
        body.append(_input(f, value))
        if f.hint:
            body += text_blocks(f.hint, isSubtle=True, size="Small", spacing="None")
        if f.name in errors:
            body += text_blocks("⚠ " + errors[f.name], color="Attention", size="Small", spacing="None")
    data: dict[str, Any] = {KIND: "form", "form": form.id, "context": form.context}
    if opener and len(opener) <= MAX_SOURCE:
        data["opener"] = opener
    return card(body, [execute(form.submit_label, data, "primary")])


# --- user-specific views --------------------------------------------------------------------------

MAX_REFRESH_USERS = 60  # Teams shows at most 60 different user-specific versions of a card


def view_data(command: str, for_user: str, banner: str | None = None) -> dict[str, Any]:
    """The refresh action's data: the read-only command that shows the view again, for whom, with which banner."""
    data: dict[str, Any] = {KIND: "view", "command": command, "for": for_user}
    if banner:
        data["banner"] = banner[:300]
    return data


def for_users(card: Card, data: dict[str, Any], user_ids: list[str]) -> Card:
    """`card` as a user-specific view: Teams refreshes it automatically only for `user_ids`."""
    action = {"type": "Action.Execute", "verb": VERB, "data": data}
    return card | {"refresh": {"action": action, "userIds": user_ids[:MAX_REFRESH_USERS]}}


def shared_placeholder(text: str, data: dict[str, Any], user_ids: list[str]) -> Card:
    """What everyone sees of a view posted for some people only (their clients refresh it to the view)."""
    return for_users(card(text_blocks(text, isSubtle=True)), data, user_ids)


# --- clicks --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardAction:
    """What a click asks for: a command to run, or a form to submit."""

    kind: str  # "command", "form" or "view" (a user-specific view shown again; nothing runs but a read)
    command: str = ""
    source: str | None = None
    missing: str | None = None  # the label of an asked-for value left empty
    form_id: str = ""
    form_context: dict[str, Any] = field(default_factory=dict)
    opener: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    banner: str | None = None
    for_user: str | None = None  # a view: the one it is for


def _text(value: Any, limit: int) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() and len(value) <= limit else None


def parse_action(data: Any) -> CardAction | None:
    """The action in a click's data (inputs merged in, as Teams sends them); None if it is not ours."""
    if not isinstance(data, Mapping):
        return None
    kind = data.get(KIND)
    source = _text(data.get("source"), MAX_SOURCE)
    if kind == "command":
        command = _text(data.get("command"), MAX_COMMAND)
        if command is None:
            return None
        ask = data.get("ask")
        if isinstance(ask, str) and ask:
            value = data.get(ask)
            value = value.strip() if isinstance(value, str) else ""
            if not value:
                label = data.get("label") if isinstance(data.get("label"), str) else ask
                return CardAction("command", command, source, missing=label)
            command = f"{command} {value}"
        return CardAction("command", command, source)
    if kind == "view":
        command = _text(data.get("command"), MAX_SOURCE)
        for_user = _text(data.get("for"), 200)
        if command is None or for_user is None:
            return None
        return CardAction("view", command, banner=_text(data.get("banner"), 300), for_user=for_user)
    if kind == "form":
        form_id = _text(data.get("form"), 100)
        context = data.get("context") if isinstance(data.get("context"), dict) else {}
        if form_id is None:
            return None
        values = {k[len(FIELD_PREFIX):]: "" if v == NO_CHOICE else v
                  for k, v in data.items() if isinstance(k, str) and k.startswith(FIELD_PREFIX)}
        return CardAction("form", form_id=form_id, form_context=context, opener=_text(data.get("opener"), MAX_SOURCE),
                          values=values)
    return None
