"""Creating or migrating the database and loading the party registry into it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select, text, update
from sqlalchemy.orm import Session

from storage.db import is_up_to_date, session_factory, transaction, upgrade
from storage.models import Party
from storage.registry import REGISTRY, PartyInfo


def _values(info: PartyInfo) -> dict[str, Any]:
    return {"name": info.name, "short": info.short or info.name, "kind": info.kind, "valid_from": info.valid_from,
            "valid_to": info.valid_to, "aliases": list(info.aliases), "members": list(info.members)}


def sync_registry(session: Session, now: datetime) -> int:
    """Insert or update every registry party (by key); ad-hoc parties are left alone. Returns changes.

    Written in Core, not through the `Party` class: every command starts here, and when nothing
    changed (every start but the first after an upgrade) the ORM's mappers are then configured only
    if the command itself needs them — `hjelp` does not; configuring them is ~20 ms of it.
    """
    table = Party.__table__
    existing = {row.key: row for row in session.execute(select(table))}
    changed = 0
    for info in REGISTRY:
        values = _values(info)
        row = existing.get(info.key)
        if row is None:
            session.execute(insert(table).values(key=info.key, created_at=now, **values))
        elif any(getattr(row, field) != value for field, value in values.items()):
            session.execute(update(table).where(table.c.key == info.key).values(**values))
        else:
            continue
        changed += 1
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
