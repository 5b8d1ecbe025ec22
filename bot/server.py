"""The HTTP service: one aiohttp application for Slack, Teams, the calendar feed and the health check.

Each part adds itself through a module listed in `SERVICE_MODULES` with
`setup(web_app: web.Application, app: App) -> None`; a part that is not configured adds nothing.
"""

from __future__ import annotations

import asyncio
import importlib
import logging

from aiohttp import web
from sqlalchemy import text

from bot.app import App

log = logging.getLogger(__name__)

APP_KEY = web.AppKey("oppfolging_app", App)

# A feature with HTTP routes, background tasks or a platform connection adds its module here.
SERVICE_MODULES: tuple[str, ...] = (
    "bot.slack.service",
    "bot.calendar_feed",
    "bot.teams.service",
    "bot.scheduler",
)

MAX_BODY = 2 * 1024 * 1024  # protocols are uploaded through the platforms, never directly here


async def healthz(request: web.Request) -> web.Response:
    app = request.app[APP_KEY]

    def ping() -> None:
        with app.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await asyncio.get_running_loop().run_in_executor(None, ping)
    except Exception as exc:  # the database being down is exactly what this reports
        log.warning("health check: database unavailable: %s", exc.__class__.__name__)
        return web.json_response({"status": "unavailable", "database": "down"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})


def build_web_app(app: App, modules: tuple[str, ...] | None = None) -> web.Application:
    web_app = web.Application(client_max_size=MAX_BODY)
    web_app[APP_KEY] = app
    web_app.router.add_get("/healthz", healthz)
    for name in SERVICE_MODULES if modules is None else modules:
        importlib.import_module(name).setup(web_app, app)
    return web_app


def run(app: App, *, host: str = "0.0.0.0", port: int = 3978) -> None:
    web.run_app(build_web_app(app), host=host, port=port, print=lambda *_: None)
