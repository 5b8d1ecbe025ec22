"""The reminder sweep planned and claimed in batches (issue 19), so that its memory does not follow the table.

`engine.plan_sweep` derives the whole sweep at once; a dry run still does. A real sweep goes through
`Sweep` instead, one batch per transaction, each claimed before the next is planned:

    actions     the due actions, `limit` at a time in id order (the order `plan_sweep` plans them in)
    conveners   the convener reminders
    waiting     the rows that were waiting when the sweep began, re-planned (`waiting.replan`)
    snoozes     the reminders whose snooze ends now (`snoozes.add_returns`)
    notice      the secretariat's notice of what waits for a recipient

The batches come in the order `plan_sweep` lists its messages, under the same keys, so the claims,
and so the send order, are the same. What crosses batches is small: per party the waiting actions
(for the notice), and only those stages and reminders that concern a row that was waiting or a
snooze that ends (for `replan` and `add_returns`). The watermark moves once every batch is claimed
(`finish`); a sweep cut off half-way is planned again by the next tick and its claimed part dropped
by key, as before.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from handlers.core.clock import as_utc
from handlers.reminders import coverage, snoozes, state, waiting
from handlers.reminders.due import (
    Plan,
    candidate_deadlines,
    drop_claimed,
    drop_sent_today,
    due_actions_after,
    in_office_hours,
    oldest_open_deadline,
    plan_actions,
    plan_conveners,
    send_days,
)
from handlers.reminders.engine import EngineConfig, context, window_start
from handlers.reminders.routing import Router, overview_destination

STAGES = ("actions", "conveners", "waiting", "snoozes", "notice")


@dataclass
class Sweep:
    """Where a streamed sweep stands between its batches (no ORM objects: each batch has its own session)."""

    now: datetime
    in_hours: bool
    window_start: datetime | None = None
    send_days: list[date] = field(default_factory=list)
    deadlines: set[date] = field(default_factory=set)
    every_overdue_before: date | None = None
    stage: str = "actions"
    after_id: int = 0  # the last action planned
    earlier: waiting.Seen | None = None
    ending: set[tuple[int, str, str]] = field(default_factory=set)  # snoozes that may end now
    returned: set[tuple[int | None, str, str]] = field(default_factory=set)  # … and this sweep reminds there
    waits: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # party → actions, for the notice
    batches: int = 0

    def remember(self, plan: Plan) -> None:
        """What later batches need of this one, taken before snoozes and claims filter it (as `plan_sweep` does)."""
        assert self.earlier is not None
        if self.stage != "waiting":
            self.earlier.add(plan)
        for u in plan.unroutable:
            if u.key is not None:
                self.waits[u.party].append(u.action_id or u.meeting_id or 0)
        for w in plan.still_waiting:
            self.waits[w.party].append(w.action_id or 0)


def start(session: Session, now: datetime, config: EngineConfig) -> Sweep:
    """The sweep's window and what it must remember, before the first batch."""
    now = as_utc(now)
    if not in_office_hours(now, config.tz, config.policy):
        return Sweep(now=now, in_hours=False)
    ctx = context(session, now, config)
    begin = window_start(session, now, config.policy, config.tz)
    sweep = Sweep(now=now, in_hours=True, window_start=begin, earlier=waiting.seen(session),
                  ending=snoozes.ending(ctx, config.policy))
    if begin < now:
        sweep.send_days = send_days(begin, now, config.policy, config.tz)
    if sweep.send_days:
        deadlines, every = candidate_deadlines(sweep.send_days, config.policy, oldest_open_deadline(ctx))
        sweep.deadlines = deadlines
        sweep.every_overdue_before = max(sweep.send_days) if every else None
    else:
        sweep.stage = "waiting"  # nothing is due in the window: no actions, no conveners (as `plan_reminders`)
    return sweep


def next_batch(session: Session, sweep: Sweep, config: EngineConfig, limit: int) -> Plan | None:
    """Plan the sweep's next batch, ready for `engine.claim_plan`; None when the sweep is through."""
    if not sweep.in_hours or sweep.stage not in STAGES:
        return None
    ctx = context(session, sweep.now, config)
    policy = config.policy
    router = Router(session, ctx.resolver, ctx.today)
    overview = overview_destination(session, config.overview)
    plan = Plan(now=sweep.now, in_hours=True, window_start=sweep.window_start, send_days=list(sweep.send_days))
    stage = sweep.stage
    if stage == "actions":
        actions = due_actions_after(ctx, sweep.deadlines, sweep.every_overdue_before, sweep.after_id, limit)
        plan_actions(ctx, plan, actions, policy, router, overview)
        if len(actions) < limit:
            sweep.stage = "conveners"
        else:
            sweep.after_id = actions[-1].id
    elif stage == "conveners":
        plan_conveners(ctx, plan, sweep.now, policy, router)
        sweep.stage = "waiting"
    elif stage == "waiting":
        waiting.replan(ctx, plan, policy, router, overview, sweep.earlier)
        sweep.stage = "snoozes"
    elif stage == "snoozes":
        snoozes.add_returns(ctx, plan, policy, sweep.returned)
        sweep.stage = "notice"
    else:
        notice = coverage.waiting_notice_for(ctx, dict(sweep.waits), overview)
        if notice is not None:
            plan.items.append(notice)
        drop_claimed(ctx, plan)
        sweep.stage = "done"
        sweep.batches += 1
        return plan
    sweep.remember(plan)
    snoozes.drop_snoozed(ctx, plan, policy)
    sweep.returned |= {key for key in snoozes.planned_reminders(plan) if key in sweep.ending}
    drop_claimed(ctx, plan)
    drop_sent_today(ctx, plan)
    sweep.batches += 1
    return plan


def finish(session: Session, sweep: Sweep) -> None:
    """Every batch is claimed (and nothing was left for another process): the window is done."""
    if sweep.in_hours and sweep.window_start is not None:
        state.advance_swept_until(session, sweep.now)
