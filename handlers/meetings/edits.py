"""Adding, changing, moving and cancelling meetings. Deadlines bound to a meeting follow it
(`handlers.meetings.deadlines`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from handlers.core import permissions
from handlers.core.audit import audit, meeting_audit
from handlers.core.catalog import t
from handlers.core.clock import at_local, local_date
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.text import clean_input
from handlers.dates.format import format_datetime
from handlers.meetings import cycle
from handlers.meetings.deadlines import (
    DeadlineChanges,
    _adopt,
    _follow,
    _meeting_bound_actions,
    _release,
    _resolve_pending,
)
from handlers.meetings.labels import default_title
from handlers.meetings.schedule import load
from storage.models import Meeting

MAX_TITLE = 300
MAX_PLACE = 300


@dataclass(frozen=True)
class MeetingSpec:
    """A meeting to add, as validated input; instants are aware."""

    kind: str
    starts_at: datetime
    ends_at: datetime | None = None
    all_day: bool = False
    place: str = ""
    region: str | None = None
    title: str = ""
    uid: str | None = None
    notes: str = ""


# --- changing meetings -----------------------------------------------------------------------------


def validate(ctx: Context, spec: MeetingSpec) -> MeetingSpec:
    # Typed, from a form or from an .ics file: the same cleaning as every other text.
    spec = replace(spec, title=clean_input(spec.title), place=clean_input(spec.place), notes=clean_input(spec.notes))
    if spec.kind not in cycle.RULES:
        raise UserError(t("meeting.unknown_kind", text=spec.kind))
    if spec.kind in cycle.REGIONAL_KINDS and not spec.region:
        raise UserError(t("meeting.missing_county"))
    if spec.region is not None:
        if spec.kind not in cycle.REGIONAL_KINDS:
            raise UserError(t("meeting.county_not_regional"))
        info = ctx.resolver.get(spec.region)
        if info is None or info.kind != "county":
            raise UserError(t("meeting.unknown_county", name=spec.region))
    if spec.ends_at is not None and spec.ends_at <= spec.starts_at:
        raise UserError(t("meeting.end_before_start", text=format_datetime(spec.ends_at, ctx.tz)))
    if len(spec.title) > MAX_TITLE:
        raise UserError(t("meeting.too_long", field=t("meeting.field.title"), max=MAX_TITLE))
    if len(spec.place) > MAX_PLACE:
        raise UserError(t("meeting.too_long", field=t("meeting.field.place"), max=MAX_PLACE))
    return spec


def _naive(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None)


def add(ctx: Context, spec: MeetingSpec) -> tuple[Meeting, DeadlineChanges]:
    """Add a meeting (admins only) and give a date to the deadlines that were waiting for it."""
    permissions.require(ctx, "manage_meetings")
    spec = validate(ctx, spec)
    open_refs = _meeting_bound_actions(ctx)
    _adopt(ctx, open_refs)
    day = local_date(spec.starts_at, ctx.tz)
    meeting = Meeting(
        kind=spec.kind,
        title=spec.title.strip() or default_title(ctx, spec.kind, spec.region, day),
        starts_at=_naive(spec.starts_at),
        ends_at=_naive(spec.ends_at),
        all_day=spec.all_day,
        place=spec.place.strip(),
        region=spec.region,
        convener=cycle.convener_key(spec.kind, spec.region),
        status="scheduled",
        uid=spec.uid,
        source=ctx.source,
        notes=spec.notes,
        created_at=ctx.naive_now,
        updated_at=ctx.naive_now,
    )
    ctx.session.add(meeting)
    ctx.session.flush()
    audit(ctx, "meeting", meeting.id, "created", None, meeting_audit(meeting))
    changes = _resolve_pending(ctx, open_refs)
    return meeting, changes


def update(ctx: Context, meeting: Meeting, spec: MeetingSpec) -> tuple[bool, DeadlineChanges]:
    """Bring a meeting in line with `spec` (calendar re-import); moves bound deadlines if the time changed."""
    permissions.require(ctx, "manage_meetings")
    spec = validate(ctx, spec)
    open_refs = _meeting_bound_actions(ctx)
    _adopt(ctx, open_refs)
    day = local_date(spec.starts_at, ctx.tz)
    wanted = {
        "kind": spec.kind,
        "title": spec.title.strip() or default_title(ctx, spec.kind, spec.region, day),
        "starts_at": _naive(spec.starts_at),
        "ends_at": _naive(spec.ends_at),
        "all_day": spec.all_day,
        "place": spec.place.strip(),
        "region": spec.region,
        "convener": cycle.convener_key(spec.kind, spec.region),
        "status": "scheduled",
    }
    changed = {name: value for name, value in wanted.items() if getattr(meeting, name) != value}
    if not changed:
        return False, DeadlineChanges()
    before = meeting_audit(meeting)
    for name, value in changed.items():
        setattr(meeting, name, value)
    meeting.updated_at = ctx.naive_now
    ctx.session.flush()
    audit(ctx, "meeting", meeting.id, "changed", before, meeting_audit(meeting))
    changes = _follow(ctx, meeting, open_refs)
    changes.extend(_resolve_pending(ctx, open_refs))
    return True, changes


def move(ctx: Context, meeting_id: int, starts_at: datetime, *, all_day: bool | None = None,
         ends_at: datetime | None = None) -> tuple[Meeting, bool, DeadlineChanges]:
    """Move a meeting (admins only); its length is kept unless `ends_at` is given."""
    permissions.require(ctx, "manage_meetings")
    meeting = load(ctx, meeting_id)
    if meeting.status == "cancelled":
        raise UserError(t("meeting.is_cancelled", id=meeting.id))
    new_start = _naive(starts_at)
    assert new_start is not None
    if ends_at is not None:
        new_end = _naive(ends_at)
    elif meeting.ends_at is not None:
        new_end = new_start + (meeting.ends_at - meeting.starts_at)
    else:
        new_end = None
    if new_end is not None and new_end <= new_start:
        raise UserError(t("meeting.end_before_start", text=format_datetime(new_end, ctx.tz)))
    new_all_day = meeting.all_day if all_day is None else all_day
    if (new_start, new_end, new_all_day) == (meeting.starts_at, meeting.ends_at, meeting.all_day):
        return meeting, False, DeadlineChanges()
    open_refs = _meeting_bound_actions(ctx)
    _adopt(ctx, open_refs)
    before = meeting_audit(meeting)
    meeting.starts_at, meeting.ends_at, meeting.all_day = new_start, new_end, new_all_day
    meeting.updated_at = ctx.naive_now
    ctx.session.flush()
    audit(ctx, "meeting", meeting.id, "moved", before, meeting_audit(meeting))
    changes = _follow(ctx, meeting, open_refs)
    changes.extend(_resolve_pending(ctx, open_refs))
    return meeting, True, changes


def cancel(ctx: Context, meeting_id: int) -> tuple[Meeting, bool, DeadlineChanges]:
    """Cancel a meeting (admins only); deadlines bound to it look for another meeting."""
    permissions.require(ctx, "manage_meetings")
    meeting = load(ctx, meeting_id)
    return (meeting, *cancel_meeting(ctx, meeting))  # type: ignore[return-value]


def cancel_meeting(ctx: Context, meeting: Meeting) -> tuple[bool, DeadlineChanges]:
    permissions.require(ctx, "manage_meetings")
    if meeting.status == "cancelled":
        return False, DeadlineChanges()
    open_refs = _meeting_bound_actions(ctx)
    _adopt(ctx, open_refs)
    before = meeting_audit(meeting)
    meeting.status = "cancelled"
    meeting.updated_at = ctx.naive_now
    ctx.session.flush()
    audit(ctx, "meeting", meeting.id, "cancelled", before, meeting_audit(meeting))
    return True, _release(ctx, meeting, open_refs)


def all_day_bounds(day: date, ctx: Context, days: int = 1) -> tuple[datetime, datetime]:
    """An all-day meeting runs from local midnight to the local midnight `days` later."""
    return at_local(day, time(0), ctx.tz), at_local(day + timedelta(days=days), time(0), ctx.tz)
