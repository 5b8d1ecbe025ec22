"""`oppfolging person export PLATFORM:ID`: everything the bot holds about one person, as JSON.

The document lists the person's chat accounts, memberships, roster entries, what they created,
changed, commented, subscribed and snoozed, the audit lines by them or naming them, their
conversations with the bot and the notifications addressed to them. A person the bot knows nothing
about gets the same document with empty lists, so the answer to a request is always a valid file.
Admins only, and the export itself is recorded in the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from handlers.core import permissions
from handlers.core.audit import audit
from handlers.core.catalog import t
from handlers.core.clock import as_utc
from handlers.core.context import Context
from handlers.core.replies import Reply
from handlers.privacy.rewrite import Rewriter
from handlers.privacy.subjects import Found, addresses, find, parse_subject
from storage.models import (
    Action,
    ActionEvent,
    AuditEvent,
    Comment,
    ConversationRef,
    DeliveryHealth,
    Membership,
    Notification,
    Party,
    ReminderSnooze,
    Subscription,
)

FORMAT = "oppfolging-person-export/1"


def _at(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment else None


def document(session: Session, found: Found, now: datetime) -> dict[str, Any]:
    ids = [p.id for p in found.people]
    where = sorted(addresses(found))
    marker = Rewriter({a: "\0" for a in where}, {p.display_name: "\0" for p in found.people if p.display_name})
    parties = {row.id: row.key for row in session.scalars(select(Party))}
    doc: dict[str, Any] = {
        "format": FORMAT,
        "subject": found.subject.ref,
        "exported_at": as_utc(now).isoformat(),
        "people": [{"platform": p.platform, "id": p.external_id, "name": p.display_name, "email": p.email,
                    "notify_via": p.notify_via, "admin": bool(p.is_admin), "first_seen": _at(p.created_at)}
                   for p in found.people],
        "roster": [{"party": parties.get(r.party_id), "name": r.name, "email": r.email, "role": r.role,
                    "added": _at(r.created_at), "updated": _at(r.updated_at), "removed": _at(r.removed_at)}
                   for r in found.roster],
        "memberships": [], "actions_created": [], "action_history": [], "comments": [], "audit": [],
        "subscriptions_created": [], "snoozes": [], "conversations": [], "notifications": [],
        "delivery_health": [],
    }
    if ids:
        doc["memberships"] = [{"party": parties.get(m.party_id), "source": m.source, "since": _at(m.created_at)}
                              for m in session.scalars(select(Membership).where(Membership.person_id.in_(ids))
                                                       .order_by(Membership.id))]
        doc["actions_created"] = [{"id": a.id, "text": a.text, "status": a.status, "created": _at(a.created_at)}
                                  for a in session.scalars(select(Action).where(Action.created_by_id.in_(ids))
                                                           .order_by(Action.id))]
        doc["comments"] = [{"action": c.action_id, "at": _at(c.at), "source": c.source, "text": c.text}
                           for c in session.scalars(select(Comment).where(Comment.author_id.in_(ids))
                                                    .order_by(Comment.id))]
        doc["subscriptions_created"] = [
            {"platform": s.platform, "channel": s.channel_id, "party": parties.get(s.party_id), "since": _at(s.created_at)}
            for s in session.scalars(select(Subscription).where(Subscription.created_by_id.in_(ids))
                                     .order_by(Subscription.id))]
        doc["conversations"] = [
            {"platform": c.platform, "conversation": c.conversation_id, "kind": c.kind, "updated": _at(c.updated_at)}
            for c in session.scalars(select(ConversationRef).where(ConversationRef.person_id.in_(ids))
                                     .order_by(ConversationRef.id))]
    history = select(ActionEvent).order_by(ActionEvent.id)
    if ids:
        history = history.where(or_(ActionEvent.actor_id.in_(ids), *_naming(where)))
    else:
        history = history.where(or_(*_naming(where))) if where else history.where(ActionEvent.id < 0)
    doc["action_history"] = [{"action": e.action_id, "at": _at(e.at), "by_subject": e.actor_id in ids,
                              "source": e.source, "kind": e.kind, "old": e.old_value, "new": e.new_value}
                             for e in session.scalars(history)]
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        by_subject = event.actor_id in ids
        if by_subject or marker.mentions([event.entity_id, event.old_value, event.new_value]):
            doc["audit"].append({"at": _at(event.at), "by_subject": by_subject, "source": event.source,
                                 "entity": event.entity, "id": event.entity_id, "change": event.change,
                                 "old": event.old_value, "new": event.new_value})
    if where:
        doc["snoozes"] = [{"action": s.action_id, "platform": s.platform, "until": s.until_day.isoformat()}
                          for s in session.scalars(select(ReminderSnooze).where(or_(
                              ReminderSnooze.destination.in_(where), ReminderSnooze.by_id.in_(ids or [-1])))
                              .order_by(ReminderSnooze.id))]
        doc["notifications"] = [
            {"key": n.key, "kind": n.kind, "action": n.action_id, "platform": n.platform,
             "destination": n.destination, "status": n.status, "claimed": _at(n.claimed_at), "sent": _at(n.sent_at)}
            for n in session.scalars(select(Notification).where(Notification.destination.in_(where))
                                     .order_by(Notification.id))]
        doc["delivery_health"] = [
            {"platform": h.platform, "address": h.address, "last_ok": _at(h.last_ok_at),
             "last_failure": _at(h.last_failure_at), "failing": bool(h.failing)}
            for h in session.scalars(select(DeliveryHealth).where(DeliveryHealth.address.in_(where))
                                     .order_by(DeliveryHealth.id))]
    return doc


def _naming(where: list[str]) -> list[Any]:
    return [ActionEvent.old_value.contains(a) for a in where] + [ActionEvent.new_value.contains(a) for a in where]


def export_person(ctx: Context, text: str) -> Reply:
    permissions.require(ctx, "privacy")
    subject = parse_subject(text)
    found = find(ctx.session, subject)
    doc = document(ctx.session, found, ctx.now)
    audit(ctx, "privacy", subject.ref, "exported")
    key = "privacy.nothing_to_export" if found.empty else "privacy.exported"
    return Reply(title=t(key, subject=subject.ref), data={"export": doc})
