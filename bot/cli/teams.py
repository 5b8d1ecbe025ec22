"""`oppfolging teams-package [--out FILE.zip]`: the Teams app package, from configuration."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_teams_package(args: argparse.Namespace) -> int:
    # Imported here: the Teams modules load the Microsoft 365 Agents SDK (~0.3 s), which no other
    # `oppfolging` command needs; the configuration loads the database layer (bot/cli/common.py).
    from bot.config import Settings
    from bot.teams.package import PackageError, PackageSettings, write_package

    settings = Settings.from_env()
    package = PackageSettings(
        app_id=settings.teams_app_id or "",
        host=args.host or settings.public_host,
        website_url=args.website_url,
        privacy_url=args.privacy_url or settings.teams_privacy_url,
        terms_url=args.terms_url or settings.teams_terms_url,
        version=args.app_version,
        dev=args.dev,
    )
    try:
        path = write_package(package, Path(args.out))
    except PackageError as exc:
        print(f"teams-package: {exc}", file=sys.stderr)
        return 2
    print(f"Teams app package written to {path} (app id {package.app_id}). Upload it in Teams: "
          "Apps → Manage your apps → Upload an app, or in the Teams admin center.")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("teams-package", help="build the Teams app package (manifest.json and icons)")
    p.add_argument("--out", default="oppfolging-teams.zip", help="zip file to write (default: oppfolging-teams.zip)")
    p.add_argument("--host", help="public host name of the bot service (default: PUBLIC_HOST)")
    p.add_argument("--website-url", help="https:// page about the app (default: https://<host>/)")
    p.add_argument("--privacy-url", help="https:// privacy statement (default: TEAMS_PRIVACY_URL; required)")
    p.add_argument("--terms-url", help="https:// terms of use (default: TEAMS_TERMS_URL; required)")
    p.add_argument("--dev", action="store_true",
                   help="a development package: privacy and terms default to the website when not set")
    p.add_argument("--app-version", help="manifest version, semver; raise it for every new upload (default: the package version)")
    p.set_defaults(func=cmd_teams_package)
