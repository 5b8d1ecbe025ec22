"""Which meetings concern which parties, and resolving "til neste møte" to a date.

A national meeting or a steering-group meeting concerns every party; a regional dialogue meeting
concerns its county and the agencies; an AU meeting concerns AU.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy import extract, select

from handlers.core.clock import at_local, local_date
from handlers.core.context import Context
from handlers.dates.values import MeetingRef
from storage.models import Meeting

AGENCIES = ("innovasjon-norge", "siva", "forskningsradet", "virkemiddelaktorene")
EVERYONE_KINDS = ("national-spring", "national-autumn", "steering-group", "other")
KIND_FAMILIES = {
    # "til vårmøtet" from a county's point of view may mean its own regional spring meeting,
    # but by the agreement the national one comes first and is what protocols refer to.
    "national-spring": ("national-spring",),
    "national-autumn": ("national-autumn",),
    "regional-spring": ("regional-spring",),
    "regional-autumn": ("regional-autumn",),
    "au": ("au",),
    "steering-group": ("steering-group",),
    "other": ("other",),
}


def concerns(meeting: Meeting, party_keys: Sequence[str], expand: Callable[[str], list[str]]) -> bool:
    if meeting.kind in EVERYONE_KINDS or not party_keys:
        return True
    wanted: set[str] = set()
    for key in party_keys:
        wanted.add(key)
        wanted.update(expand(key))
    if meeting.kind == "au":
        return "au" in wanted
    if meeting.kind.startswith("regional"):
        groups = {"fylkeskommunene", "partene", *AGENCIES}
        return meeting.region in wanted or bool(wanted & groups)
    return True


def upcoming(ctx: Context, *, kinds: Sequence[str] | None = None, year: int | None = None,
             after: datetime | None = None) -> list[Meeting]:
    start = (after or ctx.now).replace(tzinfo=None)
    stmt = select(Meeting).where(Meeting.status == "scheduled")
    if year is not None:
        stmt = stmt.where(extract("year", Meeting.starts_at) == year)
    else:
        stmt = stmt.where(Meeting.starts_at >= start)
    if kinds:
        stmt = stmt.where(Meeting.kind.in_(list(kinds)))
    return list(ctx.session.scalars(stmt.order_by(Meeting.starts_at, Meeting.id)))


def find_meeting(ctx: Context, ref: MeetingRef, party_keys: Sequence[str]) -> Meeting | None:
    """The scheduled meeting a deadline reference points at, from today on; None if not scheduled."""

    def expand(key: str) -> list[str]:
        return ctx.resolver.expand(key, ctx.today)

    kinds = KIND_FAMILIES.get(ref.kind or "")
    after = at_local(ctx.today, datetime.min.time(), ctx.tz)
    for meeting in upcoming(ctx, kinds=kinds, year=ref.year, after=after):
        if ref.year is not None and local_date(meeting.starts_at, ctx.tz) < ctx.today:
            continue
        if concerns(meeting, party_keys, expand):
            return meeting
    return None


def meeting_lookup(ctx: Context, party_keys: Sequence[str]) -> Callable[[MeetingRef], date | None]:
    """A lookup for `handlers.dates.parse_date`: the date of the meeting a deadline refers to."""

    def lookup(ref: MeetingRef) -> date | None:
        meeting = find_meeting(ctx, ref, party_keys)
        return local_date(meeting.starts_at, ctx.tz) if meeting is not None else None

    return lookup
