"""Which calendar meeting a Teams meeting is: the day's only one, or the one its title names.

Teams tells the bot that something happens in a meeting (a side panel opened, a message action in a
meeting's chat) but not which meeting of the forum's calendar that is. The rule: the calendar's one
scheduled meeting that local day; with several, the one whose title shares the most words with the
Teams meeting's title, if it alone does; otherwise none, and the person chooses. Never the first of
two.
"""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from handlers.core.clock import at_local
from handlers.core.context import Context
from handlers.core.text import fold
from storage.models import Meeting

# Words that say what kind of thing a title names, not which one: they would match every meeting.
_COMMON = frozenset({"mote", "motet", "mode", "modet", "meeting", "og", "i", "for", "med", "om", "til", "pa"})


def _words(title: str) -> set[str]:
    return {w for w in fold(title).replace("-", " ").replace(":", " ").split() if len(w) > 1} - _COMMON


def meetings_today(ctx: Context) -> list[Meeting]:
    """Scheduled meetings that start on today's local date."""
    # Local midnights in UTC, as the database stores times: a DST day is 23 or 25 hours long.
    start = at_local(ctx.today, time(0), ctx.tz).replace(tzinfo=None)
    end = at_local(ctx.today + timedelta(days=1), time(0), ctx.tz).replace(tzinfo=None)
    stmt = (select(Meeting).where(Meeting.status == "scheduled", Meeting.starts_at >= start, Meeting.starts_at < end)
            .order_by(Meeting.starts_at, Meeting.id))
    return list(ctx.session.scalars(stmt))


def matching_meeting(ctx: Context, title: str = "") -> Meeting | None:
    """The calendar meeting a Teams meeting titled `title`, held today, is; None unless exactly one fits."""
    today = meetings_today(ctx)
    if len(today) == 1:
        return today[0]
    wanted = _words(title)
    if not wanted:
        return None
    fits = [m for m in today if wanted & _words(m.title)]
    if len(fits) > 1:
        best = max(len(wanted & _words(m.title)) for m in fits)
        fits = [m for m in fits if len(wanted & _words(m.title)) == best]
    return fits[0] if len(fits) == 1 else None
