"""`oppfolging serve`: the bot service (Slack, Teams, scheduler, calendar feed, health check)."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

from bot.cli.common import make_app

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


def serve(app: App, *, host: str = "0.0.0.0", port: int = 3978) -> int:
    # What is configured, for whoever reads the log (secrets are not part of the repr).
    log.info("configuration: %r; database %s", app.settings, app.engine.url.render_as_string(hide_password=True))
    # Imported here, not at the top: every `oppfolging` command loads this module to register
    # `serve`, and aiohttp with the platform SDKs would add ~0.1 s to `oppfolging run`.
    from bot.server import run
    from storage.setup import init_database

    init_database(app.engine, app.clock())

    log.warning("Oppfølging listening on %s:%s", host, port)
    run(app, host=host, port=port)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    app = make_app(args)
    if not getattr(args, "verbose", False):  # -v keeps DEBUG
        logging.getLogger().setLevel(logging.INFO)
    return serve(app, host=args.host, port=args.port or app.settings.port)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("serve", help="run the bot service: Slack, Teams, scheduler, health check")
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, default=None, help="HTTP port (default: PORT or 3978)")
    p.set_defaults(func=cmd_serve)
