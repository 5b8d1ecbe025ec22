"""What is due at a given moment: reminders for action deadlines and convener reminders for meetings.

Everything is derived from the database and `now`; nothing is remembered in the process. The
window of a sweep is (previous sweep, now]: only stages whose send time falls inside it are
candidates, so a daily sweep reads the actions whose deadline is a fixed number of days away
(indexed `IN`/range queries on (status, deadline)), not the whole table. After downtime the window
is wider (at most `catch_up_days`), and of all stages of one action inside it only the latest is
sent: one "forfalt" reminder, not one per missed week.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from handlers.core.clock import as_utc, at_local, local_date, local_datetime
from handlers.core.context import Context
from handlers.core.replies import Reply
from handlers.reminders import messages
from handlers.reminders.claims import existing, notification_key
from handlers.reminders.payload import reply_to_json
from handlers.reminders.policy import ESCALATION, PARTY, ReminderPolicy, Stage, stages_between
from handlers.reminders.routing import Destination, Route, Router
from storage.models import OPEN_STATUSES, Action, Meeting, Notification

CHUNK = 500
MAX_IN_LIST = 3000
CONVENER_KINDS = ("national-spring", "national-autumn", "regional-spring", "regional-autumn")
WAITING_PLATFORM = "none"  # a waiting notification's platform: it has no destination yet


@dataclass(frozen=True)
class Planned:
    """One message to one destination, ready to be claimed (or shown by a dry run)."""

    key: str
    category: str  # reminder, escalation, convener, digest, overview
    kind: str  # the stage ("before-7", "overdue-14"…), "convener", "digest", "overview"
    destination: Destination
    reply: Reply
    send_on: date
    action_id: int | None = None
    meeting_id: int | None = None
    party: str | None = None
    due_on: date | None = None
    via: str = ""
    group: str = ""  # the parts of one digest share a group and are sent in order
    part: int = 1
    parts: int = 1
    waiting: int | None = None  # the waiting notification this message finally delivers

    def payload(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "stage": self.kind,
            "party": self.party,
            "meeting_id": self.meeting_id,
            "send_on": self.send_on.isoformat(),
            "destination_kind": self.destination.kind,
            "destination_label": self.destination.label,
            "via": self.via,
            "group": self.group,
            "part": self.part,
            "parts": self.parts,
            "reply": reply_to_json(self.reply),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "category": self.category,
            "kind": self.kind,
            "action": self.action_id,
            "meeting": self.meeting_id,
            "party": self.party,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "send_on": self.send_on.isoformat(),
            "platform": self.destination.platform,
            "destination": self.destination.address,
            "destination_kind": self.destination.kind,
            "destination_label": self.destination.label,
            "via": self.via,
            "part": self.part,
            "parts": self.parts,
            "reply": self.reply.to_json(),
            "buttons": [{"label": b.label, "command": b.command, "ask": b.ask} for b in self.reply.buttons],
        }


@dataclass(frozen=True)
class Unroutable:
    """A message for a party nobody can reach now. It is not consumed: it waits for a route until
    `until` (recorded as a `waiting` notification under `key`) and the secretariat sees it."""

    category: str
    party: str
    action_id: int | None = None
    meeting_id: int | None = None
    stage: str = ""
    due_on: date | None = None
    send_on: date | None = None
    until: date | None = None

    @property
    def key(self) -> str | None:
        """`reminder:12:before-7:2026-12-08:none:au`: the same key family, the party as destination."""
        if self.category in ("reminder", "escalation") and self.action_id is not None and self.due_on:
            return notification_key([self.category, self.action_id, self.stage, self.due_on.isoformat()],
                                    waiting_destination(self.party))
        if self.category == "convener" and self.meeting_id is not None and self.due_on:
            return notification_key(["convener", self.meeting_id, self.due_on.isoformat()],
                                    waiting_destination(self.party))
        return None

    def payload(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "stage": self.stage,
            "party": self.party,
            "meeting_id": self.meeting_id,
            "send_on": self.send_on.isoformat() if self.send_on else None,
            "until": self.until.isoformat() if self.until else None,
        }


def waiting_destination(party: str) -> Destination:
    return Destination(WAITING_PLATFORM, party, "party", party)


@dataclass(frozen=True)
class Waiting:
    """A waiting notification still without a recipient after this sweep (for the secretariat)."""

    id: int
    party: str
    category: str
    action_id: int | None
    until: date | None


@dataclass
class Plan:
    now: datetime
    in_hours: bool
    window_start: datetime | None = None
    send_days: list[date] = field(default_factory=list)
    items: list[Planned] = field(default_factory=list)
    unroutable: list[Unroutable] = field(default_factory=list)  # new this sweep: recorded as waiting
    already: int = 0  # derived but claimed before (by this or another process)
    digest_week: str | None = None
    still_waiting: list[Waiting] = field(default_factory=list)  # waiting from earlier sweeps, still no route
    routed: dict[int, list[str]] = field(default_factory=dict)  # waiting id → keys of the messages now planned
    expired: dict[int, str] = field(default_factory=dict)  # waiting id → why it is closed


def in_office_hours(now: datetime, ctx_tz: Any, policy: ReminderPolicy) -> bool:
    local = local_datetime(now, ctx_tz)
    return policy.workdays.is_workday(local.date()) and policy.office_start <= local.time() < policy.office_end


def send_instant(day: date, policy: ReminderPolicy, tz: Any) -> datetime:
    return at_local(day, policy.send_at, tz)


def send_days(start: datetime, end: datetime, policy: ReminderPolicy, tz: Any) -> list[date]:
    """Working days whose send time (09:00 local) lies in (start, end]."""
    wd = policy.workdays
    day, last = local_date(start, tz), local_date(end, tz)
    found = []
    while day <= last:
        if wd.is_workday(day) and start < send_instant(day, policy, tz) <= end:
            found.append(day)
        day += timedelta(days=1)
    return found


# --- which actions can have a stage on these days ---------------------------------------------------


def candidate_deadlines(days: list[date], policy: ReminderPolicy, oldest: date | None) -> tuple[set[date], bool]:
    """Deadlines that can have a stage sent on one of `days`, and whether *every* overdue one can.

    A stage's send day is its nominal date or the working day before a run of closed days, so the
    nominal dates of a send day are that day and the closed days right after it.
    """
    wd = policy.workdays
    found: set[date] = set()
    nominal: list[date] = []
    for day in days:
        nominal.extend(wd.days_mapping_to(day))
        for count in set(policy.workdays_before):
            start = wd.after(day, count - 1) if count > 1 else day
            end = wd.after(day, count)
            found.update(start + timedelta(days=i) for i in range(1, (end - start).days + 1))
    for n in nominal:
        found.update(n + timedelta(days=d) for d in policy.days_before)
        if policy.on_the_day:
            found.add(n)
        if policy.escalate_after_days:
            found.add(n - timedelta(days=policy.escalate_after_days))
    step = policy.overdue_every_days
    every_overdue = bool(step) and len({(n - date(2000, 1, 3)).days % step for n in nominal}) >= step
    if step and not every_overdue and oldest is not None:
        overdue: set[date] = set()
        for n in nominal:
            back = n - timedelta(days=step)
            while back >= oldest and len(overdue) <= MAX_IN_LIST:
                overdue.add(back)
                back -= timedelta(days=step)
        if len(overdue) > MAX_IN_LIST:
            # Decades of overdue actions: one range scan is cheaper than thousands of lookups.
            every_overdue = True
        else:
            found |= overdue
    return found, every_overdue


def _actions(ctx: Context, deadlines: set[date], every_overdue_before: date | None) -> list[Action]:
    base = (
        select(Action)
        .where(Action.status.in_(list(OPEN_STATUSES)), Action.deadline.is_not(None))
        .options(selectinload(Action.party_links), selectinload(Action.meeting))
    )
    rows: dict[int, Action] = {}
    wanted = sorted(deadlines)
    for start in range(0, len(wanted), CHUNK):
        for action in ctx.session.scalars(base.where(Action.deadline.in_(wanted[start : start + CHUNK]))):
            rows[action.id] = action
    if every_overdue_before is not None:
        for action in ctx.session.scalars(base.where(Action.deadline < every_overdue_before)):
            rows[action.id] = action
    return sorted(rows.values(), key=lambda a: a.id)


def oldest_open_deadline(ctx: Context) -> date | None:
    return ctx.session.scalar(
        select(func.min(Action.deadline)).where(Action.status.in_(list(OPEN_STATUSES)), Action.deadline.is_not(None))
    )


def latest_stages(action: Action, days: list[date], policy: ReminderPolicy, tz: Any) -> list[Stage]:
    """Per track, the latest stage sent on one of `days` that the action existed for and that is not
    silenced by a snooze."""
    assert action.deadline is not None
    day_set = set(days)
    created = as_utc(action.created_at)
    snoozed = as_utc(action.snoozed_until) if action.snoozed_until else None
    best: dict[str, Stage] = {}
    for stage in stages_between(action.deadline, min(days), max(days), policy):
        if stage.send_on not in day_set:
            continue
        instant = send_instant(stage.send_on, policy, tz)
        if instant < created:
            continue
        # A snooze silences the party's reminders; the escalation to AU is oversight and still goes.
        if stage.track == PARTY and snoozed is not None and instant < snoozed:
            continue
        current = best.get(stage.track)
        if current is None or (stage.send_on, stage.order) > (current.send_on, current.order):
            best[stage.track] = stage
    return [best[track] for track in (PARTY, ESCALATION) if track in best]


# --- planning -------------------------------------------------------------------------------------------


def plan_reminders(ctx: Context, now: datetime, policy: ReminderPolicy, window_start: datetime,
                   router: Router, overview: Destination | None) -> Plan:
    """Reminders (and escalations) whose send time lies in (window_start, now]; conveners too."""
    plan = Plan(now=now, in_hours=True, window_start=window_start)
    plan.send_days = send_days(window_start, now, policy, ctx.tz)
    if not plan.send_days:
        return plan
    oldest = oldest_open_deadline(ctx)
    deadlines, every_overdue = candidate_deadlines(plan.send_days, policy, oldest)
    actions = _actions(ctx, deadlines, max(plan.send_days) if every_overdue else None)
    plan_actions(ctx, plan, actions, policy, router, overview)
    plan_conveners(ctx, plan, now, policy, router)
    return plan


def plan_actions(ctx: Context, plan: Plan, actions: list[Action], policy: ReminderPolicy, router: Router,
                 overview: Destination | None) -> None:
    """The stages of `actions` due on `plan.send_days`, in the order of `actions`."""
    router.load({key for action in actions for key in action.party_keys} | {policy.escalate_to})
    for action in actions:
        for stage in latest_stages(action, plan.send_days, policy, ctx.tz):
            _plan_stage(ctx, plan, action, stage, policy, router, overview)


def due_actions_after(ctx: Context, deadlines: set[date], every_overdue_before: date | None, after_id: int,
                      limit: int) -> list[Action]:
    """The next `limit` actions (by id, after `after_id`) that `_actions` would return: one batch of a
    streamed sweep. One statement per batch, whatever the table holds (plus the two eager loads)."""
    wanted = sorted(deadlines)
    matches = []
    if wanted:
        matches.append(Action.deadline.in_(wanted))
    if every_overdue_before is not None:
        matches.append(Action.deadline < every_overdue_before)
    if not matches:
        return []
    return list(ctx.session.scalars(
        select(Action)
        .where(Action.status.in_(list(OPEN_STATUSES)), Action.deadline.is_not(None), or_(*matches),
               Action.id > after_id)
        .order_by(Action.id)
        .limit(limit)
        .options(selectinload(Action.party_links), selectinload(Action.meeting))
    ))


def _plan_stage(ctx: Context, plan: Plan, action: Action, stage: Stage, policy: ReminderPolicy,
                router: Router, overview: Destination | None) -> None:
    assert action.deadline is not None
    category = "escalation" if stage.track == ESCALATION else "reminder"
    until = waiting_until(action.deadline, stage, policy)

    def waits(party: str) -> None:
        # Nobody hears of it for this party yet: it waits for a route (and the secretariat sees it).
        plan.unroutable.append(Unroutable(category, party, action_id=action.id, stage=stage.kind,
                                          due_on=action.deadline, send_on=stage.send_on, until=until))

    if stage.track == PARTY:
        routes = router.routes_for(action.party_keys)
        for key in action.party_keys:
            if not router.routes(key):
                waits(key)
    else:
        routes = escalation_routes(action, policy, router, overview)
        if routes is None:
            waits(policy.escalate_to)
            return
    add_stage_items(ctx, plan, action, stage, routes, policy)


def waiting_until(deadline: date, stage: Stage, policy: ReminderPolicy) -> date:
    """The last day a stage nobody could receive may still be delivered: the day before the next
    stage of its track takes over (at most `catch_up_days` after it was due)."""
    last = stage.send_on + timedelta(days=policy.catch_up_days)
    later = [s for s in stages_between(deadline, stage.send_on + timedelta(days=1), last, policy)
             if s.track == stage.track]
    if later:
        return later[0].send_on - timedelta(days=1)
    return stage.send_on + timedelta(days=max(policy.overdue_every_days, 7) - 1)


def escalation_routes(action: Action, policy: ReminderPolicy, router: Router,
                      overview: Destination | None) -> list[Route] | None:
    """Where the escalation goes: AU's destinations that did not get the party's reminder, else the
    overview channel; None when nobody at all can receive it."""
    mine = {route.destination for route in router.routes_for(action.party_keys)}
    found = router.routes(policy.escalate_to)
    if found:
        return [route for route in found if route.destination not in mine]
    if overview is not None:
        return [] if overview in mine else [Route(overview, policy.escalate_to, "overview")]
    return None


def add_stage_items(ctx: Context, plan: Plan, action: Action, stage: Stage, routes: list[Route],
                    policy: ReminderPolicy, waiting: int | None = None) -> list[str]:
    assert action.deadline is not None
    category = "escalation" if stage.track == ESCALATION else "reminder"
    keys = []
    for route in routes:
        reply = messages.reminder_reply(ctx, action, stage, route, ctx.today, escalate_to=policy.escalate_to)
        plan.items.append(
            Planned(
                key=notification_key([category, action.id, stage.kind, action.deadline.isoformat()], route.destination),
                category=category,
                kind=stage.kind,
                destination=route.destination,
                reply=reply,
                send_on=ctx.today,
                action_id=action.id,
                party=route.party,
                due_on=action.deadline,
                via=route.via,
                waiting=waiting,
            )
        )
        keys.append(plan.items[-1].key)
    return keys


def convener_party(ctx: Context, meeting: Meeting) -> str | None:
    """Who convenes: the meeting's own convener when it names a known party, else the agreement's rule."""
    if meeting.convener and ctx.resolver.get(meeting.convener) is not None:
        return meeting.convener
    if meeting.kind.startswith("national"):
        return "ks"
    return meeting.region if meeting.region and ctx.resolver.get(meeting.region) is not None else None


def plan_conveners(ctx: Context, plan: Plan, now: datetime, policy: ReminderPolicy, router: Router) -> None:
    if policy.convener_days_before <= 0:
        return
    horizon = now + timedelta(days=policy.convener_days_before + 14)
    meetings = list(
        ctx.session.scalars(
            select(Meeting)
            .where(
                Meeting.status == "scheduled",
                Meeting.kind.in_(CONVENER_KINDS),
                Meeting.starts_at > as_utc(now).replace(tzinfo=None),
                Meeting.starts_at <= as_utc(horizon).replace(tzinfo=None),
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )
    due: list[tuple[Meeting, date, str]] = []
    for meeting in meetings:
        day = local_date(meeting.starts_at, ctx.tz)
        remind_on = remind_on_of(day, policy)
        if send_instant(remind_on, policy, ctx.tz) > now:
            continue
        party = convener_party(ctx, meeting)
        if party is None:
            plan.unroutable.append(Unroutable("convener", meeting.region or "?", meeting_id=meeting.id))
            continue
        due.append((meeting, day, party))
    if not due:
        return
    # A reminder sent earlier for another date of the same meeting means it was moved.
    earlier = ctx.session.scalars(
        select(Notification.key).where(
            Notification.kind == "convener",
            Notification.status == "sent",
            or_(*[Notification.key.like(f"convener:{m.id}:%") for m, _, _ in due]),
        )
    ).all()
    sent_for = {}
    for key in earlier:
        parts = key.split(":")
        sent_for.setdefault(int(parts[1]), set()).add(parts[2])
    router.load({party for _, _, party in due})
    for meeting, day, party in due:
        routes = router.routes(party)
        if not routes:
            plan.unroutable.append(Unroutable("convener", party, meeting_id=meeting.id, stage="convener", due_on=day,
                                              send_on=remind_on_of(day, policy), until=day - timedelta(days=1)))
            continue
        add_convener_items(ctx, plan, meeting, day, party, routes,
                           moved=bool(sent_for.get(meeting.id, set()) - {day.isoformat()}))


def remind_on_of(day: date, policy: ReminderPolicy) -> date:
    return policy.workdays.on_or_before(day - timedelta(days=policy.convener_days_before))


def add_convener_items(ctx: Context, plan: Plan, meeting: Meeting, day: date, party: str, routes: list[Route], *,
                       moved: bool, waiting: int | None = None) -> list[str]:
    reply = messages.convener_reply(ctx, meeting, party, ctx.today, day, moved=moved)
    keys = []
    for route in routes:
        plan.items.append(
            Planned(
                key=notification_key(["convener", meeting.id, day.isoformat()], route.destination),
                category="convener",
                kind="convener",
                destination=route.destination,
                reply=reply,
                send_on=ctx.today,
                meeting_id=meeting.id,
                party=party,
                due_on=day,
                via=route.via,
                waiting=waiting,
            )
        )
        keys.append(plan.items[-1].key)
    return keys


def drop_claimed(ctx: Context, plan: Plan) -> None:
    claimed = existing(ctx.session, (item.key for item in plan.items))
    plan.already += sum(1 for item in plan.items if item.key in claimed)
    plan.items = [item for item in plan.items if item.key not in claimed]


def drop_sent_today(ctx: Context, plan: Plan) -> None:
    """One reminder per action and destination per day. After a gap the catch-up (the latest missed
    stage, worded from today: "frist i dag") goes out at the first sweep of the day; the day's own
    stage at 09:00 would say the same again under another key, so it is dropped here."""
    ids = sorted({item.action_id for item in plan.items if item.category == "reminder" and item.action_id})
    if not ids:
        return
    start = as_utc(at_local(ctx.today, time(0, 0), ctx.tz)).replace(tzinfo=None)
    got: set[tuple[int, str, str]] = set()
    for first in range(0, len(ids), CHUNK):
        rows = ctx.session.execute(
            select(Notification.action_id, Notification.platform, Notification.destination).where(
                Notification.action_id.in_(ids[first : first + CHUNK]),
                Notification.kind != "escalation",
                Notification.status.in_(("claimed", "sent", "failed")),
                Notification.claimed_at >= start,
            )
        )
        got.update((action_id, platform, address) for action_id, platform, address in rows)
    kept = []
    for item in plan.items:
        if item.category == "reminder" and (item.action_id, item.destination.platform, item.destination.address) in got:
            plan.already += 1
            continue
        kept.append(item)
    plan.items = kept


