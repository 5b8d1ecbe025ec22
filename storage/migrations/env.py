"""Alembic environment: the engine comes from `storage.db.upgrade` (or DATABASE_URL for the alembic CLI)."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, event

from storage.db import DEFAULT_URL, make_engine
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine(os.environ.get("DATABASE_URL", DEFAULT_URL))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        driver = connection.connection.driver_connection
        if sqlite:
            # Python's sqlite3 runs DDL outside any transaction (each CREATE/DROP commits at once), so a
            # migration killed half-way would leave a half-changed schema that the next start cannot
            # upgrade. SQLite's DDL is transactional: take over BEGIN/COMMIT from the driver, so every
            # migration and its version stamp commit together, or not at all (as on PostgreSQL).
            driver.isolation_level = None  # type: ignore[union-attr]
            event.listen(connection, "begin", _begin_immediate)
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                # SQLite cannot ALTER most things in place; batch mode copies the table instead.
                render_as_batch=sqlite,
                transactional_ddl=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            if sqlite:
                event.remove(connection, "begin", _begin_immediate)
                driver.isolation_level = ""  # type: ignore[union-attr]  # back to the driver's default for the pool


run_migrations_online()
