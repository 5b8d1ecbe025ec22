"""`oppfolging reminders run` and `oppfolging digest`: what the engine would send now, or send it.

A dry run prints exactly the messages per destination (or, with --json, a machine-readable list);
without --dry-run the command claims and sends like one scheduler tick. Messages for a platform
this process cannot reach (no Slack/Teams deliverer registered here) are left unclaimed for the
service, and the command says so. E-mail is sent from here whenever SMTP_URL is set.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.cli.common import add_now, make_app, now_of

if TYPE_CHECKING:  # the scheduler loads aiohttp and APScheduler: only when a reminder command runs
    from bot.app import App
    from bot.scheduler import ReminderRunner, TickReport
    from handlers.reminders.due import Plan

# The commands import the use cases and the database when they run (see bot/cli/common.py).


def _when(now: datetime, app: App) -> str:
    from handlers.dates.format import format_datetime

    return format_datetime(now, app.settings.timezone)


def _plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "in_office_hours": plan.in_hours,
        "window_start": plan.window_start.isoformat() if plan.window_start else None,
        "send_days": [d.isoformat() for d in plan.send_days],
        "unroutable": [
            {"category": u.category, "party": u.party, "action": u.action_id, "meeting": u.meeting_id}
            for u in plan.unroutable
        ],
        "already_claimed": plan.already,
    }


def _report_json(report: TickReport, now: datetime, app: App, dry_run: bool) -> dict[str, Any]:
    from handlers.core.clock import local_datetime
    from handlers.reminders.due import Plan

    plan = report.plans[0] if report.plans else Plan(now=now, in_hours=False)
    data: dict[str, Any] = {
        "now": now.isoformat(),
        "local": local_datetime(now, app.settings.timezone).isoformat(),
        "dry_run": dry_run,
        **_plan_json(plan),
        "messages": [item.to_json() for item in report.planned],
    }
    if not dry_run:
        data["claimed"] = len(report.claimed)
        data["waiting_for_service"] = [item.key for item in report.waiting]
        data["results"] = [outcome.to_json() for outcome in report.outcomes]
    return data


def _print_text(report: TickReport, now: datetime, runner: ReminderRunner, dry_run: bool, *,
                nothing_key: str) -> None:
    from bot.console import render_text
    from handlers.core.catalog import t

    app, policy = runner.app, runner.config.policy
    plans = report.plans
    when = _when(now, app)
    if plans and not plans[0].in_hours:
        print(t("reminders.cli.outside_hours", when=when, start=policy.office_start.strftime("%H.%M"),
                end=policy.office_end.strftime("%H.%M")))
        return
    items = report.planned
    if not items:
        print(t(nothing_key, when=when))
    elif dry_run:
        count = t("reminders.cli.messages_one") if len(items) == 1 else t("reminders.cli.messages_many", count=len(items))
        print(t("reminders.cli.would_send", count=count, when=when))
        for item in items:
            print()
            label = f" ({item.destination.label})" if item.destination.label else ""
            print(t("reminders.cli.destination",
                    destination=f"{item.destination.platform}:{item.destination.address}{label}"))
            print(render_text(item.reply))
    for plan in plans:
        for u in plan.unroutable:
            if u.action_id is not None:
                print(t("reminders.cli.unroutable", id=u.action_id, party=u.party))
    if report.waiting:
        by_platform: dict[str, int] = {}
        for item in report.waiting:
            by_platform[item.destination.platform] = by_platform.get(item.destination.platform, 0) + 1
        for platform, count in sorted(by_platform.items()):
            print(t("reminders.cli.no_deliverer", platform=platform, count=count))
    if not dry_run and (report.outcomes or items):
        print(t("reminders.cli.sent", sent=report.count("sent"), failed=report.count("failed"),
                skipped=report.count("skipped")))


async def _run(runner: ReminderRunner, now: datetime, dry_run: bool) -> TickReport:
    report = await runner.sweep(now, dry_run=dry_run)
    if not dry_run:
        report.outcomes = await runner.deliver(now, report.claimed)
    return report


async def _digest(runner: ReminderRunner, now: datetime, party: str | None, dry_run: bool) -> TickReport:
    report = await runner.digest(now, party=party, dry_run=dry_run, scheduled=False)
    if not dry_run:
        # Asked for explicitly: sent now, even outside the scheduled hour; no retries of other claims.
        report.outcomes = await runner.deliver(now, report.claimed, retries=False, force=True)
    return report


def _install_email(app: App) -> None:
    """E-mail needs no chat platform: with SMTP_URL set, a CLI run sends e-mail itself, like `serve`."""
    from bot.email.config import EmailConfigError
    from bot.email.deliverer import install

    try:
        install(app.settings)
    except EmailConfigError as exc:
        app.close()
        print(f"oppfolging: e-mail: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _prepare(args: argparse.Namespace) -> tuple[App, ReminderRunner, datetime]:
    from bot import console_delivery, delivery
    from storage.setup import init_database

    app = make_app(args)
    _install_email(app)  # first: a configuration that cannot work changes nothing
    now = now_of(args, app)
    init_database(app.engine, now)
    # Console messages of a real run are printed here (to stderr with --json, which owns stdout);
    # other platforms only if a deliverer is registered in this process.
    console = console_delivery.ConsoleDeliverer(sys.stderr if args.json else sys.stdout)

    def deliverer(platform: str) -> delivery.Deliverer | None:
        return console if platform == "console" else delivery.deliverer_for(platform)

    from bot.scheduler import ReminderRunner

    platforms = {"console", *delivery.DELIVERERS}
    runner = ReminderRunner(app, worker=f"cli:{os.getpid()}", deliverers=deliverer, platforms=platforms,
                            authoritative=False)
    return app, runner, now


def cmd_reminders_run(args: argparse.Namespace) -> int:
    import asyncio

    app, runner, now = _prepare(args)
    try:
        report = asyncio.run(_run(runner, now, args.dry_run))
    finally:
        app.close()
    if args.json:
        print(json.dumps(_report_json(report, now, app, args.dry_run), ensure_ascii=False, indent=2))
    else:
        _print_text(report, now, runner, args.dry_run, nothing_key="reminders.cli.nothing")
    return 1 if report.count("failed") else 0


def cmd_digest(args: argparse.Namespace) -> int:
    import asyncio

    from handlers.core.catalog import t
    from handlers.reminders.engine import context

    app, runner, now = _prepare(args)
    party = args.party
    if party:
        with app.sessions() as session:
            known = context(session, now, runner.config).resolver.get(party) is not None
        if not known:
            print(t("reminders.cli.unknown_party", party=party), file=sys.stderr)
            app.close()
            return 2
    try:
        report = asyncio.run(_digest(runner, now, party, args.dry_run))
    finally:
        app.close()
    if args.json:
        print(json.dumps(_report_json(report, now, app, args.dry_run), ensure_ascii=False, indent=2))
    else:
        if not report.planned and report.plans and report.plans[0].already:
            print(t("reminders.cli.digest_already"))
        else:
            _print_text(report, now, runner, args.dry_run, nothing_key="reminders.cli.digest_nothing")
    return 1 if report.count("failed") else 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("reminders", help="reminder sweeps")
    sub = p.add_subparsers(dest="reminders_command", required=True)
    q = sub.add_parser("run", help="one reminder sweep: what is due now (--dry-run shows it without sending)")
    q.add_argument("--dry-run", action="store_true", help="show the messages, claim and send nothing")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    add_now(q)
    q.set_defaults(func=cmd_reminders_run)

    p = subparsers.add_parser("digest", help="the weekly digest per party and the secretariat overview")
    p.add_argument("--party", metavar="KEY", help="only this party's digest (a party key, e.g. vestland)")
    p.add_argument("--dry-run", action="store_true", help="show the messages, claim and send nothing")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_now(p)
    p.set_defaults(func=cmd_digest)
