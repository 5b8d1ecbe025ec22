"""Core subcommands: init, chat, run, start, actions list, admin."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, select

from bot.app import App
from bot.config import Settings
from bot.console import chat, render_text
from bot.demo import load_demo
from handlers.catalog import t
from handlers.clock import parse_now
from handlers.context import LOCAL_OPERATOR, Actor
from handlers.views import action_json
from storage import queries
from storage.db import transaction
from storage.models import ACTION_STATUSES, Action, AuditEvent, Person
from storage.setup import init_database


def make_app(args: argparse.Namespace) -> App:
    settings = Settings.from_env()
    if getattr(args, "database_url", None):
        settings = replace(settings, database_url=args.database_url)
    return App(settings)


def now_of(args: argparse.Namespace, app: App) -> datetime:
    text = getattr(args, "now", None)
    # The wall clock is read here, in `bot`, never in `handlers`.
    return parse_now(text, app.settings.timezone) if text else app.clock()


def add_now(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--now", metavar="ISO", help="act as if it were this moment (e.g. 2027-03-01T09:00)")


def actor_of(args: argparse.Namespace) -> Actor:
    user = getattr(args, "user", None)
    if not user:
        return Actor("console", LOCAL_OPERATOR, "lokal operatør")
    platform, sep, external = user.partition(":")
    if sep and platform in ("console", "slack", "teams"):
        return Actor(platform, external, external)
    return Actor("console", user, user)


def ensure_database(app: App, now: datetime, *, demo: bool = False) -> tuple[int, int] | None:
    init_database(app.engine, now)
    if not demo:
        return None
    with transaction(app.sessions) as session:
        return load_demo(session, now)


def cmd_init(args: argparse.Namespace) -> int:
    app = make_app(args)
    now = now_of(args, app)
    loaded = ensure_database(app, now, demo=args.demo)
    print(t("cli.init_done", url=app.engine.url.render_as_string(hide_password=True)))
    if loaded is not None:
        print(t("cli.demo_loaded", actions=loaded[0], meetings=loaded[1]) if loaded[0] else t("cli.demo_exists"))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    app = make_app(args)
    fixed_now = parse_now(args.now, app.settings.timezone) if args.now else None
    ensure_database(app, fixed_now or app.clock())

    def handle(text: str, actor: Actor, now: datetime | None):  # type: ignore[no-untyped-def]
        return app.handle(text, actor, now=now)

    chat(handle, user=args.user, now=fixed_now)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    app = make_app(args)
    now = now_of(args, app)
    init_database(app.engine, now)
    reply = app.handle(args.text, actor_of(args), now=now)
    if args.json:
        print(json.dumps(reply.to_json(), ensure_ascii=False, indent=2, default=str))
    else:
        print(render_text(reply, color=sys.stdout.isatty()))
    return 1 if reply.error else 0


def cmd_start(args: argparse.Namespace) -> int:
    """`make run`: the service when a platform is configured, else the local chat with demo data."""
    app = make_app(args)
    now = app.clock()
    if app.settings.slack_enabled or app.settings.teams_enabled:
        ensure_database(app, now)
        from bot.cli_serve import serve

        return serve(app, port=args.port)
    with app.sessions() as session:
        init_database(app.engine, now)
        empty = not session.scalar(select(func.count()).select_from(Action))
    if empty:
        ensure_database(app, now, demo=True)
    chat(lambda text, actor, now_: app.handle(text, actor, now=now_), user=None, now=None)
    return 0


def cmd_actions_list(args: argparse.Namespace) -> int:
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
    app = make_app(args)
    now = now_of(args, app)
    init_database(app.engine, now)
    actor = actor_of(argparse.Namespace(user=args.user))
    with transaction(app.sessions) as session:
        from storage.people import get_or_create

        person = get_or_create(session, actor.platform, actor.external_id, actor.display_name, now.replace(tzinfo=None))
        before = bool(person.is_admin)
        if args.admin_command == "add":
            person.is_admin = True
        elif args.admin_command == "remove":
            person.is_admin = False
        if bool(person.is_admin) != before:
            # Granting and revoking rights is a change like any other: who (the terminal operator), when.
            operator = get_or_create(session, "console", LOCAL_OPERATOR, "lokal operatør", now.replace(tzinfo=None))
            session.add(AuditEvent(at=now.replace(tzinfo=None), actor_id=operator.id, source="console",
                                   entity="admin", entity_id=f"{actor.platform}:{actor.external_id}",
                                   change="created" if person.is_admin else "removed",
                                   old_value=before, new_value=bool(person.is_admin)))
        admins = session.scalars(select(Person).where(Person.is_admin.is_(True)).order_by(Person.id)).all()
        names = [f"{p.platform}:{p.external_id}" for p in admins]
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

    p = subparsers.add_parser("admin", help="grant or revoke admin rights (user as platform:id)")
    p.add_argument("admin_command", choices=("add", "remove", "list"))
    p.add_argument("user", nargs="?", default="console:local")
    add_now(p)
    p.set_defaults(func=cmd_admin)
