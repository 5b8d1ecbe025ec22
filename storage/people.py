"""People and their party memberships."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Membership, Party, Person

# Person.display_name is String(200); a platform may send longer names (Entra allows 256).
MAX_NAME = 200


def get_or_create(session: Session, platform: str, external_id: str, display_name: str, now: datetime) -> Person:
    display_name = display_name[:MAX_NAME]
    person = session.scalar(select(Person).where(Person.platform == platform, Person.external_id == external_id))
    if person is not None:
        if display_name and person.display_name != display_name:
            person.display_name = display_name
        return person
    person = Person(platform=platform, external_id=external_id, display_name=display_name, created_at=now)
    # Two first requests from the same new user may race (replicas); the loser reads the winner's row.
    try:
        with session.begin_nested():
            session.add(person)
            session.flush()
    except IntegrityError:
        person = session.scalars(
            select(Person).where(Person.platform == platform, Person.external_id == external_id)
        ).one()
    return person


def party_keys(session: Session, person: Person) -> list[str]:
    rows = session.scalars(
        select(Party.key).join(Membership, Membership.party_id == Party.id).where(Membership.person_id == person.id)
        .order_by(Party.key)
    )
    return list(rows)


def add_membership(session: Session, person: Person, party: Party, now: datetime, source: str = "chat") -> bool:
    """Join `party`; False when already a member."""
    exists = session.scalar(
        select(Membership.id).where(Membership.person_id == person.id, Membership.party_id == party.id)
    )
    if exists:
        return False
    session.add(Membership(person_id=person.id, party_id=party.id, source=source, created_at=now))
    session.flush()
    return True


def remove_membership(session: Session, person: Person, party: Party) -> bool:
    row = session.scalar(
        select(Membership).where(Membership.person_id == person.id, Membership.party_id == party.id)
    )
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


