"""What the command modules share: the app from the options, `--now`, the acting user, printing a reply.

Every `oppfolging` command imports every command module to build its parser (and `--help`), so
these modules import only the standard library at the top; each command imports the app, the use
cases and the database when it runs. The imports under TYPE_CHECKING are for annotations only.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App
    from handlers.core.context import Actor
    from handlers.core.replies import Reply


def make_app(args: argparse.Namespace, *, loaded: bool = True) -> App:
    """The app from the environment and `--database-url`. `loaded=False` when the command goes on
    loading (`serve` builds the web service first) and calls `loading_done()` itself."""
    from bot.app import App
    from bot.config import Settings

    settings = Settings.from_env()
    if getattr(args, "database_url", None):
        settings = replace(settings, database_url=args.database_url)
    app = App(settings)
    if loaded:
        loading_done()
    return app


def loading_done() -> None:
    """Resume the cyclic collector that `bot.cli.console` paused while the process loaded.

    What exists at this point lives until the process ends, so it is set aside for good
    (`gc.freeze`): neither the collections while the command runs nor the last one at exit walk it.
    A no-op when the collector runs (a test calling `main()`, a second call).
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def read_now(text: str, app: App) -> datetime:
    """`--now` as an instant; an unreadable or absurd value ends the command with a Norwegian error (exit 2)."""
    from handlers.core.clock import parse_now

    try:
        moment = parse_now(text, app.settings.timezone)
        # Far from today the engine's date arithmetic (a week ahead, 35 days back) would overflow.
        if not 1900 <= moment.year <= 9000:
            raise ValueError(text)
    except (ValueError, OverflowError):
        print(f"Ugyldig --now: «{text}». Skriv et tidspunkt som 2027-03-01T09:00 eller en dato som 2027-03-01 "
              "(år 1900–9000).", file=sys.stderr)
        raise SystemExit(2) from None
    return moment


def now_of(args: argparse.Namespace, app: App) -> datetime:
    text = getattr(args, "now", None)
    # The wall clock is read here, in `bot`, never in `handlers`.
    return read_now(text, app) if text else app.clock()


def add_now(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--now", metavar="ISO", help="act as if it were this moment (e.g. 2027-03-01T09:00)")


def actor_of(args: argparse.Namespace) -> Actor:
    from handlers.core.context import LOCAL_OPERATOR, Actor

    user = getattr(args, "user", None)
    if not user:
        return Actor("console", LOCAL_OPERATOR, "lokal operatør")
    platform, sep, external = user.partition(":")
    if sep and platform in ("console", "slack", "teams"):
        return Actor(platform, external, external)
    return Actor("console", user, user)


def print_reply(reply: Reply, as_json: bool) -> int:
    """The reply as JSON or as text (coloured on a terminal); the exit code says whether it was an error."""
    if as_json:
        print(json.dumps(reply.to_json(), ensure_ascii=False, indent=2, default=str))
    else:
        from bot.console import render_text

        print(render_text(reply, color=sys.stdout.isatty()))
    return 1 if reply.error else 0
