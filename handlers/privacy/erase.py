"""`oppfolging person erase PLATFORM:ID`: pseudonymise one person, keep the actions and their history.

In one transaction:
- their chat accounts keep their rows (the history points at them) but lose their name (now
  "slettet bruker"), e-mail, admin right and id (now a pseudonym); the history shows "slettet bruker";
- their roster entries get the same name and a pseudonymous address, and are marked removed;
- their memberships and their conversations with the bot (which hold names) are deleted;
- notifications to them get the pseudonym as destination and key, lose their content, and unsent
  ones are skipped; their snoozes and delivery records are deleted;
- their ids, addresses and name inside action and audit events are replaced by the pseudonyms,
  under the one exception the append-only triggers allow (migration 0007): the values only, never
  who, when, from where or what kind of change;
- the erasure is recorded in the audit log, by pseudonym only.

Actions, comments and history stay, as the append-only rules require (comments' free text is the
author's content and is not rewritten). Admins only. A subject the bot never knew is an error; a
subject already erased is answered as such and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Text, cast, delete, or_, select
from sqlalchemy.orm import Session

from handlers.core import permissions
from handlers.core.audit import audit
from handlers.core.catalog import t
from handlers.core.context import Context
from handlers.core.errors import NotFound
from handlers.core.replies import Reply
from handlers.privacy.rewrite import Rewriter
from handlers.privacy.subjects import (
    EMAIL,
    Found,
    Subject,
    addresses,
    find,
    parse_subject,
    pseudonym,
    pseudonym_key,
    pseudonymous_ref,
)
from storage.models import (
    ActionEvent,
    AuditEvent,
    ConversationRef,
    DeliveryHealth,
    HistoryRewrite,
    Membership,
    Notification,
    Person,
    ReminderSnooze,
)

UNSENT = ("claimed", "failed")


@dataclass
class Erased:
    pseudonym: str
    people: int = 0
    roster: int = 0
    memberships: int = 0
    conversations: int = 0
    notifications: int = 0
    audit: int = 0
    history: int = 0

    def counts(self) -> dict[str, int]:
        return {"people": self.people, "roster": self.roster, "memberships": self.memberships,
                "conversations": self.conversations, "notifications": self.notifications, "audit": self.audit,
                "history": self.history}


def _already_erased(session: Session, key: bytes, subject: Subject) -> bool:
    if subject.platform != EMAIL and session.scalar(select(Person.id).where(
            Person.platform == subject.platform, Person.external_id == pseudonym(key, subject))) is not None:
        return True
    return session.scalar(select(AuditEvent.id).where(
        AuditEvent.entity == "privacy", AuditEvent.change == "erased",
        AuditEvent.entity_id == pseudonymous_ref(key, subject))) is not None


def erase_person(ctx: Context, text: str) -> Reply:
    permissions.require(ctx, "privacy")
    subject = parse_subject(text)
    session = ctx.session
    found = find(session, subject)
    key = pseudonym_key(session)
    if found.empty:
        if _already_erased(session, key, subject):
            return Reply(title=t("privacy.already_erased", subject=subject.ref), data={"erased": False})
        raise NotFound(t("privacy.unknown", subject=subject.ref))
    ctx.person  # noqa: B018 - the operator's row is made before the erasure; the audit line names it
    result = erase(session, found, key, ctx.naive_now)
    audit(ctx, "privacy", pseudonymous_ref(key, subject), "erased", None, result.counts())
    lines = [t("privacy.erased_counts", **{k: v for k, v in result.counts().items() if k != "history"})]
    return Reply(title=t("privacy.erased", subject=subject.ref, pseudonym=result.pseudonym), lines=lines,
                 data={"erased": True, "pseudonym": result.pseudonym, **result.counts()})


def erase(session: Session, found: Found, key: bytes, now) -> Erased:  # type: ignore[no-untyped-def]
    erased_name = t("privacy.erased_name")
    identifiers: dict[str, str] = {}
    names: dict[str, str] = {}
    for person in found.people:
        fake = pseudonym(key, Subject(person.platform, person.external_id))
        identifiers[f"{person.platform}:{person.external_id}"] = f"{person.platform}:{fake}"
        identifiers[person.external_id] = fake
        if person.display_name and person.display_name != person.external_id:
            names[person.display_name] = erased_name
    for email in found.emails | {r.email.lower() for r in found.roster}:
        identifiers[email] = pseudonym(key, Subject(EMAIL, email))
    for entry in found.roster:
        names[entry.name] = erased_name
    rewrite = Rewriter(identifiers, names)
    where = sorted(addresses(found) | {r.email.lower() for r in found.roster})
    result = Erased(pseudonym=pseudonym(key, found.subject))

    # The history first, while nothing else has changed yet.
    session.add(HistoryRewrite(at=now, reason="erase"))
    session.flush()
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        values = (rewrite.text(event.entity_id), rewrite.value(event.old_value), rewrite.value(event.new_value))
        if values != (event.entity_id, event.old_value, event.new_value):
            event.entity_id, event.old_value, event.new_value = values
            result.audit += 1
    naming = [cast(column, Text).contains(a) for a in [*where, *names] for column in
              (ActionEvent.old_value, ActionEvent.new_value)]
    if naming:
        for event in session.scalars(select(ActionEvent).where(or_(*naming)).order_by(ActionEvent.id)):
            inside = event.kind == "reminder_snooze"  # "slack:<label>": the label may be a name
            old = rewrite.text(event.old_value, names_inside=inside) if event.old_value else event.old_value
            new = rewrite.text(event.new_value, names_inside=inside) if event.new_value else event.new_value
            if (old, new) != (event.old_value, event.new_value):
                event.old_value, event.new_value = old, new
                result.history += 1
    session.flush()
    session.execute(delete(HistoryRewrite))
    session.flush()

    ids = [p.id for p in found.people]
    if ids:
        result.memberships = session.execute(delete(Membership).where(Membership.person_id.in_(ids))).rowcount or 0
        result.conversations = session.execute(
            delete(ConversationRef).where(ConversationRef.person_id.in_(ids))).rowcount or 0
    if where:
        session.execute(delete(ReminderSnooze).where(ReminderSnooze.destination.in_(where)))
        session.execute(delete(DeliveryHealth).where(DeliveryHealth.address.in_(where)))
        for row in session.scalars(select(Notification).where(Notification.destination.in_(where))):
            row.destination = rewrite.text(row.destination)
            row.key = rewrite.text(row.key)
            row.payload = {}
            row.error = rewrite.text(row.error) if row.error else row.error
            if row.status in UNSENT:
                row.status, row.next_attempt_at, row.error = "skipped", None, "person erased"
            result.notifications += 1
    for entry in found.roster:
        entry.name = erased_name
        entry.email = identifiers[entry.email.lower()]
        entry.removed_at = entry.removed_at or now
        entry.updated_at = now
        result.roster += 1
    for person in found.people:
        person.display_name = erased_name
        person.external_id = identifiers[person.external_id]
        person.email = None
        person.is_admin = False
        person.notify_via = "chat"
        result.people += 1
    session.flush()
    return result
