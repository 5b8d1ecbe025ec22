"""The meetings as a subscribable iCalendar feed (`oppfolging calendar export`, `GET /calendar.ics`)."""

from __future__ import annotations

from datetime import UTC, timedelta

import icalendar
from sqlalchemy import select

from handlers.core.catalog import t
from handlers.core.clock import local_datetime
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.meetings import cycle, labels
from handlers.meetings.ics_import import PRODID
from handlers.meetings.refs import concerns
from storage.models import Meeting

# --- exporting -------------------------------------------------------------------------------------


def feed_meetings(ctx: Context, county: str | None = None) -> list[Meeting]:
    """Meetings for the feed: from a year back on, cancelled ones too (so subscribers see it)."""
    since = (ctx.now - timedelta(days=366)).astimezone(UTC).replace(tzinfo=None)
    rows = list(ctx.session.scalars(
        select(Meeting).where(Meeting.starts_at >= since).order_by(Meeting.starts_at, Meeting.id)))
    if county is None:
        return rows

    def expand(key: str) -> list[str]:
        return ctx.resolver.expand(key, ctx.today)

    return [m for m in rows if m.kind != "au" and concerns(m, [county], expand)]


def check_county(ctx: Context, text: str | None) -> str | None:
    """A county key from a URL or option ("vestland", "Møre og Romsdal"); raises UserError if unknown."""
    if text is None or not text.strip():
        return None
    info = ctx.resolver.get(text.strip().lower())
    key = info.key if info is not None else ctx.resolver.lookup(text)
    info = ctx.resolver.get(key) if key else None
    if info is None or info.kind != "county":
        raise UserError(t("meeting.ics.unknown_county", name=text.strip()))
    return info.key


def export_calendar(ctx: Context, county: str | None = None) -> bytes:
    """The meetings as an iCalendar feed (Outlook, Google and Apple can subscribe to it)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = (t("meeting.ics.feed_name_county", county=ctx.resolver.short_name(county)) if county
            else t("meeting.ics.feed_name"))
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", str(ctx.tz))
    # Clients poll a subscription; an hour keeps moved meetings fresh without hammering us.
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for meeting in feed_meetings(ctx, county):
        calendar.add_component(_event(ctx, meeting))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _event(ctx: Context, meeting: Meeting) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", meeting.uid or f"oppfolging-meeting-{meeting.id}")
    event.add("dtstamp", meeting.updated_at.replace(tzinfo=UTC))
    event.add("created", meeting.created_at.replace(tzinfo=UTC))
    event.add("last-modified", meeting.updated_at.replace(tzinfo=UTC))
    start = local_datetime(meeting.starts_at, ctx.tz)
    if meeting.all_day:
        event.add("dtstart", start.date())
        end = local_datetime(meeting.ends_at, ctx.tz).date() if meeting.ends_at else start.date() + timedelta(days=1)
        event.add("dtend", max(end, start.date() + timedelta(days=1)))
    else:
        event.add("dtstart", start)
        if meeting.ends_at is not None:
            event.add("dtend", local_datetime(meeting.ends_at, ctx.tz))
    event.add("summary", meeting.title)
    if meeting.place:
        event.add("location", meeting.place)
    description = [cycle.kind_label(meeting.kind)]
    convener = meeting.convener or cycle.convener_key(meeting.kind, meeting.region)
    if convener:
        description.append(t("meeting.ics.description_convener", convener=ctx.resolver.label(convener)))
    theme = cycle.theme(meeting.kind)
    if theme:
        description.append(t("meeting.ics.description_theme", theme=theme))
    event.add("description", "\n".join(description))
    event.add("categories", [labels.capital(cycle.kind_label(meeting.kind))])
    event.add("status", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("x-oppfolging-kind", meeting.kind)
    if meeting.region:
        event.add("x-oppfolging-county", meeting.region)
    return event
