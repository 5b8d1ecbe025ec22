"""`oppfolging person export|erase PLATFORM:ID` and `oppfolging retention`: personvern from the terminal.

The rules are in `handlers/privacy`; this module reads the options, runs them as one request of the
acting user (the terminal operator, an admin, unless `--user` says otherwise) and writes the file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from bot.cli.common import actor_of, add_now, make_app, now_of, print_reply

# The commands import the use cases and the database when they run (see bot/cli/common.py).


def _write(path: Path, document: object) -> None:
    """The whole file or nothing: written beside the target, then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(document, out, ensure_ascii=False, indent=2)
            out.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def cmd_export(args: argparse.Namespace) -> int:
    from handlers.privacy import export
    from storage.setup import init_database

    app = make_app(args)
    now = now_of(args, app)
    init_database(app.engine, now)
    reply = app.handle("", actor_of(args), now=now, run=lambda ctx: export.export_person(ctx, args.subject))
    if reply.error or not reply.data:
        return print_reply(reply, False)
    _write(Path(args.out), reply.data["export"])
    print(f"{reply.title} → {args.out}", file=sys.stderr)
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    from handlers.privacy import erase
    from storage.setup import init_database

    app = make_app(args)
    now = now_of(args, app)
    init_database(app.engine, now)
    reply = app.handle("", actor_of(args), now=now, run=lambda ctx: erase.erase_person(ctx, args.subject))
    return print_reply(reply, args.json)


def cmd_retention(args: argparse.Namespace) -> int:
    from handlers.privacy import retention
    from storage.db import transaction
    from storage.setup import init_database

    app = make_app(args)
    now = now_of(args, app)
    days = args.days if args.days is not None else app.settings.retention_days
    if not days or days <= 0:
        print("retention is off (OPPFOLGING_RETENTION_DAYS=off); nothing removed", file=sys.stderr)
        return 0
    init_database(app.engine, now)
    with transaction(app.sessions) as session:
        purged = retention.purge(session, now, days)
    if args.json:
        print(json.dumps({"days": days, **purged.to_json()}))
    else:
        print(f"older than {days} days: {purged.requests} request record(s) and "
              f"{purged.notifications} notification(s) emptied; their keys are kept")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    person = subparsers.add_parser("person", help="personvern: a person's data exported, or pseudonymised")
    actions = person.add_subparsers(dest="person_command", metavar="export|erase", required=True)
    p = actions.add_parser("export", help="write everything about one person to a JSON file (admins)")
    p.add_argument("subject", metavar="PLATFORM:ID", help="slack:U0123, teams:<object id> or email:ADDRESS")
    p.add_argument("--out", required=True, metavar="FILE.json")
    p.add_argument("--user", help="act as this admin (PLATFORM:ID; default: the terminal operator)")
    add_now(p)
    p.set_defaults(func=cmd_export)
    p = actions.add_parser("erase", help="pseudonymise one person; actions and history stay (admins)")
    p.add_argument("subject", metavar="PLATFORM:ID")
    p.add_argument("--user", help="act as this admin (PLATFORM:ID; default: the terminal operator)")
    p.add_argument("--json", action="store_true")
    add_now(p)
    p.set_defaults(func=cmd_erase)
    p = subparsers.add_parser("retention", help="empty old request records and notification payloads now")
    p.add_argument("--days", type=int, help="override OPPFOLGING_RETENTION_DAYS")
    p.add_argument("--json", action="store_true")
    add_now(p)
    p.set_defaults(func=cmd_retention)
