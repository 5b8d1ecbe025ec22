"""Who can be reached, and what waits: `dekning`, `varsling`, and the secretariat's notice of waiting reminders.

    dekning [PART]              per party: its channels (broken ones with the reason), its people in
                                chat and by e-mail, when it was last reached, the last delivery
                                failure, and what waits without a recipient
    varsling [e-post|chat|begge] how the caller wants reminders that reach them personally

The notice: once a day, while reminders wait for a recipient, the overview channel is told
"Ingen mottaker for: <party> — <n> påminnelser venter".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from handlers.actions import lifecycle
from handlers.core.audit import audit
from handlers.core.catalog import t
from handlers.core.clock import as_utc
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.registry import command
from handlers.core.replies import Reply, Section
from handlers.core.text import fold
from handlers.dates.format import format_datetime
from handlers.reminders.claims import notification_key
from handlers.reminders.due import WAITING_PLATFORM, Plan, Planned
from handlers.reminders.routing import EMAIL, Destination, Router
from storage.models import DeliveryHealth, Notification, Party, RosterEntry, Subscription

PREFERENCES = {"e-post": "email", "epost": "email", "email": "email", "e-mail": "email", "mail": "email",
               "chat": "chat", "begge": "both", "both": "both"}


# --- the secretariat's notice -----------------------------------------------------------------------------


def waiting_counts(plan: Plan) -> dict[str, list[int]]:
    """Party → the actions (or meetings) waiting for it after this sweep, new and old."""
    found: dict[str, list[int]] = defaultdict(list)
    for u in plan.unroutable:
        if u.key is not None:
            found[u.party].append(u.action_id or u.meeting_id or 0)
    for w in plan.still_waiting:
        found[w.party].append(w.action_id or 0)
    return dict(found)


def waiting_lines(ctx: Context, waiting: dict[str, list[int]]) -> list[str]:
    lines = []
    for party in sorted(waiting, key=lambda k: (-len(waiting[k]), k)):
        ids = sorted({i for i in waiting[party] if i})
        lines.append(t("reminders.waiting.line", party=ctx.resolver.short_name(party), count=len(waiting[party]),
                       ids=", ".join(str(i) for i in ids) or "–"))
    return lines


def waiting_notice(ctx: Context, plan: Plan, overview: Destination | None) -> Planned | None:
    """Once a day, while something waits for a recipient: tell the overview channel who and what."""
    return waiting_notice_for(ctx, waiting_counts(plan), overview)


def waiting_notice_for(ctx: Context, waiting: dict[str, list[int]], overview: Destination | None) -> Planned | None:
    """The notice for `waiting` (party → actions), e.g. gathered over the batches of a streamed sweep."""
    if not waiting or overview is None:
        return None
    reply = Reply(
        title=t("reminders.waiting.title"),
        lines=waiting_lines(ctx, waiting),
        sections=[Section(title="", lines=[t("reminders.waiting.hint")])],
        private=False,
        data={"kind": "coverage", "waiting": {k: len(v) for k, v in waiting.items()},
              "sent_on": ctx.today.isoformat()},
    )
    return Planned(key=notification_key(["coverage", ctx.today.isoformat(), "-"], overview), category="coverage",
                   kind="coverage", destination=overview, reply=reply, send_on=ctx.today, due_on=ctx.today,
                   via="overview")


def waiting_by_party(ctx: Context) -> dict[str, list[int]]:
    """Party → actions (or meetings) of the notifications waiting for a recipient right now."""
    found: dict[str, list[int]] = defaultdict(list)
    rows = ctx.session.execute(
        select(Notification.destination, Notification.action_id, Notification.payload)
        .where(Notification.status == "waiting", Notification.platform == WAITING_PLATFORM)
        .order_by(Notification.id)
    )
    for party, action_id, payload in rows:
        found[party].append(action_id or (payload or {}).get("meeting_id") or 0)
    return dict(found)


# --- dekning -------------------------------------------------------------------------------------------------


@dataclass
class PartyCoverage:
    key: str
    channels: list[dict[str, Any]] = field(default_factory=list)
    chat: list[str] = field(default_factory=list)
    email: list[str] = field(default_factory=list)
    last_reached: datetime | None = None
    last_failure: dict[str, Any] | None = None
    waiting: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "party": self.key,
            "channels": self.channels,
            "chat": self.chat,
            "email": self.email,
            "last_reached": self.last_reached.isoformat() if self.last_reached else None,
            "last_failure": self.last_failure,
            "waiting": len(self.waiting),
            "waiting_actions": sorted({i for i in self.waiting if i}),
        }


def party_coverage(ctx: Context, keys: list[str]) -> list[PartyCoverage]:
    """Coverage of these parties, in a fixed number of queries."""
    router = Router(ctx.session, ctx.resolver, ctx.today)
    router.load(keys)
    out = {key: PartyCoverage(key) for key in keys}
    health = {(h.platform, h.address): h for h in ctx.session.scalars(select(DeliveryHealth))}
    for sub, key in ctx.session.execute(
        select(Subscription, Party.key).join(Party, Party.id == Subscription.party_id)
        .where(Party.key.in_(keys)).order_by(Subscription.id)
    ):
        h = health.get((sub.platform, sub.channel_id))
        broken = sub.broken_reason if sub.broken_at is not None else (h.last_error if h is not None and h.failing else None)
        out[key].channels.append({"platform": sub.platform, "channel": sub.channel_id,
                                  "name": sub.channel_name or sub.channel_id, "broken": broken})
    for key in keys:
        for route in router.people(key):
            d = route.destination
            if d.platform == EMAIL:
                out[key].email.append(d.address)
            else:
                out[key].chat.append(f"{d.label or d.address} ({d.platform})")
    # Roster people nobody can reach at all (no chat, and their address is failing) are shown too.
    for email, key in ctx.session.execute(
        select(RosterEntry.email, Party.key).join(Party, Party.id == RosterEntry.party_id)
        .where(Party.key.in_(keys), RosterEntry.removed_at.is_(None))
    ):
        h = health.get((EMAIL, email))
        if h is not None and h.failing and email not in out[key].email:
            out[key].email.append(t("reminders.coverage.email_failing", email=email, error=h.last_error or ""))
    for key, sent in ctx.session.execute(
        select(Notification.party_key, func.max(Notification.sent_at))
        .where(Notification.status == "sent", Notification.party_key.in_(keys))
        .group_by(Notification.party_key)
    ):
        out[key].last_reached = sent
    for row in ctx.session.scalars(
        select(Notification).where(Notification.status == "failed", Notification.party_key.in_(keys))
        .order_by(Notification.id.desc()).limit(500)
    ):
        if out[row.party_key or ""].last_failure is None:  # type: ignore[union-attr]
            out[row.party_key or ""].last_failure = {  # type: ignore[union-attr]
                "destination": f"{row.platform}:{row.destination}", "error": row.error or "",
                "at": (row.claimed_at.isoformat() if row.claimed_at else None)}
    waiting = waiting_by_party(ctx)
    for key in keys:
        out[key].waiting = waiting.get(key, [])
    return [out[key] for key in keys]


def _when(ctx: Context, moment: datetime | None) -> str:
    return format_datetime(as_utc(moment), ctx.tz) if moment is not None else t("reminders.coverage.never")


def _section(ctx: Context, c: PartyCoverage) -> Section:
    lines = []
    if c.channels:
        for ch in c.channels:
            name = f"{ch['platform']}:{ch['name']}"
            lines.append(t("reminders.coverage.channel_broken", channel=name, reason=ch["broken"]) if ch["broken"]
                         else t("reminders.coverage.channel", channel=name))
    else:
        lines.append(t("reminders.coverage.no_channel"))
    lines.append(t("reminders.coverage.chat", people=", ".join(c.chat)) if c.chat else t("reminders.coverage.no_chat"))
    lines.append(t("reminders.coverage.email", people=", ".join(c.email)) if c.email
                 else t("reminders.coverage.no_email"))
    lines.append(t("reminders.coverage.last_reached", when=_when(ctx, c.last_reached)))
    if c.last_failure:
        lines.append(t("reminders.coverage.last_failure", destination=c.last_failure["destination"],
                       error=c.last_failure["error"]))
    if c.waiting:
        lines.extend(waiting_lines(ctx, {c.key: c.waiting}))
    return Section(title=ctx.resolver.label(c.key), lines=lines)


@command("dekning")
def cmd_coverage(ctx: Context, args: str) -> Reply:
    if args.strip():
        keys = list(lifecycle.resolve_parties(ctx, args.strip()))
    else:
        keys = [p.key for p in ctx.resolver.parties if p.valid_on(ctx.today)]
    report = party_coverage(ctx, keys)
    unreached = [c.key for c in report if not c.channels and not c.chat and not c.email]
    waiting = sum(len(c.waiting) for c in report)
    lines = [t("reminders.coverage.summary", parties=len(report), unreached=len(unreached), waiting=waiting)]
    return Reply(title=t("reminders.coverage.title"), lines=lines, sections=[_section(ctx, c) for c in report],
                 data={"coverage": [c.to_json() for c in report], "unreached": unreached})


# --- varsling ------------------------------------------------------------------------------------------------


def known_email(ctx: Context) -> str | None:
    """The caller's e-mail: from the platform (stored on the person), else from a roster match."""
    person = ctx.person
    if person.email:
        return person.email
    return ctx.session.scalar(
        select(RosterEntry.email).where(RosterEntry.person_id == person.id, RosterEntry.removed_at.is_(None))
        .order_by(RosterEntry.id).limit(1)
    )


@command("varsling")
def cmd_notify_via(ctx: Context, args: str) -> Reply:
    person = ctx.person
    word = fold(args.strip())
    if not word:
        return Reply(lines=[t(f"reminders.notify.current_{person.notify_via or 'chat'}", email=known_email(ctx) or "")],
                     data={"notify_via": person.notify_via or "chat"})
    choice = PREFERENCES.get(word)
    if choice is None:
        raise UserError(t("reminders.notify.unknown", text=args.strip()))
    email = known_email(ctx)
    if choice in ("email", "both") and not email:
        raise UserError(t("reminders.notify.no_email"))
    old = {"notify_via": person.notify_via, "email": person.email}
    person.notify_via = choice
    if email and not person.email:
        person.email = email.lower()
    audit(ctx, "person", str(person.id), "changed", old, {"notify_via": choice, "email": person.email})
    ctx.session.flush()
    return Reply(title=t(f"reminders.notify.set_{choice}", email=email or ""), data={"notify_via": choice,
                                                                                      "email": person.email})
