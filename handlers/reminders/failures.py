"""What a delivery outcome means for routing: health per address, broken routes, the next route.

`bot.scheduler` calls `delivered_many` after a platform accepted messages and `permanent` when a send
failed for good. A permanent failure is acted on, never only logged:

1. the address is marked failing (`DeliveryHealth`), and its route is closed at the source: a Slack
   channel that refused (`not_in_channel`, `channel_not_found`, `is_archived`) or a Teams channel
   gives its subscriptions `broken_at`; a Teams person whose 1:1 conversation answered 403/404
   (`forbidden`, `not_found`) has that conversation retired;
2. the same message is planned again for the party's routes as they are now (new destinations, each
   under its own key, so nobody gets it twice); with no route left it waits (see waiting.py);
3. the secretariat's overview channel is told which party, which destination, why, and what was done.

The new claims are returned so the scheduler sends them in the same tick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session, selectinload

from handlers.core.catalog import t
from handlers.core.context import Context
from handlers.core.replies import Reply
from handlers.reminders import channel_state, claims, engine
from handlers.reminders.digest import plan_weekly
from handlers.reminders.due import (
    Plan,
    Planned,
    Unroutable,
    add_convener_items,
    add_stage_items,
    drop_claimed,
    escalation_routes,
    waiting_until,
)
from handlers.reminders.engine import EngineConfig
from handlers.reminders.policy import ESCALATION, PARTY, Stage
from handlers.reminders.routing import Destination, Route, Router, overview_destination
from storage.models import (
    OPEN_STATUSES,
    Action,
    ConversationRef,
    DeliveryHealth,
    Meeting,
    Notification,
    Person,
)

CHANNEL_CODES = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
TEAMS_CODES = frozenset({"forbidden", "not_found"})
# Messages about delivery itself: a failure of these is recorded, but never re-planned or announced
# (that could announce the announcement forever).
SELF = frozenset({"failure", "coverage", "overview", "subscriber"})


def _ensure_health(session: Session, addresses: Sequence[tuple[str, str]], at: datetime) -> None:
    """Insert the health rows of (platform, address) that are missing (replicas may race: ON
    CONFLICT DO NOTHING)."""
    rows = [{"platform": platform, "address": address, "failing": False, "updated_at": at}
            for platform, address in addresses]
    stmt = claims.dialect_insert(session, DeliveryHealth).values(rows)
    session.connection().execute(stmt.on_conflict_do_nothing(index_elements=["platform", "address"]))


def _health(session: Session, platform: str, address: str, now: datetime) -> DeliveryHealth:
    at = claims.to_db(now)
    _ensure_health(session, [(platform, address)], at)
    row = session.scalar(select(DeliveryHealth).where(DeliveryHealth.platform == platform,
                                                      DeliveryHealth.address == address))
    assert row is not None
    row.updated_at = at
    return row


@dataclass(frozen=True)
class Sent:
    """A message the platform accepted, to be marked in the database."""

    id: int
    message_id: str
    platform: str
    address: str


def delivered_many(session: Session, sent: Sequence[Sent], worker: str, now: datetime) -> set[int]:
    """Messages the platforms accepted, in one transaction: the claims this worker still held are
    marked sent (their ids are returned), and each address they went to is healthy again (a fixed
    channel or mailbox is used again)."""
    if not sent:
        return set()
    won = claims.mark_sent_many(session, [(item.id, item.message_id) for item in sent], worker, now)
    at = claims.to_db(now)
    addresses = sorted({(item.platform, item.address) for item in sent})
    for start in range(0, len(addresses), claims.CHUNK):
        chunk = addresses[start : start + claims.CHUNK]
        _ensure_health(session, chunk, at)
        session.execute(
            update(DeliveryHealth)
            .where(tuple_(DeliveryHealth.platform, DeliveryHealth.address).in_(chunk))
            .values(last_ok_at=at, failing=False, updated_at=at)
            .execution_options(synchronize_session=False)
        )
    return won


def _close_route(session: Session, row: Notification, kind: str, code: str, error: str,
                 now: datetime) -> tuple[str, list[channel_state.Notice]]:
    """Close the failed route where it is defined; returns what was done (for the secretariat) and
    what to tell the people who subscribed a channel that stopped working."""
    at = claims.to_db(now)
    reason = (code or error)[:300]
    if kind == "channel" and (code in CHANNEL_CODES or code in TEAMS_CODES):
        notices = channel_state.mark_broken(session, row.platform, row.destination, reason, now)
        return t("reminders.failure.done_broken"), notices
    if row.platform == "teams" and code in TEAMS_CODES:
        person_ids = select(Person.id).where(Person.platform == "teams", Person.external_id == row.destination)
        session.execute(
            update(ConversationRef)
            .where(ConversationRef.platform == "teams", ConversationRef.kind == "personal",
                   ConversationRef.retired_at.is_(None),
                   (ConversationRef.person_id.in_(person_ids)) | (ConversationRef.conversation_id == row.destination))
            .values(retired_at=at)
            .execution_options(synchronize_session=False)
        )
        return t("reminders.failure.done_retired"), []
    return t("reminders.failure.done_failing"), []


def _subscriber_notices(ctx: Context, row: Notification, notices: list[channel_state.Notice]) -> list[Planned]:
    """Each subscriber of the broken channel hears how to fix it, once (claimed like any message)."""
    return [
        Planned(key=claims.notification_key(["broken", row.platform, row.destination], destination),
                category="subscriber", kind="subscriber", destination=destination, reply=notice.reply,
                send_on=ctx.today, due_on=ctx.today, party=row.party_key, via="subscriber")
        for notice in notices
        for destination in [Destination(notice.platform, notice.person, "user")]
    ]


def permanent(session: Session, notification_id: int, now: datetime, code: str | None, error: str,
              config: EngineConfig, worker: str, platforms: frozenset[str] | set[str]) -> list[int]:
    """Act on a send that failed for good; returns the new claims to send in this tick."""
    row = session.get(Notification, notification_id)
    if row is None:
        return []
    payload = row.payload or {}
    category = payload.get("category", row.kind)
    kind = payload.get("destination_kind", "channel")
    health = _health(session, row.platform, row.destination, now)
    health.failing = True
    health.last_failure_at = claims.to_db(now)
    health.last_error = (f"{code}: {error}" if code else error)[:2000]
    done, broken = _close_route(session, row, kind, code or "", error, now)
    session.flush()
    ctx = engine.context(session, now, config)
    ids: list[int] = []
    if broken:
        told = Plan(now=now, in_hours=True, items=_subscriber_notices(ctx, row, broken))
        ids += engine.claim_plan(session, told, now, worker, platforms)
    if category in SELF:
        return ids
    router = Router(session, ctx.resolver, ctx.today)
    overview = overview_destination(session, config.overview)
    plan = Plan(now=now, in_hours=True)
    _replan(ctx, plan, row, category, router, overview, config)
    drop_claimed(ctx, plan)
    ids += engine.claim_plan(session, plan, now, worker, platforms)
    new = [item.destination for item in plan.items]
    if new:
        what = t("reminders.failure.rerouted", done=done, destinations=", ".join(_label(d) for d in new))
    elif plan.unroutable:
        what = t("reminders.failure.waiting", done=done)
    else:
        what = done
    party = row.party_key or payload.get("party") or ""
    if overview is not None and (overview.platform, overview.address) != (row.platform, row.destination):
        notice = _notice(ctx, row, party, code or error, what, overview)
        ids += engine.claim_plan(session, Plan(now=now, in_hours=True, items=[notice]), now, worker, platforms)
    return ids


def _label(d: Destination) -> str:
    return f"{d.platform}:{d.label or d.address}"


def _replan(ctx: Context, plan: Plan, row: Notification, category: str, router: Router,
            overview: Destination | None, config: EngineConfig) -> None:
    """The same message to the party's routes as they are now (the failed one is closed by now)."""
    payload = row.payload or {}
    party = row.party_key or payload.get("party")
    if not party:
        return
    if category == "convener":
        meeting = ctx.session.get(Meeting, payload.get("meeting_id"))
        if meeting is None or meeting.status != "scheduled" or row.due_on is None:
            return
        routes = router.routes(party)
        if routes:
            add_convener_items(ctx, plan, meeting, row.due_on, party, routes, moved=False)
        else:
            plan.unroutable.append(Unroutable("convener", party, meeting_id=meeting.id, stage="convener",
                                              due_on=row.due_on, send_on=ctx.today, until=row.due_on))
        return
    if category == "digest":
        # This week's digest goes to the party's routes as they are now (the failed one is closed);
        # parts already claimed for other destinations are not planned again.
        weekly = plan_weekly(ctx, ctx.now, config.policy, router, overview, party=party, include_overview=False)
        plan.items.extend(weekly.items)
        plan.unroutable.extend(weekly.unroutable)
        return
    if category not in ("reminder", "escalation") or row.action_id is None:
        return
    action = ctx.session.scalar(select(Action).where(Action.id == row.action_id)
                                .options(selectinload(Action.party_links), selectinload(Action.meeting)))
    if action is None or action.status not in OPEN_STATUSES or action.deadline != row.due_on or action.deadline is None:
        return
    track = ESCALATION if category == "escalation" else PARTY
    stage = Stage(payload.get("stage", row.kind), track, action.deadline, ctx.today, 0)
    routes: list[Route] | None
    if track == ESCALATION:
        routes = escalation_routes(action, config.policy, router, overview)
    else:
        routes = router.routes(party) or None
    if routes:
        add_stage_items(ctx, plan, action, stage, routes, config.policy)
    elif routes is None:
        plan.unroutable.append(Unroutable(category, party, action_id=action.id, stage=stage.kind,
                                          due_on=action.deadline, send_on=ctx.today,
                                          until=waiting_until(action.deadline, stage, config.policy)))


def _notice(ctx: Context, row: Notification, party: str, reason: str, what: str, overview: Destination) -> Planned:
    label = ctx.resolver.label(party) if party and ctx.resolver.get(party) else (party or "–")
    payload = row.payload or {}
    reply_lines = [
        t("reminders.failure.destination", destination=f"{row.platform}:{payload.get('destination_label') or row.destination}",
          reason=reason),
        what,
        t("reminders.failure.hint"),
    ]
    reply = Reply(title=t("reminders.failure.title", party=label), lines=reply_lines, private=False,
                  data={"kind": "failure", "party": party, "failed": f"{row.platform}:{row.destination}",
                        "reason": reason, "sent_on": ctx.today.isoformat()})
    return Planned(key=claims.notification_key(["failure", row.id, "-"], overview), category="failure",
                   kind="failure", destination=overview, reply=reply, send_on=ctx.today, due_on=ctx.today,
                   party=party or None, via="overview")
