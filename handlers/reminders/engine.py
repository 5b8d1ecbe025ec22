"""The reminder engine as the scheduler, the CLI and the workers use it: plan, claim, prepare.

    plan_sweep / plan_digest   derive what is due at `now` (read-only; a dry run stops here)
    claim_plan                 insert the claims this process wins (+ move the watermark)
    prepare                    just before a send: is this claim still wanted, and what to send

Sending itself is the bot's business (`bot.scheduler`): handlers never talk to a platform.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core import command_text
from handlers.core.clock import DEFAULT_TZ, as_utc, at_local, local_date
from handlers.core.context import Actor, Context
from handlers.core.replies import Reply
from handlers.reminders import claims, coverage, snoozes, state, waiting
from handlers.reminders.digest import digest_instant, digest_parties, plan_weekly, week_label
from handlers.reminders.due import (
    Plan,
    Planned,
    drop_claimed,
    drop_sent_today,
    in_office_hours,
    plan_reminders,
)
from handlers.reminders.payload import reply_from_json
from handlers.reminders.policy import ReminderPolicy
from handlers.reminders.routing import Destination, Router, overview_destination
from storage.models import OPEN_STATUSES, Action, Meeting, Notification

ENGINE_ACTOR = Actor("scheduler", "oppfolging", "Oppfølging")


@dataclass(frozen=True)
class EngineConfig:
    policy: ReminderPolicy = field(default_factory=ReminderPolicy)
    tz: ZoneInfo = DEFAULT_TZ
    # The secretariat channel from configuration; the chat setting `oversiktskanal` wins over it.
    overview: Destination | None = None


def context(session: Session, now: datetime, config: EngineConfig) -> Context:
    return Context(session=session, actor=ENGINE_ACTOR, now=now, tz=config.tz, source="scheduler")


def window_start(session: Session, now: datetime, policy: ReminderPolicy, tz: ZoneInfo) -> datetime:
    """Where this sweep's window begins: the last sweep, but never further back than `catch_up_days`."""
    swept = state.swept_until(session)
    if swept is None:
        today = local_date(now, tz)
        return at_local(today - timedelta(days=policy.first_run_days), time(0, 0), tz)
    return max(swept, now - timedelta(days=policy.catch_up_days))


def plan_sweep(session: Session, now: datetime, config: EngineConfig) -> Plan:
    """Reminders, escalations and convener reminders due at `now` and not claimed yet, and the waiting
    ones that can be delivered now."""
    now = as_utc(now)
    if not in_office_hours(now, config.tz, config.policy):
        return Plan(now=now, in_hours=False)
    ctx = context(session, now, config)
    router = Router(session, ctx.resolver, ctx.today)
    overview = overview_destination(session, config.overview)
    start = window_start(session, now, config.policy, config.tz)
    if start >= now:
        plan = Plan(now=now, in_hours=True, window_start=start)
    else:
        plan = plan_reminders(ctx, now, config.policy, start, router, overview)
    waiting.replan(ctx, plan, config.policy, router, overview)
    snoozes.apply(ctx, plan, config.policy)
    drop_claimed(ctx, plan)
    drop_sent_today(ctx, plan)
    notice = coverage.waiting_notice(ctx, plan, overview)
    if notice is not None:
        plan.items.append(notice)
        drop_claimed(ctx, plan)
    return plan


def digest_due(session: Session, now: datetime, config: EngineConfig) -> bool:
    """Is this week's digest due and not planned yet? (First working day of the week, 08:00 local.)"""
    now = as_utc(now)
    if not in_office_hours(now, config.tz, config.policy):
        return False
    today = local_date(now, config.tz)
    instant = digest_instant(today, config.policy, config.tz)
    return instant is not None and now >= instant and state.digest_week(session) != week_label(today)


def plan_digest(session: Session, now: datetime, config: EngineConfig, *, party: str | None = None,
                only: Sequence[str] | None = None, include_overview: bool = True) -> Plan:
    """The week's digests (and the overview) as of `now`, minus parts already claimed.

    `only`: just these parties' digests (one batch of `digest_keys`), so that a large digest is
    planned and claimed a few parties at a time instead of being held in memory as a whole.
    """
    now = as_utc(now)
    ctx = context(session, now, config)
    router = Router(session, ctx.resolver, ctx.today)
    return plan_weekly(ctx, now, config.policy, router, overview_destination(session, config.overview), party=party,
                       only=only, include_overview=include_overview)


def digest_keys(session: Session, now: datetime, config: EngineConfig, *, party: str | None = None) -> list[str]:
    """The parties that get a digest this week (or `party`, when it has somewhere to send it)."""
    ctx = context(session, as_utc(now), config)
    return digest_parties(ctx, Router(session, ctx.resolver, ctx.today), party)


def complete(plan: Plan, platforms: frozenset[str] | set[str], authoritative: bool) -> bool:
    """Whether this process claimed everything of `plan` there is to claim (see `claim_plan`)."""
    return authoritative or all(item.destination.platform in platforms for item in plan.items)


def finish_digest(session: Session, week: str) -> None:
    """The week's digest is planned and claimed: later ticks do not plan it again."""
    state.set_digest_week(session, week)


def claim_plan(session: Session, plan: Plan, now: datetime, worker: str, platforms: frozenset[str] | set[str],
               *, sweep: bool = False, digest_week: str | None = None, authoritative: bool = True) -> list[int]:
    """Claim what this process can deliver; returns the ids won, in send order.

    A non-authoritative process (the CLI, which may lack the Slack or Teams credentials) moves the
    watermarks only when nothing was left for another process, so the service still sends what
    the CLI could not. The service itself is authoritative: a platform it is not configured for
    cannot be delivered to by anyone, and waiting for it would only make every tick replan.
    """
    wanted: list[claims.NewClaim] = []
    for item in plan.items:
        if item.destination.platform in platforms:
            wanted.append(claims.NewClaim(item.key, item.kind, item.destination, item.payload(),
                                          item.action_id, item.due_on, item.party))
    won = _claim_groups(session, wanted, plan.items, now, worker)
    waiting.record(session, plan.unroutable, now, worker)
    for row_id, reason in plan.expired.items():
        waiting.close(session, row_id, reason.partition(":")[0], reason)
    platform_of = {item.key: item.destination.platform for item in plan.items}
    for row_id, keys in plan.routed.items():
        # Delivered for good only when every destination's message is claimed (here or before); a
        # process without some platform's deliverer leaves it waiting for the service.
        if authoritative or all(platform_of.get(key) in (None, *platforms) for key in keys):
            waiting.close(session, row_id, "routed", "routed")
    done = complete(plan, platforms, authoritative)
    if sweep and done and plan.window_start is not None:
        state.advance_swept_until(session, plan.now)
    if digest_week and done:
        state.set_digest_week(session, digest_week)
    return won


def _claim_groups(session: Session, wanted: list[claims.NewClaim], items: list[Planned], now: datetime,
                  worker: str) -> list[int]:
    """Claim each message; for a digest in parts, the later parts only if part 1 was won here."""
    groups = {item.key: item for item in items}
    won: list[int] = []
    lost_groups: set[str] = set()
    for claim in wanted:
        item = groups[claim.key]
        if item.group and item.group in lost_groups:
            continue
        ids = claims.claim(session, [claim], now, worker)
        if ids:
            won.extend(ids)
        elif item.group and item.part == 1:
            lost_groups.add(item.group)
    return won


# --- just before a send ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    id: int
    key: str
    category: str
    destination: Destination
    reply: Reply
    group: str
    part: int


def prepare(session: Session, notification_id: int, now: datetime, config: EngineConfig) -> Prepared | str:
    """What to send for a leased claim, or why it is no longer wanted (the claim is then skipped)."""
    row = session.get(Notification, notification_id)
    if row is None:
        return "gone"
    payload = row.payload or {}
    category = payload.get("category", row.kind)
    reason = _unwanted(session, row, category, now, config)
    if reason:
        claims.mark_skipped(session, row.id, reason)
        return reason
    destination = Destination(row.platform, row.destination, payload.get("destination_kind", "channel"),
                              payload.get("destination_label", ""))
    # Commands in the texts as this destination's platform takes them (a Teams channel: @Oppfølging …).
    reply = command_text.reply_for(reply_from_json(payload["reply"]), destination.platform, destination.kind)
    return Prepared(row.id, row.key, category, destination, reply, payload.get("group", ""),
                    int(payload.get("part", 1)))


def take_many(session: Session, wanted: Sequence[tuple[int, bool]], now: datetime, worker: str,
              config: EngineConfig) -> dict[int, Prepared | str | None]:
    """Lease claims (id, fresh) for one send attempt each and say what to send, in one transaction
    (the next message of each destination that is ready, bot/takes.py): per id, what to send, a
    reason when it is no longer wanted (it is then skipped), or None when another process holds it
    or it is finished."""
    leased = claims.lease_many(session, [i for i, _ in wanted], now, worker, config.policy,
                               fresh={i for i, fresh in wanted if fresh})
    return {i: prepare(session, i, now, config) if i in leased else None for i, _ in wanted}


def _unwanted(session: Session, row: Notification, category: str, now: datetime, config: EngineConfig) -> str | None:
    at = claims.to_db(now)
    if category in ("reminder", "escalation"):
        action = session.get(Action, row.action_id) if row.action_id else None
        if action is None or action.status not in OPEN_STATUSES:
            return "action closed"
        if action.deadline != row.due_on:
            return "deadline changed"
        if category == "reminder" and action.snoozed_until and action.snoozed_until > at:
            return "snoozed"
        if category == "reminder" and snoozes.paused(session, row.action_id, row.platform, row.destination,
                                                     local_date(now, config.tz), config.policy):
            return "snoozed here"
        later = session.scalar(
            select(Notification.id).where(
                Notification.action_id == row.action_id,
                Notification.platform == row.platform,
                Notification.destination == row.destination,
                Notification.id > row.id,
                (Notification.kind == "escalation") if row.kind == "escalation" else (Notification.kind != "escalation"),
                Notification.status.in_(("claimed", "sent", "failed")),
            ).limit(1)
        )
        if later is not None:
            return "superseded by a later reminder"
    elif category == "convener":
        meeting = session.get(Meeting, (row.payload or {}).get("meeting_id"))
        if meeting is None or meeting.status != "scheduled":
            return "meeting cancelled"
        if local_date(meeting.starts_at, config.tz) != row.due_on:
            return "meeting moved"
        if meeting.starts_at <= at:
            return "meeting started"
    elif category in ("digest", "overview"):
        newer = session.scalars(
            select(Notification.payload).where(
                Notification.kind == row.kind,
                Notification.platform == row.platform,
                Notification.destination == row.destination,
                Notification.due_on > row.due_on,
            )
        ).all()
        party = (row.payload or {}).get("party")
        if any((p or {}).get("party") == party for p in newer):
            return "superseded by a newer digest"
    return None
