"""The HTTP service: one aiohttp application for Slack, Teams, the calendar feed and the health check.

Each part adds itself through a module listed in `SERVICE_MODULES` with
`setup(web_app: web.Application, app: App) -> None`; a part that is not configured adds nothing.
Only `oppfolging serve` (and tests) import this module, so the platform SDKs and APScheduler the
service modules load are never on the path of the other commands.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from aiohttp import web
from sqlalchemy import text

from bot import calendar_feed, logformat, metrics, scheduler
from bot.app import App
from bot.email import service as email_service
from bot.health import CHECKS_KEY, HEALTH
from bot.slack import people as slack_people
from bot.slack import service as slack_service
from bot.teams import startup as teams_startup
from bot.web import service as overview_web
from bot.web.access_log import PathOnlyAccessLogger
from handlers import router
from storage.db import is_up_to_date

log = logging.getLogger(__name__)

APP_KEY = web.AppKey("oppfolging_app", App)


class ServiceModule(Protocol):
    """A module that adds routes, background tasks or a platform connection to the web app."""

    def setup(self, web_app: web.Application, app: App) -> None: ...


# A feature with HTTP routes, background tasks or a platform connection adds its module here.
SERVICE_MODULES: tuple[ServiceModule, ...] = (
    slack_service,
    slack_people,
    calendar_feed,
    teams_startup,  # bot.teams.service and bot.teams.members, when Teams is configured
    email_service,
    scheduler,
    overview_web,
)

MAX_BODY = 2 * 1024 * 1024  # protocols are uploaded through the platforms, never directly here


async def livez(_request: web.Request) -> web.Response:
    """The process is alive and its event loop answers; nothing else is asked (no database)."""
    return web.json_response({"status": "alive"})


def _database_state(app: App) -> tuple[str, str]:
    """("ok" | "down", "current" | "behind" | "unknown"): reachable, and at the newest migration."""
    try:
        with app.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # the database being down is exactly what this reports
        log.warning("health check: database unavailable: %s", exc.__class__.__name__)
        return "down", "unknown"
    try:
        return "ok", "current" if is_up_to_date(app.engine) else "behind"
    except Exception as exc:  # reachable but unreadable (locked, permissions): not ready either
        log.warning("health check: schema revision unreadable: %s", exc.__class__.__name__)
        return "ok", "unknown"


async def readyz(request: web.Request) -> web.Response:
    """Ready to serve: database reachable, migrations current (else 503), and each configured
    platform's authentication working (else 200 "degraded", with the reason per platform).

    The body names states and reasons only: no URL, host, token or configuration value.
    """
    app = request.app[APP_KEY]
    database, migrations = await asyncio.get_running_loop().run_in_executor(None, _database_state, app)
    checks = request.app.get(CHECKS_KEY)
    platforms = await checks.run() if checks is not None else {}
    degraded = HEALTH.degraded()
    degraded.update({name: state.reason for name, state in platforms.items() if not state.ok})
    body: dict[str, object] = {"database": database, "migrations": migrations}
    if platforms:
        body["platforms"] = {name: "ok" if name not in degraded else "degraded" for name in sorted(platforms)}
    if database != "ok" or migrations != "current":
        reason = "database unreachable" if database != "ok" else f"migrations {migrations}"
        return web.json_response({"status": "unavailable", "reason": reason, **body, **(
            {"degraded": degraded} if degraded else {})}, status=503)
    if degraded:
        # Still ready: what does not need the degraded part is answered.
        return web.json_response({"status": "degraded", **body, "degraded": degraded})
    return web.json_response({"status": "ok", **body})


# The original name: platforms and load balancers already pointed at it.
healthz = readyz


@web.middleware
async def request_ids(request: web.Request,
                      handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Every HTTP request gets an id before anything logs; the platform adapters refine it."""
    logformat.start_request(request.headers.get("X-Request-Id"))
    return await handler(request)


def build_web_app(app: App, modules: Sequence[ServiceModule] | None = None) -> web.Application:
    # A one-shot command loads only the feature it runs; a service loads them all now, so that no
    # user's first command waits for an import (and `gc.freeze` sets them aside with the rest).
    router.load_features()
    web_app = web.Application(client_max_size=MAX_BODY)
    web_app[APP_KEY] = app
    web_app.middlewares.append(request_ids)  # first: every line logged while a request is handled names it
    metrics.setup(web_app, app)  # before the modules: its middleware counts every route they add
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    web_app.router.add_get("/livez", livez)
    for module in SERVICE_MODULES if modules is None else modules:
        module.setup(web_app, app)
    return web_app


# How long a thread may hold the GIL while another wants it (Python's default: 5 ms). Handlers run
# in threads; the event loop acknowledges requests. A shorter turn lets the loop answer the next
# acknowledgement of a burst within a fraction of a millisecond instead of waiting out a handler.
SWITCH_INTERVAL = 0.0005


def run(app: App, *, host: str = "0.0.0.0", port: int = 3978, web_app: web.Application | None = None) -> None:
    sys.setswitchinterval(SWITCH_INTERVAL)
    web.run_app(web_app if web_app is not None else build_web_app(app), host=host, port=port,
                print=lambda *_: None, access_log_class=PathOnlyAccessLogger)
