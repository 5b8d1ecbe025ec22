"""`oppfolging audit [--action N] [--since ISO] [--json]`: who changed what, when and from where."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from bot.cli.common import make_app, now_of


def collect(session, action_id: int | None, since: datetime | None) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    # Imported here, not at the top: the parser of every command loads this module (bot/cli/common.py).
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from handlers.core.clock import as_utc
    from storage.models import ActionEvent, AuditEvent

    rows: list[dict[str, object]] = []
    stmt = select(ActionEvent).options(selectinload(ActionEvent.actor)).order_by(ActionEvent.at, ActionEvent.id)
    if action_id is not None:
        stmt = stmt.where(ActionEvent.action_id == action_id)
    if since is not None:
        stmt = stmt.where(ActionEvent.at >= since)
    for event in session.scalars(stmt):
        rows.append({
            "at": as_utc(event.at).isoformat(), "entity": "action", "id": str(event.action_id),
            "change": event.kind, "old": event.old_value, "new": event.new_value, "source": event.source,
            "by": f"{event.actor.platform}:{event.actor.external_id}" if event.actor else None,
        })
    if action_id is None:
        stmt2 = select(AuditEvent).options(selectinload(AuditEvent.actor)).order_by(AuditEvent.at, AuditEvent.id)
        if since is not None:
            stmt2 = stmt2.where(AuditEvent.at >= since)
        for event in session.scalars(stmt2):
            rows.append({
                "at": as_utc(event.at).isoformat(), "entity": event.entity, "id": event.entity_id,
                "change": event.change, "old": event.old_value, "new": event.new_value, "source": event.source,
                "by": f"{event.actor.platform}:{event.actor.external_id}" if event.actor else None,
            })
    rows.sort(key=lambda r: str(r["at"]))
    return rows


def cmd_audit(args: argparse.Namespace) -> int:
    from handlers.core.clock import parse_now
    from storage.setup import init_database

    app = make_app(args)
    init_database(app.engine, now_of(args, app))
    since = parse_now(args.since, app.settings.timezone).replace(tzinfo=None) if args.since else None
    with app.sessions() as session:
        rows = collect(session, args.action, since)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return 0
    for row in rows:
        change = f"{row['old']!s} → {row['new']!s}" if row["old"] is not None else f"{row['new'] or ''}"
        print(f"{row['at']}  {row['by'] or '-':<22} {row['source']:<9} {row['entity']} {row['id']}: "
              f"{row['change']} {change}".rstrip())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("audit", help="the change history: who, when, which platform, previous value")
    p.add_argument("--action", type=int, help="only this action")
    p.add_argument("--since", help="only changes from this moment (ISO date or time)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--now", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_audit)
