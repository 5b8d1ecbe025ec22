"""`oppfolging roster import FILE`: the roster (part, navn, e-post, rolle) from CSV or XLSX.

Without `--dry-run` the file is stored at once: the operator who runs the command is the one who
confirms, unlike in chat where the preview waits for **Importer**. A refused file exits with 2 and
one Norwegian line per wrong row on stderr; nothing is stored then.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.common import actor_of, add_now, make_app, now_of

if TYPE_CHECKING:
    from handlers.core.context import Context
    from handlers.core.replies import Reply


def cmd_roster_import(args: argparse.Namespace) -> int:
    # Imported here, not at the top: the parser of every command loads this module (bot/cli/common.py).
    from bot.console import render_text
    from handlers.core import permissions
    from handlers.core.audit import audit
    from handlers.core.catalog import t
    from handlers.parties import roster
    from handlers.parties.commands import render_roster_plan
    from storage.setup import init_database

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"Kan ikke lese {path}: {exc.strerror}", file=sys.stderr)
        return 2
    app = make_app(args)
    now = now_of(args, app)
    init_database(app.engine, now)
    out: dict[str, Any] = {}

    def run(ctx: Context) -> Reply:
        permissions.require(ctx, "roster")
        try:
            rows = roster.read(ctx, data, path.name)
        except roster.RosterRefused as exc:
            out["errors"] = exc.errors
            raise
        if args.dry_run:
            plan = roster.plan(ctx, rows)
            out["plan"] = plan.to_json()
            return render_roster_plan(ctx, plan, title=t("contacts.preview_title", file=path.name))
        result = roster.store(ctx, rows)
        audit(ctx, "roster", path.name, "imported", None,
              {"file": path.name, **{kind: len(result.of(kind)) for kind in ("new", "updated", "restored", "removed")}})
        out["plan"] = result.to_json()
        reply = render_roster_plan(ctx, result, title=t("contacts.done_title"))
        reply.lines.append(t("contacts.matched", count=result.matched))
        return reply

    reply = app.handle("", actor_of(args), now=now, run=run)
    if "errors" in out:
        print(t("roster.refused", count=len(out["errors"])), file=sys.stderr)
        for line in out["errors"]:
            print(line, file=sys.stderr)
        return 2
    if reply.error:
        print(render_text(reply), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"file": path.name, "dry_run": bool(args.dry_run), **out["plan"]}, ensure_ascii=False,
                         indent=2))
    else:
        print(render_text(reply))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("roster", help="the roster: who represents each party (part, navn, e-post, rolle)")
    sub = p.add_subparsers(dest="roster_command", metavar="COMMAND", required=True)
    imp = sub.add_parser("import", help="import the roster from a CSV (; or ,) or XLSX file")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="show what would change; store nothing")
    imp.add_argument("--json", action="store_true", help="machine-readable changes")
    imp.add_argument("--user", help="import as this user (default: the local operator)")
    add_now(imp)
    imp.set_defaults(func=cmd_roster_import)
