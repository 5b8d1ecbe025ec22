"""Deadlines that follow meetings: bound when they resolve, moved, re-resolved or released with their meeting.

Deadlines tied to a meeting ("til vårmøtet", "til neste møte") are kept in `Action.deadline_meeting`
as {"kind", "year"}; once such a deadline has a date, this module also writes the id of the meeting
it resolved to ({"kind", "year", "meeting_id"}). That binding is what makes a moved meeting move
exactly the actions that depend on it, and nothing else:

- adding a meeting gives a date to the open actions still waiting for one (their reference now
  resolves through `handlers.meetings.refs.find_meeting`);
- moving a meeting moves the deadlines bound to it;
- cancelling a meeting re-resolves the deadlines bound to it (to another scheduled meeting, or
  back to "not scheduled yet").

Every such change is recorded as a 'deadline' event in the action's history. The binding lives
inside the JSON value rather than in a column of its own because `handlers.actions.lifecycle` replaces that
value whenever a user sets a new deadline, so a stale binding can never survive a manual change.
Actions whose meeting deadline was resolved before the binding existed (by `lifecycle.create`) are
"adopted" first: bound to the meeting whose date they carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, cast, select

from handlers.actions import lifecycle
from handlers.core.catalog import t
from handlers.core.clock import local_date
from handlers.core.context import Context
from handlers.dates.format import format_date
from handlers.dates.values import MeetingRef
from handlers.meetings.refs import find_meeting
from storage.models import OPEN_STATUSES, Action, Meeting


@dataclass
class DeadlineChanges:
    """Actions whose deadline followed a meeting change, by what happened to them."""

    moved: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    unresolved: list[int] = field(default_factory=list)

    def extend(self, other: DeadlineChanges) -> None:
        self.moved += other.moved
        self.resolved += other.resolved
        self.unresolved += other.unresolved

    def lines(self) -> list[str]:
        out = []
        for key, ids in (("moved", self.moved), ("resolved", self.resolved), ("unresolved", self.unresolved)):
            if ids:
                out.append(t(f"meeting.deadlines_{key}", count=len(ids), ids=", ".join(f"#{i}" for i in ids)))
        return out

    def to_json(self) -> dict[str, list[int]]:
        return {"moved": self.moved, "resolved": self.resolved, "unresolved": self.unresolved}


# --- deadlines that depend on meetings ---------------------------------------------------------------


def _meeting_bound_actions(ctx: Context) -> list[Action]:
    """Open actions whose deadline refers to a meeting."""
    stmt = select(Action).where(
        Action.status.in_(list(OPEN_STATUSES)),
        Action.deadline_meeting.is_not(None),
        # JSON null and SQL NULL are different things on PostgreSQL; both mean "no meeting".
        cast(Action.deadline_meeting, String) != "null",
    )
    return [a for a in ctx.session.scalars(stmt.order_by(Action.id)) if isinstance(a.deadline_meeting, dict)]


def _ref(action: Action) -> MeetingRef:
    return MeetingRef.from_json(action.deadline_meeting or {})


def bound_meeting_id(action: Action) -> int | None:
    value = (action.deadline_meeting or {}).get("meeting_id")
    return value if isinstance(value, int) else None


def _bind(action: Action, meeting: Meeting | None) -> None:
    value = {k: v for k, v in (action.deadline_meeting or {}).items() if k != "meeting_id"}
    if meeting is not None:
        value["meeting_id"] = meeting.id
    action.deadline_meeting = value  # a new dict, so SQLAlchemy sees the change


def _adopt(ctx: Context, candidates: list[Action]) -> None:
    """Bind deadlines that were resolved without a binding to the meeting whose date they carry."""
    for action in candidates:
        bound = bound_meeting_id(action)
        if bound is not None and ctx.session.get(Meeting, bound) is not None:
            continue
        if action.deadline is None:
            continue
        ref = _ref(action)
        meeting = find_meeting(ctx, ref, action.party_keys)
        if meeting is not None and ref.on(local_date(meeting.starts_at, ctx.tz)) == action.deadline:
            _bind(action, meeting)


def _set_deadline(ctx: Context, action: Action, meeting: Meeting | None, why: str) -> None:
    old = lifecycle.deadline_label(action)
    # "to uker før vårmøtet": the deadline keeps its distance to the meeting.
    action.deadline = _ref(action).on(local_date(meeting.starts_at, ctx.tz)) if meeting is not None else None
    _bind(action, meeting)
    action.updated_at = ctx.naive_now
    action.updated_by_id = ctx.person.id
    new = (t("meeting.deadline_event", date=format_date(action.deadline), meeting=why) if action.deadline
           else t("meeting.deadline_event_pending", meeting=why))
    lifecycle.record(ctx, action, "deadline", old, new)


def _follow(ctx: Context, meeting: Meeting, candidates: list[Action]) -> DeadlineChanges:
    changes = DeadlineChanges()
    day = local_date(meeting.starts_at, ctx.tz)
    for action in candidates:
        if bound_meeting_id(action) == meeting.id and action.deadline != _ref(action).on(day):
            _set_deadline(ctx, action, meeting, meeting.title)
            changes.moved.append(action.id)
    ctx.session.flush()
    return changes


def _resolve_pending(ctx: Context, candidates: list[Action]) -> DeadlineChanges:
    changes = DeadlineChanges()
    for action in candidates:
        if action.deadline is not None or bound_meeting_id(action) is not None:
            continue
        meeting = find_meeting(ctx, _ref(action), action.party_keys)
        if meeting is not None:
            _set_deadline(ctx, action, meeting, meeting.title)
            changes.resolved.append(action.id)
    ctx.session.flush()
    return changes


def _release(ctx: Context, cancelled: Meeting, candidates: list[Action]) -> DeadlineChanges:
    changes = DeadlineChanges()
    for action in candidates:
        if bound_meeting_id(action) != cancelled.id:
            continue
        replacement = find_meeting(ctx, _ref(action), action.party_keys)
        if replacement is not None:
            _set_deadline(ctx, action, replacement, replacement.title)
            changes.moved.append(action.id)
        else:
            _set_deadline(ctx, action, None, cancelled.title)
            changes.unresolved.append(action.id)
    ctx.session.flush()
    return changes
