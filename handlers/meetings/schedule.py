"""Reading the meeting calendar: one meeting, the coming and the past ones, a period, and what is due
before a meeting.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from sqlalchemy import exists, or_, select

from handlers.core.catalog import t
from handlers.core.clock import at_local, local_date
from handlers.core.context import Context
from handlers.core.errors import NotFound, UserError
from handlers.meetings import cycle
from handlers.meetings.refs import AGENCIES
from storage.models import OPEN_STATUSES, Action, ActionParty, Meeting, Party

# --- reading ---------------------------------------------------------------------------------------


def load(ctx: Context, meeting_id: int) -> Meeting:
    meeting = ctx.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(t("meetings.not_found", id=meeting_id))
    return meeting


def parse_id(text: str) -> int:
    cleaned = text.strip().lstrip("#").rstrip(".,:;")
    if not cleaned.isdigit() or len(cleaned) > 12:
        raise UserError(t("meeting.bad_id", value=text.strip() or "–"))
    return int(cleaned)


def _not_over(now: datetime):  # type: ignore[no-untyped-def]
    """A meeting that has not ended yet: it starts later, or it is going on right now."""
    naive = now.astimezone(UTC).replace(tzinfo=None)
    return or_(Meeting.starts_at >= naive, Meeting.ends_at > naive)


def _filtered(stmt, kinds: Sequence[str] | None, region: str | None):  # type: ignore[no-untyped-def]
    stmt = stmt.where(Meeting.status == "scheduled")
    if kinds:
        stmt = stmt.where(Meeting.kind.in_(list(kinds)))
    if region is not None:
        stmt = stmt.where(Meeting.region == region)
    return stmt


def coming(ctx: Context, *, kinds: Sequence[str] | None = None, region: str | None = None,
           limit: int | None = None) -> list[Meeting]:
    """Scheduled meetings that have not ended, soonest first."""
    stmt = _filtered(select(Meeting), kinds, region).where(_not_over(ctx.now))
    stmt = stmt.order_by(Meeting.starts_at, Meeting.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(ctx.session.scalars(stmt))


def past(ctx: Context, *, kinds: Sequence[str] | None = None, region: str | None = None,
         before: datetime | None = None, limit: int | None = None) -> list[Meeting]:
    """Scheduled meetings that started before `before` (default: now), latest first."""
    moment = (before or ctx.now).astimezone(UTC).replace(tzinfo=None)
    stmt = _filtered(select(Meeting), kinds, region).where(Meeting.starts_at < moment)
    stmt = stmt.order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(ctx.session.scalars(stmt))


def in_period(ctx: Context, *, year: int, month: int | None = None, kinds: Sequence[str] | None = None,
              region: str | None = None) -> list[Meeting]:
    """Scheduled meetings starting in a local year (or month of it), in order.

    The bounds are local midnights converted to UTC, so a meeting at 00:30 on 1 February in Oslo
    belongs to February even though it is still January in UTC.
    """
    if month is None:
        first, last = date(year, 1, 1), date(year + 1, 1, 1)
    else:
        first = date(year, month, 1)
        last = date(year + (month == 12), month % 12 + 1, 1)
    start = at_local(first, time(0), ctx.tz).replace(tzinfo=None)
    end = at_local(last, time(0), ctx.tz).replace(tzinfo=None)
    stmt = _filtered(select(Meeting), kinds, region).where(Meeting.starts_at >= start, Meeting.starts_at < end)
    return list(ctx.session.scalars(stmt.order_by(Meeting.starts_at, Meeting.id)))


def has_ended(ctx: Context, meeting: Meeting) -> bool:
    end = meeting.ends_at or meeting.starts_at
    return end <= ctx.naive_now and meeting.starts_at < ctx.naive_now


def series_kinds(meeting: Meeting) -> tuple[tuple[str, ...], str | None]:
    """The kinds and county that make up a meeting's series (whose protocols follow each other).

    The national spring and autumn meetings are one forum, so one series; each county's dialogue
    meetings are a series of their own; AU and the steering group each have theirs.
    """
    if meeting.kind in cycle.NATIONAL_KINDS:
        return cycle.NATIONAL_KINDS, None
    if meeting.kind in cycle.REGIONAL_KINDS:
        return cycle.REGIONAL_KINDS, meeting.region
    return (meeting.kind,), None


def involved_parties(meeting: Meeting) -> list[str] | None:
    """The party keys a meeting concerns; None means everyone (national meetings)."""
    if meeting.kind == "au":
        return ["au"]
    if meeting.kind in cycle.REGIONAL_KINDS:
        keys = ["fylkeskommunene", "partene", *AGENCIES]
        if meeting.region:
            keys.insert(0, meeting.region)
        return keys
    return None


def due_before(ctx: Context, meeting: Meeting) -> list[Action]:
    """Open actions of the parties involved whose deadline falls on or before the meeting day."""
    day = local_date(meeting.starts_at, ctx.tz)
    stmt = select(Action).where(
        Action.status.in_(list(OPEN_STATUSES)), Action.deadline.is_not(None), Action.deadline <= day
    )
    keys = involved_parties(meeting)
    if keys is not None:
        stmt = stmt.where(
            exists().where(ActionParty.action_id == Action.id, ActionParty.party_id == Party.id,
                           Party.key.in_(keys))
        )
    return list(ctx.session.scalars(stmt.order_by(Action.deadline, Action.id)))
