"""Core subcommands: init, chat, run, start, actions list, admin."""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime
from typing import TYPE_CHECKING

from bot.cli.common import actor_of, add_now, make_app, now_of, print_reply, read_now
from bot.cli.overview import register_export
from bot.cli.serve import serve

if TYPE_CHECKING:
    from bot.app import App
    from handlers.core.context import Actor

# The commands import the use cases and the database when they run (see bot/cli/common.py).


def ensure_database(app: App, now: datetime, *, demo: bool = False) -> tuple[int, int] | None:
    from storage.setup import init_database

    init_database(app.engine, now)
    if not demo:
        return None
    from bot.demo import load_demo
    from storage.db import transaction

    with transaction(app.sessions) as session:
        return load_demo(session, now)


def cmd_init(args: argparse.Namespace) -> int:
    from handlers.core.catalog import t

    app = make_app(args)
    now = now_of(args, app)
    loaded = ensure_database(app, now, demo=args.demo)
    print(t("cli.init_done", url=app.engine.url.render_as_string(hide_password=True)))
    if loaded is not None:
        print(t("cli.demo_loaded", actions=loaded[0], meetings=loaded[1]) if loaded[0] else t("cli.demo_exists"))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.console import chat

    app = make_app(args)
    fixed_now = read_now(args.now, app) if args.now else None
    ensure_database(app, fixed_now or app.clock())

    def handle(text: str, actor: Actor, now: datetime | None):  # type: ignore[no-untyped-def]
        return app.handle(text, actor, now=now)

    chat(handle, user=args.user, now=fixed_now)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from storage.setup import init_database

    app = make_app(args)
    now = now_of(args, app)
    init_database(app.engine, now)
    return print_reply(app.handle(args.text, actor_of(args), now=now), args.json)


def cmd_start(args: argparse.Namespace) -> int:
    """`make run`: the service when a platform is configured, else the local chat with demo data."""
    from sqlalchemy import func, select

    from bot.console import chat
    from storage.models import Action
    from storage.setup import init_database

    app = make_app(args)
    now = app.clock()
    if app.settings.slack_enabled or app.settings.teams_enabled:
        ensure_database(app, now)
        return serve(app, port=args.port)
    with app.sessions() as session:
        init_database(app.engine, now)
        empty = not session.scalar(select(func.count()).select_from(Action))
    if empty:
        ensure_database(app, now, demo=True)
    chat(lambda text, actor, now_: app.handle(text, actor, now=now_), user=None, now=None)
    return 0


def cmd_actions_list(args: argparse.Namespace) -> int:
    from handlers.actions.views import action_json
    from storage import queries
    from storage.models import ACTION_STATUSES
    from storage.setup import init_database

    app = make_app(args)
    init_database(app.engine, now_of(args, app))
    statuses = ACTION_STATUSES if args.all or args.status else ("open", "in_progress")
    if args.status:
        statuses = tuple(args.status.split(","))
    with app.sessions() as session:
        rows = queries.list_actions(session, queries.ActionFilter(statuses=statuses))
        data = [action_json(row) for row in rows]
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for item in data:
            deadline = item["deadline"] or "-"
            print(f"{item['id']:>5}  {item['status']:<11} {deadline:<10}  {','.join(item['parties'])}: {item['text']}")
    return 0


def cmd_admin(args: argparse.Namespace) -> int:
    from handlers.core import admins
    from storage.db import transaction
    from storage.setup import init_database

    app = make_app(args)
    now = now_of(args, app)
    init_database(app.engine, now)
    actor = actor_of(argparse.Namespace(user=args.user))
    with transaction(app.sessions) as session:
        if args.admin_command in ("add", "remove"):
            admins.set_admin(session, actor, args.admin_command == "add", now)
        names = admins.stored_admins(session)
    configured = sorted(app.settings.admins)
    print("Administrators:", ", ".join(names + configured) or "(none besides the local operator)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("init", help="create or migrate the database and load the party registry")
    p.add_argument("--demo", action="store_true", help="add example actions and meetings")
    add_now(p)
    p.set_defaults(func=cmd_init)

    p = subparsers.add_parser("chat", help="local chat in the terminal")
    p.add_argument("--user", help="talk as this user (default: the local operator, an admin)")
    add_now(p)
    p.set_defaults(func=cmd_chat)

    p = subparsers.add_parser("run", help="run one chat input and print the reply")
    p.add_argument("text")
    p.add_argument("--user", help="user id, optionally platform:id (default: the local operator)")
    p.add_argument("--json", action="store_true", help="print the reply as JSON")
    add_now(p)
    p.set_defaults(func=cmd_run)

    p = subparsers.add_parser("start", help="what `make run` does: serve if configured, else local chat with demo data")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3978")))
    p.set_defaults(func=cmd_start)

    p = subparsers.add_parser("actions", help="machine-readable actions")
    sub = p.add_subparsers(dest="actions_command", required=True)
    q = sub.add_parser("list", help="list actions")
    q.add_argument("--json", action="store_true")
    q.add_argument("--all", action="store_true", help="include done and cancelled")
    q.add_argument("--status", help="comma-separated statuses")
    add_now(q)
    q.set_defaults(func=cmd_actions_list)
    register_export(sub)

    p = subparsers.add_parser("admin", help="grant or revoke admin rights (user as platform:id)")
    p.add_argument("admin_command", choices=("add", "remove", "list"))
    p.add_argument("user", nargs="?", default="console:local")
    add_now(p)
    p.set_defaults(func=cmd_admin)
