"""`oppfolging import FILE`: a protocol into tracked actions (or a dry-run preview)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from bot.cli_core import actor_of, add_now, make_app, now_of
from bot.console import render_text
from handlers import importing
from handlers.catalog import t
from handlers.context import Context
from handlers.replies import Reply
from storage.setup import init_database


def cmd_import(args: argparse.Namespace) -> int:
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
            plan = importing.make_plan(ctx, data, path.name, meeting_date=meeting_date, region=args.region)
            out["plan"] = plan.to_json()
            return importing.render_plan(ctx, importing.plan_to_stored(plan), title=t("importing.preview_title", file=path.name))
        plan, result = importing.import_now(ctx, data, path.name, meeting_date=meeting_date, region=args.region)
        out["plan"] = plan.to_json()
        out["result"] = {"created": result.created, "existing": result.existing, "meeting": result.meeting_id,
                         "next_meeting": result.next_meeting_id, "groups": result.groups}
        reply = importing.render_plan(ctx, importing.plan_to_stored(plan), title=t("importing.done_title"))
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
    p = subparsers.add_parser("import", help="import a protocol (.docx, .html, .txt, .pdf)")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="show what would be imported; store nothing")
    p.add_argument("--json", action="store_true", help="machine-readable plan")
    p.add_argument("--meeting-date", help="the meeting's date (YYYY-MM-DD) when the protocol lacks or misstates it")
    p.add_argument("--region", help="the county, for a regional dialogue meeting")
    p.add_argument("--user", help="import as this user (default: the local operator)")
    add_now(p)
    p.set_defaults(func=cmd_import)



