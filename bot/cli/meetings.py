"""Subcommands for the meeting calendar: meetings, calendar, ask, report.

Each one runs through `App.handle`, so it gets one transaction, the same permission checks and
Norwegian error messages as chat; `--now` shows what the bot would answer at another moment.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import actor_of, add_now, make_app, now_of, print_reply

if TYPE_CHECKING:
    from bot.app import App
    from handlers.core.context import Context
    from handlers.core.replies import Reply

# The commands import the use cases and the database when they run (see bot/cli/common.py); for
# the calendar that also keeps icalendar off every other command's start.


def _app(args: argparse.Namespace) -> App:
    from storage.setup import init_database

    app = make_app(args)
    init_database(app.engine, now_of(args, app))
    return app


def _chat(args: argparse.Namespace, text: str) -> int:
    app = _app(args)
    reply = app.handle(text, actor_of(args), now=now_of(args, app))
    return print_reply(reply, getattr(args, "json", False))


def _run(args: argparse.Namespace, run: Callable[[Context], Reply]) -> Reply:
    app = _app(args)
    return app.handle("", actor_of(args), now=now_of(args, app), run=run)


# --- meetings ----------------------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    return _chat(args, " ".join(["møter", *args.filter, *(["alle"] if args.all else [])]))


def cmd_next(args: argparse.Namespace) -> int:
    return _chat(args, " ".join(["neste møte", *args.filter]))


def cmd_add(args: argparse.Namespace) -> int:
    if args.text:
        return _chat(args, " ".join(["møte ny", *args.text]))
    from handlers.meetings import ics_feed
    from handlers.meetings.commands import submit_new_meeting

    def run(ctx: Context) -> Reply:
        county = ics_feed.check_county(ctx, args.county)
        values = {"kind": args.kind or "", "date": args.date or "", "time": args.time or "",
                  "place": args.place or "", "county": county or "", "title": args.title or ""}
        return submit_new_meeting(ctx, values, {})

    return print_reply(_run(args, run), args.json)


def cmd_cancel(args: argparse.Namespace) -> int:
    return _chat(args, f"møte avlys {args.id}")


def cmd_move(args: argparse.Namespace) -> int:
    return _chat(args, " ".join(["møte flytt", args.id, *args.when]))


# --- calendar ----------------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    from handlers.core.catalog import t
    from handlers.meetings import ics_import

    path = Path(args.file)
    if not path.is_file():
        print(t("meeting.cli.file_missing", path=path), file=sys.stderr)
        return 2
    data = path.read_bytes()

    def run(ctx: Context) -> Reply:
        return ics_import.import_calendar(ctx, data, dry_run=args.dry_run,
                                            include_unclassified=args.include_unclassified).reply()

    return print_reply(_run(args, run), args.json)


def cmd_export(args: argparse.Namespace) -> int:
    from handlers.core.catalog import t
    from handlers.core.replies import Reply
    from handlers.meetings import ics_feed

    out: dict[str, bytes] = {}

    def run(ctx: Context) -> Reply:
        county = ics_feed.check_county(ctx, args.county)
        out["ics"] = ics_feed.export_calendar(ctx, county)
        return Reply(data={"count": len(ics_feed.feed_meetings(ctx, county))})

    reply = _run(args, run)
    if reply.error:
        return print_reply(reply, False)
    if args.out:
        Path(args.out).write_bytes(out["ics"])
        print(t("meeting.cli.export_written", path=args.out, count=(reply.data or {}).get("count", 0)))
    else:
        sys.stdout.buffer.write(out["ics"])
        sys.stdout.flush()
    return 0


# --- ask and report ------------------------------------------------------------------------------------


def cmd_ask(args: argparse.Namespace) -> int:
    from handlers.meetings import questions

    text = " ".join(args.question)
    return print_reply(_run(args, lambda ctx: questions.answer(ctx, text)), args.json)


def cmd_report(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from handlers.core.catalog import t
    from handlers.meetings import report

    out: dict[str, bytes] = {}

    def run(ctx: Context) -> Reply:
        meeting = report.target_meeting(ctx, args.meeting or "")
        built = report.build(ctx, meeting)
        if args.format == "docx":
            template = args.template or Settings.from_env().report_template
            out["bytes"] = report.to_docx(ctx, built, template=template)
        else:
            out["bytes"] = report.to_markdown(built).encode("utf-8")
        return report.report_reply(ctx, built)

    reply = _run(args, run)
    if reply.error:
        return print_reply(reply, False)
    if args.out:
        Path(args.out).write_bytes(out["bytes"])
        print(t("meeting.cli.report_written", path=args.out))
    elif args.format == "docx":
        sys.stdout.buffer.write(out["bytes"])
        sys.stdout.flush()
    else:
        print(out["bytes"].decode("utf-8"))
    return 0


def _common(parser: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
    parser.add_argument("--user", help="act as this user (default: the local operator, an admin)")
    if json_flag:
        parser.add_argument("--json", action="store_true", help="print the reply as JSON")
    add_now(parser)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("meetings", help="the meeting calendar")
    sub = p.add_subparsers(dest="meetings_command", required=True)

    q = sub.add_parser("list", help="coming meetings, optionally filtered (nasjonalt, Vestland, AU, januar 2027)")
    q.add_argument("filter", nargs="*")
    q.add_argument("--all", action="store_true", help="no limit on the number shown")
    _common(q)
    q.set_defaults(func=cmd_list)

    q = sub.add_parser("next", help="the next meeting, optionally of a kind or county")
    q.add_argument("filter", nargs="*")
    _common(q)
    q.set_defaults(func=cmd_next)

    q = sub.add_parser("add", help='add a meeting: TEXT as in chat ("høstmøte 21. oktober 2027 kl. 10 i Oslo") or options')
    q.add_argument("text", nargs="*")
    q.add_argument("--kind", help="national-spring, national-autumn, regional-spring, regional-autumn, au, steering-group, other")
    q.add_argument("--date", help="YYYY-MM-DD or Norwegian (21. oktober 2027)")
    q.add_argument("--time", help="10, 9.30 or 9.30-15 (none: all day)")
    q.add_argument("--place")
    q.add_argument("--county", help="county key or name, for regional meetings")
    q.add_argument("--title")
    _common(q)
    q.set_defaults(func=cmd_add)

    q = sub.add_parser("cancel", help="cancel a meeting")
    q.add_argument("id")
    _common(q)
    q.set_defaults(func=cmd_cancel)

    q = sub.add_parser("move", help="move a meeting: ID DATE [kl. HH[.MM]]")
    q.add_argument("id")
    q.add_argument("when", nargs="+")
    _common(q)
    q.set_defaults(func=cmd_move)

    p = subparsers.add_parser("calendar", help="iCalendar import and export")
    sub = p.add_subparsers(dest="calendar_command", required=True)
    q = sub.add_parser("import", help="import meetings from an .ics file (Outlook, Google, Apple)")
    q.add_argument("file")
    q.add_argument("--dry-run", action="store_true", help="report what would change, change nothing")
    q.add_argument("--include-unclassified", action="store_true", help='import unrecognised events as "other"')
    _common(q)
    q.set_defaults(func=cmd_import)
    q = sub.add_parser("export", help="write the meetings as an iCalendar feed")
    q.add_argument("--county", help="only what concerns this county (its dialogue meetings and the national ones)")
    q.add_argument("--out", help="file to write (default: standard output)")
    _common(q, json_flag=False)
    q.set_defaults(func=cmd_export)

    p = subparsers.add_parser("ask", help="answer a question about meetings, in Norwegian")
    p.add_argument("question", nargs="+")
    _common(p)
    p.set_defaults(func=cmd_ask)

    p = subparsers.add_parser("report", help="the follow-up report for a meeting's agenda")
    p.add_argument("--meeting", help="meeting number or words (høstmøtet, Vestland); default: the next meeting")
    p.add_argument("--format", choices=("md", "docx"), default="md")
    p.add_argument("--template", metavar="FILE.docx",
                   help="the Word template to start from (default: OPPFOLGING_REPORT_TEMPLATE, else the shipped one)")
    p.add_argument("--out", help="file to write (default: standard output)")
    _common(p, json_flag=False)
    p.set_defaults(func=cmd_report)
