"""Operations on follow-up actions; every change is checked, recorded in the history, and flushed.

The chat commands, the forms, the protocol import and the reminder buttons all change actions
through these functions, so the permission rules and the event log cannot be bypassed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from handlers.core import permissions
from handlers.core.catalog import t
from handlers.core.context import Context
from handlers.core.errors import NotFound, PartyError, UserError
from handlers.core.text import clean_input
from handlers.dates.format import format_date
from handlers.dates.parse import parse_date
from handlers.dates.sentence import split_deadline
from handlers.dates.values import DeadlineParse
from handlers.meetings.refs import meeting_lookup
from storage import queries
from storage.models import OPEN_STATUSES, Action, ActionEvent, ActionParty, Comment, Meeting

# Long enough for a whole protocol paragraph pasted in (10 000 characters are stored as typed);
# the renderers split it across blocks, and lists shorten it with a pointer to `vis N`.
MAX_TEXT = 20_000


@dataclass(frozen=True)
class NewAction:
    text: str
    party_keys: tuple[str, ...]
    deadline: DeadlineParse | None = None
    meeting_id: int | None = None
    case_ref: str = ""
    origin_key: str | None = None
    # Where it was captured: a Slack message permalink or a Teams message link (`vis N` shows it).
    source_link: str | None = None


def record(ctx: Context, action: Action, kind: str, old: object = None, new: object = None) -> None:
    ctx.session.add(
        ActionEvent(
            action_id=action.id,
            at=ctx.naive_now,
            actor_id=ctx.person.id,
            source=ctx.source,
            kind=kind,
            old_value=None if old is None else str(old),
            new_value=None if new is None else str(new),
        )
    )


def load(ctx: Context, action_id: int) -> Action:
    action = queries.get_action(ctx.session, action_id)
    if action is None:
        raise NotFound(t("actions.not_found", id=action_id))
    return action


def parse_id(text: str) -> int:
    cleaned = text.strip().lstrip("#").rstrip(".,:;")
    if not cleaned.isdigit() or len(cleaned) > 12:
        raise UserError(t("actions.bad_id", value=text.strip() or "–"))
    return int(cleaned)


def resolve_parties(ctx: Context, text: str) -> tuple[str, ...]:
    """Party keys for what the user typed; any unknown name refuses the whole input."""
    if not text.strip():
        raise PartyError(t("actions.no_party"), suggestions=(t("actions.new_example"),))
    resolution = ctx.resolver.resolve(text, on=ctx.today)
    if resolution.questions:
        # "Viken" after 2023: ask whether all its successors are meant rather than assume it.
        raise PartyError(" ".join([*resolution.questions, ctx.resolver.reform_hint(resolution)]),
                         suggestions=ctx.resolver.reform_suggestions(resolution))
    if resolution.unknown:
        suggestions: list[str] = []
        for name in resolution.unknown:
            close = ctx.resolver.suggest(name)
            if close:
                suggestions.append(t("party.did_you_mean", name=name, options=", ".join(close)))
        suggestions.append(t("party.create_group_hint", name=resolution.unknown[0]))
        raise PartyError(t("party.unknown", names=", ".join(resolution.unknown)), suggestions=suggestions)
    if not resolution.keys:
        raise PartyError(t("actions.no_party"), suggestions=(t("actions.new_example"),))
    return tuple(resolution.keys)


def parse_deadline(ctx: Context, expression: str, party_keys: Sequence[str]) -> DeadlineParse:
    return parse_date(expression, ctx.today, meetings=meeting_lookup(ctx, party_keys))


def parse_quick_add(ctx: Context, text: str) -> NewAction:
    """`AU: Sende brev til KDD innen 15. juni` → parties, text and deadline; raises on anything unclear."""
    head, sep, rest = text.partition(":")
    if not sep or not head.strip():
        raise PartyError(t("actions.no_party"), suggestions=(t("actions.new_example"),))
    keys = resolve_parties(ctx, head)
    body, expression = split_deadline(rest.strip())
    deadline = parse_deadline(ctx, expression, keys) if expression else None
    body = body.strip()
    if not body:
        raise UserError(t("actions.no_text"), suggestions=(t("actions.new_example"),))
    return NewAction(text=body, party_keys=keys, deadline=deadline)


def create(ctx: Context, new: NewAction) -> tuple[Action, bool]:
    """Create the action; (existing, False) when `origin_key` was seen before (retries, re-imports)."""
    text = clean_input(new.text)  # forms, imports and the CLI too, not only typed commands
    if not text:
        raise UserError(t("actions.no_text"))
    if len(text) > MAX_TEXT:
        raise UserError(t("actions.too_long", max=MAX_TEXT, length=len(text)))
    if new.origin_key:
        existing = ctx.session.scalar(select(Action).where(Action.origin_key == new.origin_key))
        if existing is not None:
            return existing, False
    if new.meeting_id is not None and ctx.session.get(Meeting, new.meeting_id) is None:
        raise NotFound(t("meetings.not_found", id=new.meeting_id))
    rows = queries.parties_by_key(ctx.session, new.party_keys)
    missing = [key for key in new.party_keys if key not in rows]
    if missing:
        raise PartyError(t("party.unknown", names=", ".join(missing)))
    person = ctx.person
    action = Action(
        text=text,
        status="open",
        case_ref=new.case_ref.strip(),
        meeting_id=new.meeting_id,
        source=ctx.source,
        origin_key=new.origin_key,
        source_link=new.source_link,
        created_by_id=person.id,
        updated_by_id=person.id,
        created_at=ctx.naive_now,
        updated_at=ctx.naive_now,
    )
    _apply_deadline(action, new.deadline)
    for position, key in enumerate(new.party_keys):
        action.party_links.append(ActionParty(party_id=rows[key].id, position=position))
    try:
        # A savepoint, so that losing a race on origin_key leaves the outer transaction usable.
        with ctx.session.begin_nested():
            ctx.session.add(action)
            ctx.session.flush()
    except IntegrityError:
        if new.origin_key:
            existing = ctx.session.scalar(select(Action).where(Action.origin_key == new.origin_key))
            if existing is not None:
                return existing, False
        raise
    record(ctx, action, "created", None, _summary(action))
    return action, True


def _apply_deadline(action: Action, deadline: DeadlineParse | None) -> None:
    if deadline is None:
        action.deadline = None
        action.deadline_text = ""
        action.deadline_meeting = None
        return
    action.deadline = deadline.date
    action.deadline_text = deadline.text
    action.deadline_meeting = deadline.meeting.to_json() if deadline.meeting else None


def _summary(action: Action) -> str:
    deadline = format_date(action.deadline) if action.deadline else (action.deadline_text or "-")
    return f"{action.text} | {', '.join(action.party_keys)} | {deadline}"


def deadline_label(action: Action) -> str:
    if action.deadline:
        return format_date(action.deadline)
    if action.deadline_meeting:
        return t("actions.deadline_pending_meeting", text=action.deadline_text)
    return t("actions.no_deadline")


def set_status(ctx: Context, action_id: int, status: str, reason: str = "") -> tuple[Action, bool]:
    """Change status; (action, False) when it already had that status (a second click does nothing)."""
    action = load(ctx, action_id)
    operation = {"done": "complete", "open": "reopen", "in_progress": "start", "cancelled": "cancel"}[status]
    permissions.require(ctx, operation, action)
    if action.status == status:
        return action, False
    if action.status == "cancelled" and not ctx.is_admin:
        raise UserError(t("actions.is_cancelled", id=action.id))
    old = action.status
    action.status = status
    _touch(ctx, action)
    record(ctx, action, "status", old, status)
    if reason.strip():
        _add_comment(ctx, action, reason.strip())
    return action, True


def change_deadline(ctx: Context, action_id: int, expression: str, *, operation: str = "deadline") -> Action:
    action = load(ctx, action_id)
    permissions.require(ctx, operation, action)
    if action.status not in OPEN_STATUSES:
        raise UserError(t("actions.not_open", id=action.id, status=t(f"status.{action.status}")))
    parsed = parse_deadline(ctx, expression, action.party_keys)
    old = deadline_label(action)
    _apply_deadline(action, parsed)
    _touch(ctx, action)
    record(ctx, action, "deadline", old, deadline_label(action))
    return action


def comment(ctx: Context, action_id: int, text: str) -> Action:
    action = load(ctx, action_id)
    permissions.require(ctx, "comment", action)
    text = clean_input(text)
    if not text:
        raise UserError(t("actions.empty_comment"))
    if len(text) > MAX_TEXT:
        raise UserError(t("actions.too_long", max=MAX_TEXT, length=len(text)))
    _add_comment(ctx, action, text)
    _touch(ctx, action)
    return action


def _add_comment(ctx: Context, action: Action, text: str) -> None:
    ctx.session.add(Comment(action_id=action.id, author_id=ctx.person.id, at=ctx.naive_now, source=ctx.source, text=text))
    record(ctx, action, "comment", None, text)


def edit_text(ctx: Context, action_id: int, text: str) -> Action:
    action = load(ctx, action_id)
    permissions.require(ctx, "edit", action)
    text = clean_input(text)
    if not text:
        raise UserError(t("actions.no_text"))
    if len(text) > MAX_TEXT:
        raise UserError(t("actions.too_long", max=MAX_TEXT, length=len(text)))
    old = action.text
    action.text = text
    _touch(ctx, action)
    record(ctx, action, "text", old, text)
    return action


def set_parties(ctx: Context, action_id: int, names: str) -> Action:
    action = load(ctx, action_id)
    permissions.require(ctx, "edit", action)
    keys = resolve_parties(ctx, names)
    rows = queries.parties_by_key(ctx.session, keys)
    old = ", ".join(action.party_keys)
    action.party_links.clear()
    ctx.session.flush()
    for position, key in enumerate(keys):
        action.party_links.append(ActionParty(party_id=rows[key].id, position=position))
    _touch(ctx, action)
    record(ctx, action, "parties", old, ", ".join(keys))
    return action


def snooze(ctx: Context, action_id: int, until: datetime) -> Action:
    action = load(ctx, action_id)
    permissions.require(ctx, "snooze", action)
    old = action.snoozed_until
    action.snoozed_until = until.replace(tzinfo=None)
    _touch(ctx, action)
    record(ctx, action, "snooze", old.isoformat() if old else None, action.snoozed_until.isoformat())
    return action


def _touch(ctx: Context, action: Action) -> None:
    action.updated_at = ctx.naive_now
    action.updated_by_id = ctx.person.id
    ctx.session.flush()


