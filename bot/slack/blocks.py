"""Block Kit rendering of `Reply` values, within Slack's limits.

Slack rejects a message with more than 50 blocks or a section text over 3000 characters, so a long
reply (a 300-item digest) becomes several messages and long text several sections: nothing is cut
off silently. Labels that Slack caps (buttons, headers) are shortened with a visible "…".

Block ids carry the id of the action an item shows (`item-<id>-<n>-…`), so a click can replace
exactly that item in a message that lists many.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from handlers.core.catalog import t
from handlers.core.replies import ActionItem, Button, Reply

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ELEMENTS = 25
MAX_FALLBACK_TEXT = 3000  # only the notification text; the blocks carry the content
MAX_SOURCE = 300  # a list command longer than this is not worth re-running after a click

BUTTON_ACTION_PREFIX = "oppf_btn"

STATUS_MARK = {"done": "✅ ", "cancelled": "✖️ ", "in_progress": "🔄 "}
OVERDUE_MARK = "🔴 "

Block = dict[str, Any]


@dataclass
class SlackMessage:
    text: str
    blocks: list[Block] = field(default_factory=list)


# --- text helpers --------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack mrkdwn needs only these three escaped; user text must never become a mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """For labels only (buttons, titles, options): visibly shortened, never for content."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_text(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Pieces of at most `limit` characters, cut at a line break or space where possible.

    Never cuts inside an `&amp;`-style escape. Only the whitespace at a cut is dropped.
    """
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut > 0:
            chunks.append(rest[:cut])
            rest = rest[cut + 1 :]
            continue
        cut = limit
        amp = rest.rfind("&", max(0, cut - 6), cut)
        if amp > 0 and ";" not in rest[amp:cut]:
            cut = amp
        chunks.append(rest[:cut])
        rest = rest[cut:]
    if rest.strip():
        chunks.append(rest)
    return [c for c in chunks if c.strip()]


def mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack must not turn plain "@here", "#kanal" or a URL in user text into a mention or a
    # link; only explicit <…> syntax is parsed, and `escape` makes sure user text never has any.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def sections(text: str, block_id: str | None = None) -> list[Block]:
    """`text` (already mrkdwn) as one section per 3000 characters."""
    out: list[Block] = []
    for n, chunk in enumerate(split_text(text)):
        block: Block = {"type": "section", "text": mrkdwn(chunk)}
        if block_id:
            block["block_id"] = f"{block_id}-t{n}"
        out.append(block)
    return out


# --- buttons -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ButtonValue:
    """What a button carries back: the command it runs, and what to do around it."""

    command: str
    ask: str | None = None  # "date" or "text": ask for one value first
    ask_label: str = ""
    item: int | None = None  # the action the button belongs to (None: a reply-level button)
    source: str | None = None  # the command that produced the message (to refresh a private list)

    def encode(self) -> str:
        data: dict[str, Any] = {"c": self.command}
        if self.ask:
            data["a"] = self.ask
            data["l"] = self.ask_label
        if self.item is not None:
            data["i"] = self.item
        if self.source:
            data["s"] = self.source
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if len(raw) > MAX_BUTTON_VALUE and "s" in data:
            del data["s"]  # the refresh is a nicety; the command itself must fit
            raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return raw

    @classmethod
    def decode(cls, raw: str | None) -> ButtonValue | None:
        try:
            data = json.loads(raw or "")
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            return None
        item = data.get("i")
        return cls(
            command=data["c"],
            ask=data.get("a") if data.get("a") in ("date", "text") else None,
            ask_label=str(data.get("l") or ""),
            item=item if isinstance(item, int) else None,
            source=data.get("s") if isinstance(data.get("s"), str) else None,
        )


class Renderer:
    """Renders one message or view; numbers buttons and blocks so their ids are unique in it."""

    def __init__(self, source: str | None = None) -> None:
        self.source = source if source and len(source) <= MAX_SOURCE else None
        self._buttons = itertools.count(1)
        self._items = itertools.count(1)

    def button(self, button: Button, item: int | None = None) -> Block:
        value = ButtonValue(button.command, button.ask, button.ask_label, item, self.source)
        element: Block = {
            "type": "button",
            "action_id": f"{BUTTON_ACTION_PREFIX}_{next(self._buttons)}",
            "text": plain(clip(button.label, MAX_BUTTON_TEXT)),
            "value": value.encode(),
        }
        if button.style in ("primary", "danger"):
            element["style"] = button.style
        return element

    def actions(self, buttons: Iterable[Button], item: int | None = None, block_id: str | None = None) -> list[Block]:
        elements = [self.button(b, item) for b in buttons]
        out: list[Block] = []
        for n in range(0, len(elements), MAX_ACTION_ELEMENTS):
            block: Block = {"type": "actions", "elements": elements[n : n + MAX_ACTION_ELEMENTS]}
            if block_id:
                block["block_id"] = f"{block_id}-b{n}"
            out.append(block)
        return out

    def item(self, item: ActionItem) -> list[Block]:
        """One action: its text and facts in sections, then its buttons."""
        block_id = f"item-{item.id}-{next(self._items)}"
        return [*sections(item_text(item), block_id), *self.actions(item.buttons, item.id, block_id)]

    def groups(self, reply: Reply) -> list[list[Block]]:
        """The reply as groups of blocks that belong together (an item and its buttons, a title and what follows)."""
        groups: list[list[Block]] = []
        sticky: list[Block] = []

        def add(blocks: list[Block]) -> None:
            nonlocal sticky
            if blocks:
                groups.append([*sticky, *blocks])
                sticky = []

        if reply.title:
            title = reply.title
            if reply.error:
                sticky = sections(f"⚠️ *{escape(title)}*")
            elif len(title) <= MAX_HEADER_TEXT:
                sticky = [{"type": "header", "text": plain(title)}]
            else:
                sticky = sections(f"*{escape(title)}*")
        lines = [escape(line) for line in reply.lines if line.strip()]
        if reply.error and lines and not reply.title:
            lines[0] = f"⚠️ {lines[0]}"
        for block in sections("\n".join(lines)):
            add([block])
        for section in reply.sections:
            if section.title:
                if sticky:  # a title with nothing under it yet stands alone
                    groups.append(sticky)
                sticky = sections(f"*{escape(section.title)}*")
            for block in sections("\n".join(escape(line) for line in section.lines if line.strip())):
                add([block])
            for item in section.items:
                add(self.item(item))
        if reply.buttons:
            add(self.actions(reply.buttons))
        if sticky:
            groups.append(sticky)
        return groups


def item_text(item: ActionItem) -> str:
    mark = OVERDUE_MARK if item.overdue else STATUS_MARK.get(item.status, "")
    head = f"{mark}*#{item.id}*  {escape(item.text)}"
    deadline = escape(t("show.deadline", deadline=item.deadline_label))
    if item.overdue:
        deadline = f"*{deadline} – {t('slack.overdue')}*"
    facts = [deadline, escape(t("show.parties", parties=", ".join(item.parties)))]
    facts.append(escape(t("show.status", status=item.status_label)))
    if item.meeting:
        facts.append(escape(t("show.meeting", meeting=item.meeting)))
    if item.case:
        facts.append(escape(t("show.case", case=item.case)))
    return f"{head}\n{'  ·  '.join(facts)}"


def fallback_text(reply: Reply) -> str:
    first = reply.title or next((line for line in reply.lines if line.strip()), "") or t("slack.fallback")
    if reply.error and not first.startswith("⚠️"):
        first = f"⚠️ {first}"
    return clip(escape(first), MAX_FALLBACK_TEXT)


def pack(groups: list[list[Block]], limit: int) -> list[list[Block]]:
    """Groups into lists of at most `limit` blocks, never splitting a group that fits in one."""
    out: list[list[Block]] = [[]]
    for group in groups:
        for piece in _pieces(group, limit):
            if len(out[-1]) + len(piece) > limit:
                out.append([])
            out[-1].extend(piece)
    return [blocks for blocks in out if blocks] or [[]]


def _pieces(group: list[Block], limit: int) -> Iterator[list[Block]]:
    for n in range(0, len(group), limit):
        yield group[n : n + limit]


def render(reply: Reply, *, source: str | None = None) -> list[SlackMessage]:
    """The reply as one or more messages of at most 50 blocks; later parts say they continue."""
    groups = Renderer(source).groups(reply)
    text = fallback_text(reply)
    chunks = pack(groups, MAX_MESSAGE_BLOCKS - 1)  # room for the "continued" line
    if len(chunks) == 1:
        return [SlackMessage(text=text, blocks=chunks[0])]
    messages = []
    for n, blocks in enumerate(chunks, start=1):
        if n > 1:
            note = t("slack.continued", part=n, parts=len(chunks))
            blocks = [{"type": "context", "elements": [mrkdwn(note)]}, *blocks]
            messages.append(SlackMessage(text=f"{text} ({note})", blocks=blocks))
        else:
            messages.append(SlackMessage(text=text, blocks=blocks))
    return messages


def note_block(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(clip(text, MAX_SECTION_TEXT))]}


def replace_item(blocks: list[Block], item: ActionItem, note: str, source: str | None = None) -> list[Block] | None:
    """`blocks` with the blocks of `item.id` replaced by its new rendering and a note; None if it is not there."""
    prefix = f"item-{item.id}-"
    start = next((i for i, b in enumerate(blocks) if str(b.get("block_id", "")).startswith(prefix)), None)
    if start is None:
        return None
    end = start
    while end < len(blocks) and (
        str(blocks[end].get("block_id", "")).startswith(prefix) or blocks[end].get("block_id") == f"note-{item.id}"
    ):
        end += 1
    renderer = Renderer(source)
    # Fresh ids must not collide with the blocks and buttons left untouched.
    renderer._items = itertools.count(len(blocks) + 1)
    renderer._buttons = itertools.count(_max_button_number(blocks) + 1)
    fresh = renderer.item(item)
    out = [*blocks[:start], *fresh, *blocks[end:]]
    if len(out) < MAX_MESSAGE_BLOCKS:
        out.insert(start + len(fresh), {**note_block(note), "block_id": f"note-{item.id}"})
    return out


def _max_button_number(blocks: list[Block]) -> int:
    highest = 0
    for block in blocks:
        for element in block.get("elements", ()) if block.get("type") == "actions" else ():
            suffix = str(element.get("action_id", "")).rpartition("_")[2]
            if suffix.isdigit():
                highest = max(highest, int(suffix))
    return highest
