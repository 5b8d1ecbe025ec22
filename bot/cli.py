"""The `oppfolging` command line. Each area registers its subcommands from its own module."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from bot import logsafety
from bot.config import SecretFileError, load_dotenv

# Modules with `register(subparsers)`; a feature adds its module here.
CLI_MODULES = (
    "bot.cli_core",
    "bot.cli_serve",
    "bot.cli_import",
    "bot.cli_backup",
    "bot.cli_audit",
    "bot.cli_meetings",
    "bot.cli_reminders",
    "bot.cli_teams",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oppfolging",
        description="Oppfølging: follow-up actions of Nasjonal samhandlingsmodell in Slack, Teams and the terminal.",
    )
    parser.add_argument("--database-url", help="overrides DATABASE_URL")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in CLI_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    load_dotenv()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Before any command runs: whatever a library logs, configured secrets come out as ***.
    logsafety.install(logsafety.secret_values(os.environ, [getattr(args, "database_url", None)]))
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except SecretFileError as exc:  # a configuration mistake: say which, without a traceback
        print(f"oppfolging: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
