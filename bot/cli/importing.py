"""`oppfolging import FILE`: a protocol into tracked actions (or a dry-run preview)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import actor_of, add_now, make_app, now_of

if TYPE_CHECKING:
    from handlers.core.context import Context
    from handlers.core.replies import Reply

# `handlers.importing.duplicates.CHOICES`, written out so that the parser loads no use case
# (bot/cli/common.py); tests/test_startup_imports.py checks that the two agree.
DUPLICATES = ("merge", "skip", "keep")


def cmd_import(args: argparse.Namespace) -> int:
    from bot.console import render_text
    from handlers.core.catalog import t
    from handlers.importing import duplicates, protocol_import
    from storage.setup import init_database

    app = make_app(args)
    now = now_of(args, app)
    init_database(app.engine, now)
    path = Path(args.file)
    try:
        data = path.read_bytes()
        meeting_date = date.fromisoformat(args.meeting_date) if args.meeting_date else None
    except OSError as exc:
        print(f"Kan ikke lese {path}: {exc.strerror}")
        return 2
    except ValueError:
        print("--meeting-date må være en dato som 2024-05-11.")
        return 2
    out: dict[str, object] = {}

    def run(ctx: Context) -> Reply:
        if args.dry_run:
            plan = protocol_import.make_plan(ctx, data, path.name, meeting_date=meeting_date, region=args.region,
                                             kind=args.kind)
            out["plan"] = plan.to_json()
            stored = protocol_import.plan_to_stored(plan)
            duplicates.mark(ctx, stored, args.duplicates)
            return protocol_import.render_plan(ctx, stored, title=t("importing.preview_title", file=path.name))
        plan, result = protocol_import.import_now(ctx, data, path.name, meeting_date=meeting_date, region=args.region,
                                                  kind=args.kind, on_duplicate=args.duplicates)
        out["plan"] = plan.to_json()
        out["result"] = {"created": result.created, "existing": result.existing, "meeting": result.meeting_id,
                         "next_meeting": result.next_meeting_id, "groups": result.groups,
                         "merged": result.merged}
        reply = protocol_import.render_plan(ctx, protocol_import.plan_to_stored(plan), title=t("importing.done_title"))
        reply.lines.insert(0, t("importing.done", created=len(result.created), existing=len(result.existing)))
        return reply

    reply = app.handle("", actor_of(args), now=now, run=run)
    if args.json and not reply.error:
        payload = dict(out["plan"])  # type: ignore[arg-type]
        if "result" in out:
            payload["result"] = out["result"]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(render_text(reply))
    return 1 if reply.error else 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("import", help="import a protocol (.docx, .pdf, .html, .txt, .eml)")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="show what would be imported; store nothing")
    p.add_argument("--json", action="store_true", help="machine-readable plan")
    p.add_argument("--meeting-date", help="the meeting's date (YYYY-MM-DD) when the protocol lacks or misstates it")
    p.add_argument("--region", help="the county, for a regional dialogue meeting")
    p.add_argument("--kind", help="the meeting's type when the title does not say: national, regional, au, "
                                  "steering-group (or nasjonal, dialogmøte, styringsgruppe)")
    p.add_argument("--duplicates", choices=DUPLICATES, default="merge",
                   help="rows like an open action of the same meeting: merge (add as a comment, default), "
                        "skip, or keep both")
    p.add_argument("--user", help="import as this user (default: the local operator)")
    add_now(p)
    p.set_defaults(func=cmd_import)



