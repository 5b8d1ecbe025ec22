"""`oppfolging actions export` and `oppfolging overview link|revoke`: the overview from the command line."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from bot.cli.common import actor_of, add_now, make_app, now_of, print_reply

if TYPE_CHECKING:
    from bot.app import App
    from handlers.core.context import Context
    from handlers.core.replies import Reply
    from handlers.overview.filters import OverviewQuery

# The commands import the use cases and the database when they run (see bot/cli/common.py).

STATUS_WORDS = {"open": "apne", "apne": "apne", "all": "alle", "alle": "alle", "in_progress": "in_progress",
                "done": "done", "cancelled": "cancelled"}


def _query(args: argparse.Namespace, ctx: Context) -> OverviewQuery:
    from handlers.overview import filters

    params: dict[str, str] = {}
    if args.party:
        params["part"] = args.party
    if args.meeting:
        params["mote"] = args.meeting
    if args.status:
        params["status"] = STATUS_WORDS.get(args.status, args.status)
    if args.overdue:
        params["forfalt"] = "1"
    if args.due_before:
        params["frist_for"] = args.due_before
    if args.search:
        params["q"] = args.search
    return filters.parse(params, ctx.resolver, ctx.today)


def cmd_export(args: argparse.Namespace) -> int:
    from handlers.core.catalog import t
    from handlers.core.context import Actor, Context
    from handlers.overview import export
    from storage.setup import init_database

    app = make_app(args)
    now = now_of(args, app)
    init_database(app.engine, now)
    with app.sessions() as session:
        ctx = Context(session=session, actor=Actor("console", "local", "lokal operatør"), now=now,
                      tz=app.settings.timezone)
        query = _query(args, ctx)
        if args.format == "csv":
            with open(args.out, "w", encoding="utf-8-sig", newline="") as out:
                done = export.write_csv(ctx, query, out)
        else:
            done = export.write_xlsx(ctx, query, args.out)
    if done.notes:
        print(t("overview.cli.notes", notes=" ".join(done.notes)), file=sys.stderr)
    print(t("overview.cli.written", count=done.count, path=args.out))
    return 0


def _run(app: App, args: argparse.Namespace, text: str) -> Reply:
    return app.handle(text, actor_of(args), now=now_of(args, app))


def cmd_link(args: argparse.Namespace) -> int:
    from storage.setup import init_database

    app = make_app(args)
    init_database(app.engine, now_of(args, app))
    text = "oversikt" + (f" møte {args.meeting}" if args.meeting else "")
    return print_reply(_run(app, args, text), args.json)


def cmd_revoke(args: argparse.Namespace) -> int:
    from storage.setup import init_database

    app = make_app(args)
    init_database(app.engine, now_of(args, app))
    return print_reply(_run(app, args, "oversikt tilbakekall"), args.json)


def register_export(actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`actions export`, under the `actions` group that `bot.cli.core` makes."""
    q = actions.add_parser("export", help="export actions for the secretariat (.xlsx or .csv)")
    q.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    q.add_argument("--party", help="a party key or name (its groups' actions count too)")
    q.add_argument("--meeting", help="a meeting number")
    q.add_argument("--status", help="open (default: open and in progress), all, in_progress, done, cancelled")
    q.add_argument("--overdue", action="store_true", help="only open actions past their deadline")
    q.add_argument("--due-before", metavar="YYYY-MM-DD", help="only deadlines before this date")
    q.add_argument("--search", help="only actions whose text or case contains these words")
    q.add_argument("--out", required=True, help="the file to write")
    add_now(q)
    q.set_defaults(func=cmd_export)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("overview", help="personal links to the overview page")
    sub = p.add_subparsers(dest="overview_command", required=True)
    q = sub.add_parser("link", help="a signed personal link (PUBLIC_HOST must be set)")
    q.add_argument("--user", help="platform:id of the person the link is for (default: the local operator)")
    q.add_argument("--meeting", help="a link that shows only this meeting")
    q.add_argument("--json", action="store_true")
    add_now(q)
    q.set_defaults(func=cmd_link)
    q = sub.add_parser("revoke", help="withdraw every overview link at once (admins)")
    q.add_argument("--user", help="platform:id of the admin (default: the local operator)")
    q.add_argument("--json", action="store_true")
    add_now(q)
    q.set_defaults(func=cmd_revoke)
