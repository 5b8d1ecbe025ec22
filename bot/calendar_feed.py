"""`GET /calendar.ics[?fylke=KEY]`: the meetings as a calendar Outlook, Google and Apple can subscribe to.

The feed is public by design (meeting dates and places, no actions), like the published calendars
the agencies already share. The data comes from `handlers.calendar_ics.export_calendar`; this
module only speaks HTTP.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.app import App
from handlers.core.context import Actor, Context
from handlers.core.errors import UserError

FEED_ACTOR = Actor("http", "calendar-feed", "kalenderabonnement")


def build_feed(app: App, county_text: str | None) -> bytes:
    """The feed bytes; raises UserError for an unknown county. Reads only, never writes."""
    # Imported here, not at the top: icalendar (~40 ms) loads with the first request for the feed,
    # not while `serve` starts.
    from handlers.meetings import ics_feed

    with app.sessions() as session:
        ctx = Context(session=session, actor=FEED_ACTOR, now=app.clock(), tz=app.settings.timezone)
        county = ics_feed.check_county(ctx, county_text)
        return ics_feed.export_calendar(ctx, county)


def setup(web_app: web.Application, app: App) -> None:
    async def calendar(request: web.Request) -> web.Response:
        county = request.query.get("fylke") or request.query.get("county")
        try:
            body = await asyncio.get_running_loop().run_in_executor(None, build_feed, app, county)
        except UserError as exc:
            return web.Response(status=400, text=exc.message, content_type="text/plain", charset="utf-8")
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            headers={"Content-Disposition": 'inline; filename="moter.ics"', "Cache-Control": "max-age=300"},
        )

    web_app.router.add_get("/calendar.ics", calendar)
