"""Granting and revoking administrator rights from the terminal (`oppfolging admin add|remove`).

Rights are a change like any other: who changed them (the terminal operator) and when is kept in
the audit log, so `oppfolging audit` answers "who made this person an admin".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.context import LOCAL_OPERATOR, Actor
from storage.models import AuditEvent, Person
from storage.people import get_or_create

OPERATOR_NAME = "lokal operatør"


def set_admin(session: Session, actor: Actor, admin: bool, now: datetime) -> bool:
    """Make `actor` an administrator (or not); returns whether anything changed."""
    at = now.replace(tzinfo=None)
    person = get_or_create(session, actor.platform, actor.external_id, actor.display_name, at)
    before = bool(person.is_admin)
    person.is_admin = admin
    if before == admin:
        return False
    operator = get_or_create(session, "console", LOCAL_OPERATOR, OPERATOR_NAME, at)
    session.add(AuditEvent(at=at, actor_id=operator.id, source="console", entity="admin",
                           entity_id=f"{actor.platform}:{actor.external_id}",
                           change="created" if admin else "removed", old_value=before, new_value=admin))
    return True


def stored_admins(session: Session) -> list[str]:
    """Administrators granted in the database, as platform:id."""
    admins = session.scalars(select(Person).where(Person.is_admin.is_(True)).order_by(Person.id))
    return [f"{p.platform}:{p.external_id}" for p in admins]
