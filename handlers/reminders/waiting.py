"""Notifications nobody could receive yet: recorded, re-planned every sweep, delivered once a route exists.

A reminder for a party with no channel, no person in chat and no e-mail address is not consumed.
It is stored as a `waiting` notification (platform "none", the party as destination, the same key
family as the messages it stands for) and stays pending until its window ends (`until`: the day
before the next stage of its track takes over). Each sweep, in office hours, re-plans the waiting
ones: as soon as the party can be reached — a channel subscribes, a person joins, a roster is loaded
— the message is planned to each destination under that destination's own key (so a destination
that already has it is never sent it again) and the waiting row is marked `routed`. A waiting row
whose window passed is closed as `expired`; one whose action was closed or re-dated as `skipped`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from handlers.core.clock import local_date
from handlers.core.context import Context
from handlers.reminders import claims
from handlers.reminders.due import (
    WAITING_PLATFORM,
    Plan,
    Unroutable,
    Waiting,
    add_convener_items,
    add_stage_items,
    convener_party,
    escalation_routes,
)
from handlers.reminders.policy import ESCALATION, PARTY, ReminderPolicy, Stage
from handlers.reminders.routing import Destination, Router
from storage.models import OPEN_STATUSES, Action, Meeting, Notification


@dataclass(frozen=True)
class _Row:
    id: int
    category: str
    stage: str
    party: str
    action_id: int | None
    meeting_id: int | None
    due_on: date | None
    until: date | None


def _waiting() -> Any:
    return (Notification.status == "waiting", Notification.platform == WAITING_PLATFORM)


def _rows(session: Session, upto: int | None = None) -> list[_Row]:
    query = (select(Notification.id, Notification.destination, Notification.action_id, Notification.due_on,
                    Notification.payload)
             .where(*_waiting()).order_by(Notification.id))
    if upto is not None:
        query = query.where(Notification.id <= upto)
    rows = session.execute(query).all()
    out = []
    for row_id, party, action_id, due_on, payload in rows:
        data: dict[str, Any] = payload or {}
        until = data.get("until")
        out.append(_Row(row_id, data.get("category", "reminder"), data.get("stage", ""), party, action_id,
                        data.get("meeting_id"), due_on, date.fromisoformat(until) if until else None))
    return out


@dataclass
class Seen:
    """What a streamed sweep remembers of its batches for `replan`: only what concerns the rows that
    were waiting when it began (their actions and keys), so it stays as small as what waits."""

    upto: int | None  # the last waiting row of the sweep's start; later ones are this sweep's own
    actions: set[int]
    keys: set[str]
    fresh: set[tuple[int | None, str]]
    new_keys: set[str | None]

    def add(self, plan: Plan) -> None:
        """Remember this batch's stages and new waiting keys (before snoozes and claims filter it)."""
        self.fresh |= {key for key in _fresh(plan) if key[0] in self.actions}
        self.new_keys |= {u.key for u in plan.unroutable if u.key in self.keys}


def seen(session: Session) -> Seen:
    """The rows waiting now, as a streamed sweep starts."""
    upto = None
    actions: set[int] = set()
    keys: set[str] = set()
    for row_id, key, action_id in session.execute(
            select(Notification.id, Notification.key, Notification.action_id).where(*_waiting())):
        upto = max(upto or 0, row_id)
        keys.add(key)
        if action_id:
            actions.add(action_id)
    return Seen(upto, actions, keys, set(), set())


def _fresh(plan: Plan) -> set[tuple[int | None, str]]:
    # A newer stage planned in this sweep for the same action and track replaces an older waiting one.
    found = {(item.action_id, item.category) for item in plan.items if item.action_id}
    return found | {(u.action_id, u.category) for u in plan.unroutable if u.action_id}


def replan(ctx: Context, plan: Plan, policy: ReminderPolicy, router: Router, overview: Destination | None,
           earlier: Seen | None = None) -> None:
    """Give every waiting notification its destinations if it has some now; close those past their window.

    `earlier`: a streamed sweep's batches, already claimed (`plan` then holds none of them)."""
    if earlier is not None and earlier.upto is None:
        return
    rows = _rows(ctx.session, earlier.upto if earlier is not None else None)
    if not rows:
        return
    fresh = _fresh(plan) | (earlier.fresh if earlier is not None else set())
    new_keys = {u.key for u in plan.unroutable} | (earlier.new_keys if earlier is not None else set())
    action_ids = sorted({row.action_id for row in rows if row.action_id})
    actions = {
        a.id: a
        for a in ctx.session.scalars(
            select(Action).where(Action.id.in_(action_ids))
            .options(selectinload(Action.party_links), selectinload(Action.meeting))
        )
    } if action_ids else {}
    router.load({row.party for row in rows} | {key for a in actions.values() for key in a.party_keys})
    for row in rows:
        same = Unroutable(row.category, row.party, action_id=row.action_id, meeting_id=row.meeting_id,
                          stage=row.stage, due_on=row.due_on)
        if same.key in new_keys:
            continue  # planned again this very sweep (same stage): nothing to add
        reason = _closed(ctx, row, actions.get(row.action_id or 0), fresh)
        if reason:
            plan.expired[row.id] = reason
            continue
        keys = _route(ctx, plan, row, actions.get(row.action_id or 0), policy, router, overview)
        if keys is None:
            plan.still_waiting.append(Waiting(row.id, row.party, row.category, row.action_id, row.until))
        else:
            plan.routed[row.id] = keys


def _closed(ctx: Context, row: _Row, action: Action | None, fresh: set[tuple[int | None, str]]) -> str | None:
    if row.until is not None and row.until < ctx.today:
        return "expired: window passed"
    if row.category in ("reminder", "escalation"):
        if action is None or action.status not in OPEN_STATUSES:
            return "skipped: action closed"
        if action.deadline != row.due_on:
            return "skipped: deadline changed"
        if (row.action_id, row.category) in fresh:
            return "expired: superseded by a later reminder"
    elif row.category == "convener":
        meeting = ctx.session.get(Meeting, row.meeting_id) if row.meeting_id else None
        if meeting is None or meeting.status != "scheduled" or local_date(meeting.starts_at, ctx.tz) != row.due_on:
            return "skipped: meeting moved or cancelled"
    return None


def _route(ctx: Context, plan: Plan, row: _Row, action: Action | None, policy: ReminderPolicy, router: Router,
           overview: Destination | None) -> list[str] | None:
    """The keys of the messages now planned for a waiting row; None while nobody can receive it."""
    if row.category == "convener":
        meeting = ctx.session.get(Meeting, row.meeting_id)
        assert meeting is not None
        party = convener_party(ctx, meeting) or row.party
        routes = router.routes(party)
        if not routes:
            return None
        assert row.due_on is not None
        return add_convener_items(ctx, plan, meeting, row.due_on, party, routes, moved=False, waiting=row.id)
    assert action is not None and action.deadline is not None
    track = ESCALATION if row.category == "escalation" else PARTY
    stage = Stage(row.stage, track, action.deadline, ctx.today, 0)
    if track == ESCALATION:
        found = escalation_routes(action, policy, router, overview)
        if found is None:
            return None
        routes = found
    else:
        routes = router.routes(row.party)
        if not routes:
            return None
    return add_stage_items(ctx, plan, action, stage, routes, policy, waiting=row.id)


# --- writes (claim time) ---------------------------------------------------------------------------------


def record(session: Session, waiting: list[Unroutable], now: Any, worker: str) -> int:
    """Insert the waiting notifications of a sweep (a key recorded before stays as it is)."""
    at = claims.to_db(now)
    added = 0
    for item in waiting:
        key = item.key
        if key is None:
            continue
        values = {
            "key": key,
            "kind": item.stage or item.category,
            "action_id": item.action_id,
            "due_on": item.due_on,
            "platform": WAITING_PLATFORM,
            "destination": item.party,
            "status": "waiting",
            "payload": item.payload(),
            "attempts": 0,
            "claimed_by": worker,
            "claimed_at": at,
            "party_key": item.party,
        }
        if claims.insert_ignore(session, Notification, values, "key", returning="id") is not None:
            added += 1
    return added


def close(session: Session, row_id: int, status: str, reason: str) -> None:
    session.execute(
        update(Notification)
        .where(Notification.id == row_id, Notification.status == "waiting")
        .values(status=status, error=reason[:2000])
        .execution_options(synchronize_session=False)
    )
