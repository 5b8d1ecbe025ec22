"""The `oppfolging` command line. Each area registers its subcommands from its own module in `bot.cli`.

Every command builds the whole parser, so importing this package loads argparse and the command
modules' `register` functions only: a command's code, the app and the database load when it runs
(bot/cli/common.py; tests/test_startup_imports.py checks it).
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Callable, Sequence

from bot import logformat, logsafety
from bot.cli import (
    audit,
    backup,
    core,
    health,
    importing,
    meetings,
    overview,
    privacy,
    reminders,
    roster,
    serve,
    teams,
)

# `register(subparsers)` of each command module; a feature adds its own here. Every command
# builds the whole parser, so these modules import platform SDKs only inside the commands that use them.
COMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (  # type: ignore[type-arg]
    core.register,
    serve.register,
    importing.register,
    backup.register,
    audit.register,
    meetings.register,
    reminders.register,
    teams.register,
    roster.register,
    privacy.register,
    health.register,
    overview.register,
)


def version() -> str:
    """The installed package's version (pyproject.toml; semantic versioning, CHANGELOG.md)."""
    # Imported here: reading the installed metadata costs ~20 ms that only `--version` needs.
    from importlib import metadata

    try:
        return metadata.version("oppfolging")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "0+unknown"


class _Version(argparse.Action):
    """`--version`: argparse's own version action, except that the version is read when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str = "show program's version number and exit") -> None:
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        print(f"oppfolging {version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oppfolging",
        description="Oppfølging: follow-up actions of Nasjonal samhandlingsmodell in Slack, Teams and the terminal.",
    )
    parser.add_argument("--version", action=_Version)
    parser.add_argument("--database-url", help="overrides DATABASE_URL")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in COMMANDS:
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Imported here, not at the top: the configuration loads the database layer (SQLAlchemy), which
    # building the parser and `--help` do without.
    from bot.config import ConfigError, load_dotenv

    load_dotenv()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format=logformat.TEXT_FORMAT,
    )
    # LOG_FORMAT=json: one JSON object per line, for the platform's log collector.
    logformat.configure("json" if os.environ.get("LOG_FORMAT", "").strip().lower() == "json" else "text")
    # Before any command runs: whatever a library logs, configured secrets come out as ***.
    logsafety.install(logsafety.secret_values(os.environ, [getattr(args, "database_url", None)]))
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except ConfigError as exc:  # a configuration mistake: say which, without a traceback
        print(f"oppfolging: {exc}", file=sys.stderr)
        return 2


def console() -> int:
    """The `oppfolging` script and `python -m bot.cli`: `main()` with the cyclic collector paused
    until the app has loaded (`bot.cli.common.make_app` resumes it).

    Loading SQLAlchemy, the models and the commands creates a few hundred thousand objects that live
    as long as the process. With the collector running, it walks them again and again while they are
    created and once more when the interpreter exits: a third of a short command's time.
    """
    gc.disable()
    try:
        return main()
    finally:
        gc.enable()

