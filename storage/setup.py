"""Creating or migrating the database and loading the party registry into it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage.db import session_factory, transaction, upgrade
from storage.models import Party
from storage.registry import REGISTRY


def sync_registry(session: Session, now: datetime) -> int:
    """Insert or update every registry party (by key); ad-hoc parties are left alone. Returns changes."""
    existing = {row.key: row for row in session.scalars(select(Party))}
    changed = 0
    for info in REGISTRY:
        values = {
            "name": info.name,
            "short": info.short or info.name,
            "kind": info.kind,
            "valid_from": info.valid_from,
            "valid_to": info.valid_to,
            "aliases": list(info.aliases),
            "members": list(info.members),
        }
        row = existing.get(info.key)
        if row is None:
            session.add(Party(key=info.key, created_at=now, **values))
            changed += 1
            continue
        if any(getattr(row, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(row, field, value)
            changed += 1
    session.flush()
    return changed


def init_database(engine: Engine, now: datetime) -> int:
    """Migrate to the newest schema and load the registry; safe to run again at any time."""
    upgrade(engine)
    with transaction(session_factory(engine)) as session:
        return sync_registry(session, now.replace(tzinfo=None))
