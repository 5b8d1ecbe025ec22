"""`oppfolging serve`: the bot service (Slack, Teams, scheduler, calendar feed, health check)."""

from __future__ import annotations

import argparse
import logging
import os
from typing import TYPE_CHECKING

from bot.cli.common import loading_done, make_app

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


def serve(app: App, *, host: str = "0.0.0.0", port: int = 3978) -> int:
    from bot.allocator import cap_arenas

    cap_arenas(os.environ)  # before the service starts its threads
    # What is configured, for whoever reads the log (secrets are not part of the repr).
    log.info("configuration: %r; database %s", app.settings, app.engine.url.render_as_string(hide_password=True))
    # Imported here, not at the top: every `oppfolging` command loads this module to register
    # `serve`, and aiohttp with the platform SDKs would add ~0.1 s to `oppfolging run`.
    from bot.server import build_web_app, run
    from storage.setup import init_database

    init_database(app.engine, app.clock())
    web_app = build_web_app(app)
    loading_done()

    log.warning("Oppfølging listening on %s:%s", host, port)
    run(app, host=host, port=port, web_app=web_app)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    app = make_app(args, loaded=False)
    if not getattr(args, "verbose", False):  # -v keeps DEBUG
        logging.getLogger().setLevel(logging.INFO)
    return serve(app, host=args.host, port=args.port or app.settings.port)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("serve", help="run the bot service: Slack, Teams, scheduler, health check")
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, default=None, help="HTTP port (default: PORT or 3978)")
    p.set_defaults(func=cmd_serve)
