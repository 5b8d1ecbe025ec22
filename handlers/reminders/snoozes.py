""""Minn meg på igjen": a reminder snoozed for the one destination it reached; the deadline stays.

A snooze is a row per (action, destination) with the chosen day. Until that day the action's
reminders to that destination are left out of every sweep (other destinations still get theirs);
on the day — moved forward to a working day — the reminder comes back once at the policy's send
time, claimed under its own key (`reminder:12:snoozed:2027-06-15:slack:C1`), so replicas and
restarts never send it twice, and a regular reminder the same day to the same place stands in
for it. The click is recorded in the action's history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.actions import lifecycle
from handlers.core import permissions
from handlers.core.catalog import t
from handlers.core.clock import as_utc, at_local
from handlers.core.context import Context
from handlers.core.errors import DateError, UserError
from handlers.core.registry import command
from handlers.core.replies import Reply
from handlers.core.text import fold
from handlers.dates.format import format_date_long
from handlers.dates.parse import parse_date, parse_duration
from handlers.dates.workdays import Workdays
from handlers.reminders import messages
from handlers.reminders.claims import notification_key
from handlers.reminders.due import Plan, Planned, send_instant
from handlers.reminders.policy import PARTY, ReminderPolicy, Stage
from handlers.reminders.routing import Destination, Route
from storage.models import OPEN_STATUSES, Action, Notification, ReminderSnooze

CHUNK = 500
PLATFORMS = ("slack", "teams", "console", "email")
STAGE = "snoozed"


def _split_destination(rest: str) -> tuple[tuple[str, str] | None, str]:
    head, _, tail = rest.partition(" ")
    platform, sep, address = head.partition(":")
    if sep and platform in PLATFORMS and address:
        return (platform, address), tail.strip()
    return None, rest.strip()


def _chosen_day(ctx: Context, text: str) -> date:
    folded = fold(text)
    if not folded:
        raise UserError(t("capture.snooze.missing"))
    try:
        duration = parse_duration(text[3:] if folded.startswith("om ") else text)
    except DateError:
        duration = None
    if duration is not None:
        day = ctx.today + duration
    else:
        day = parse_date(text, ctx.today).date  # raises a Norwegian DateError on nonsense
        if day is None:
            raise UserError(t("capture.snooze.missing"))
    if day <= ctx.today:
        raise UserError(t("capture.snooze.past", text=text))
    return day


def _reached(session: Session, action_id: int, candidates: Iterable[tuple[str, str]]) -> Notification | None:
    """The latest reminder of this action that went to one of `candidates` (in that order of preference)."""
    for platform, address in candidates:
        row = session.scalar(
            select(Notification)
            .where(Notification.action_id == action_id, Notification.platform == platform,
                   Notification.destination == address, Notification.kind != "escalation",
                   Notification.status.in_(("claimed", "sent", "failed", "skipped")))
            .order_by(Notification.id.desc())
            .limit(1)
        )
        if row is not None:
            return row
    return None


@command("minn-igjen")
def cmd_remind_again(ctx: Context, args: str) -> Reply:
    """`minn-igjen 12 [slack:C1] i morgen | om en uke | 15.06.2027`."""
    first, _, rest = args.strip().partition(" ")
    if not first:
        raise UserError(t("actions.missing_id"), suggestions=(t("capture.snooze.usage"),))
    action = lifecycle.load(ctx, lifecycle.parse_id(first))
    if action.status not in OPEN_STATUSES:
        raise UserError(t("capture.snooze.not_open", id=action.id, status=t(f"status.{action.status}")))
    explicit, when = _split_destination(rest)
    platform = ctx.actor.platform
    if explicit is not None:
        candidates = [explicit]
    else:
        candidates = [(platform, address) for address in (ctx.channel, ctx.actor.external_id) if address]
    row = _reached(ctx.session, action.id, candidates)
    if row is None:
        raise UserError(t("capture.snooze.not_here", id=action.id),
                        suggestions=(t("capture.snooze.action_wide", id=action.id),))
    own = row.platform == platform and row.destination == ctx.actor.external_id
    here = row.platform == platform and row.destination == ctx.channel
    if not (own or here):
        # Pausing another channel's or person's reminder is for those responsible, as `utsett-påminnelse` is.
        permissions.require(ctx, "snooze", action)
    chosen = _chosen_day(ctx, when)
    day = Workdays().on_or_after(chosen)
    kind = (row.payload or {}).get("destination_kind", "channel")
    person = ctx.person
    snooze = ctx.session.scalar(select(ReminderSnooze).where(
        ReminderSnooze.action_id == action.id, ReminderSnooze.platform == row.platform,
        ReminderSnooze.destination == row.destination))
    values = {"destination_kind": kind, "party_key": row.party_key, "until_day": day,
              "until": _naive_utc(at_local(day, ReminderPolicy().send_at, ctx.tz)), "by_id": person.id,
              "created_at": ctx.naive_now}
    if snooze is None:
        ctx.session.add(ReminderSnooze(action_id=action.id, platform=row.platform, destination=row.destination,
                                       **values))
    else:
        for name, value in values.items():
            setattr(snooze, name, value)
    label = (row.payload or {}).get("destination_label") or row.destination
    lifecycle.record(ctx, action, "reminder_snooze", f"{row.platform}:{label}", day.isoformat())
    ctx.session.flush()
    lines = [t("capture.snooze.deadline_stays", deadline=lifecycle.deadline_label(action))]
    if day != chosen:
        lines.insert(0, t("capture.snooze.moved_to_workday", chosen=format_date_long(chosen),
                          day=format_date_long(day)))
    return Reply(
        title=t("capture.snooze.done", id=action.id, day=format_date_long(day)),
        lines=lines,
        private=False,
        data={"action": action.id, "destination": f"{row.platform}:{row.destination}", "until": day.isoformat()},
    )


def _naive_utc(moment: datetime) -> datetime:
    return as_utc(moment).replace(tzinfo=None)


# --- the engine's side --------------------------------------------------------------------------------


def _reminded_since(session: Session, snooze: ReminderSnooze, since: datetime) -> bool:
    return session.scalar(
        select(Notification.id).where(
            Notification.action_id == snooze.action_id, Notification.platform == snooze.platform,
            Notification.destination == snooze.destination, Notification.kind != "escalation",
            Notification.status.in_(("claimed", "sent", "failed")), Notification.claimed_at >= since,
        ).limit(1)
    ) is not None


def return_day(snooze_day: date, policy: ReminderPolicy) -> date:
    """The working day the reminder comes back (the policy's own closed days count too)."""
    return policy.workdays.on_or_after(snooze_day)


def load(session: Session, action_ids: Iterable[int]) -> dict[tuple[int, str, str], date]:
    """(action, platform, address) → the chosen day, for the given actions (one query per 500)."""
    ids = sorted(set(action_ids))
    found: dict[tuple[int, str, str], date] = {}
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(select(ReminderSnooze.action_id, ReminderSnooze.platform, ReminderSnooze.destination,
                                      ReminderSnooze.until_day)
                               .where(ReminderSnooze.action_id.in_(ids[start:start + CHUNK])))
        for action_id, platform, address, day in rows:
            found[(action_id, platform, address)] = day
    return found


def paused(session: Session, action_id: int | None, platform: str, address: str, today: date,
           policy: ReminderPolicy) -> bool:
    """Is this action's reminder to this destination snoozed on `today`?"""
    if action_id is None:
        return False
    day = load(session, [action_id]).get((action_id, platform, address))
    return day is not None and return_day(day, policy) > today


def apply(ctx: Context, plan: Plan, policy: ReminderPolicy, catch_up_days: int | None = None) -> None:
    """Leave snoozed destinations out of `plan`, and add the reminders whose snooze ends now."""
    drop_snoozed(ctx, plan, policy)
    add_returns(ctx, plan, policy, planned_reminders(plan), catch_up_days)


def drop_snoozed(ctx: Context, plan: Plan, policy: ReminderPolicy) -> None:
    """Leave the reminders to snoozed destinations out of `plan` (a streamed sweep: one batch at a time)."""
    reminders = [item for item in plan.items if item.category == "reminder" and item.action_id is not None]
    snoozed = load(ctx.session, (item.action_id for item in reminders))
    kept = []
    for item in plan.items:
        day = snoozed.get((item.action_id, item.destination.platform, item.destination.address))
        if item.category == "reminder" and day is not None and return_day(day, policy) > ctx.today:
            continue
        kept.append(item)
    plan.items = kept


def planned_reminders(plan: Plan) -> set[tuple[int | None, str, str]]:
    """(action, platform, address) of the reminders in `plan`: a snooze ending there has come back already."""
    return {(item.action_id, item.destination.platform, item.destination.address)
            for item in plan.items if item.category == "reminder"}


def _ending(ctx: Context, policy: ReminderPolicy, catch_up_days: int | None) -> tuple[date, list[ReminderSnooze]]:
    oldest = ctx.today - timedelta(days=catch_up_days if catch_up_days is not None else policy.catch_up_days)
    rows = ctx.session.scalars(
        select(ReminderSnooze).where(ReminderSnooze.until_day <= ctx.today, ReminderSnooze.until_day >= oldest - timedelta(days=14))
        .order_by(ReminderSnooze.id)
    ).all()
    return oldest, list(rows)


def ending(ctx: Context, policy: ReminderPolicy, catch_up_days: int | None = None) -> set[tuple[int, str, str]]:
    """(action, platform, address) of the snoozes that may end in this sweep: the only reminders a
    streamed sweep has to remember from batch to batch for `add_returns`."""
    return {(row.action_id, row.platform, row.destination) for row in _ending(ctx, policy, catch_up_days)[1]}


def add_returns(ctx: Context, plan: Plan, policy: ReminderPolicy, planned: set[tuple[int | None, str, str]],
                catch_up_days: int | None = None) -> None:
    """Add the reminders whose snooze ends now, unless `planned` (this sweep's reminders) has one there."""
    oldest, rows = _ending(ctx, policy, catch_up_days)
    for snooze in rows:
        day = return_day(snooze.until_day, policy)
        instant = send_instant(day, policy, ctx.tz)
        if day < oldest or instant > ctx.now:
            continue
        if (snooze.action_id, snooze.platform, snooze.destination) in planned or _reminded_since(
                ctx.session, snooze, _naive_utc(instant)):
            continue  # a reminder went (or goes now) to this place since the snooze ended: that one came back
        action = ctx.session.get(Action, snooze.action_id)
        if action is None or action.status not in OPEN_STATUSES or action.deadline is None:
            continue
        if action.snoozed_until is not None and _naive_utc(ctx.now) < action.snoozed_until:
            continue
        destination = Destination(snooze.platform, snooze.destination, snooze.destination_kind)
        party = snooze.party_key or (action.party_keys[0] if action.party_keys else "")
        route = Route(destination, party, "subscription" if snooze.destination_kind == "channel" else "member")
        stage = Stage(STAGE, PARTY, day, day, 0)
        reply = messages.reminder_reply(ctx, action, stage, route, ctx.today, escalate_to=policy.escalate_to)
        reply.lines.insert(0, t("capture.snooze.back"))
        plan.items.append(Planned(
            key=notification_key(["reminder", action.id, STAGE, day.isoformat()], destination),
            category="reminder", kind=STAGE, destination=destination, reply=reply, send_on=ctx.today,
            action_id=action.id, party=party, due_on=action.deadline, via=route.via,
        ))
