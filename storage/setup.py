"""Creating or migrating the database and loading the party registry into it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from storage.db import is_up_to_date, session_factory, transaction, upgrade
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


# Any constant: the PostgreSQL advisory lock that serialises schema upgrades of several replicas.
MIGRATION_LOCK = 7_141_300_842


def init_database(engine: Engine, now: datetime) -> int:
    """Migrate to the newest schema and load the registry; safe to run again at any time.

    Several replicas may start at once on one PostgreSQL database: they take turns through an
    advisory lock, so two never run the same migration or insert the same registry party.
    """
    if engine.dialect.name != "postgresql":
        return _init(engine, now)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        conn.commit()
        try:
            return _init(engine, now)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            conn.commit()


def _init(engine: Engine, now: datetime) -> int:
    if not is_up_to_date(engine):
        upgrade(engine)
    with transaction(session_factory(engine)) as session:
        return sync_registry(session, now.replace(tzinfo=None))
