"""Alembic migrations: an empty database upgrades to head, and so does one at the previous revision."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, text

from storage.db import current_revision, downgrade, make_engine, upgrade
from storage.models import Base
from storage.setup import init_database

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _heads() -> list[str]:
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config

    return list(ScriptDirectory.from_config(alembic_config(None)).get_heads())  # type: ignore[arg-type]


def test_single_head() -> None:
    assert len(_heads()) == 1


def test_the_quick_head_check_agrees_with_alembic() -> None:
    """`head_revision` reads the version files' lines instead of loading Alembic (start-up)."""
    from storage.db import head_revision

    assert head_revision() == _heads()[0]


def test_empty_database_upgrades_to_models(db_url: str) -> None:
    engine = make_engine(db_url)
    # db_url is already migrated; go all the way down and up again to prove both directions.
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert current_revision(engine) == _heads()[0]
    engine.dispose()


def test_previous_revision_with_data_upgrades(db_url: str) -> None:
    engine = make_engine(db_url)
    downgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO actions (text, status, deadline_text, case_ref, source, created_at, updated_at) "
            "VALUES ('Overlever migreringen', 'open', '', '', 'console', '2026-01-01', '2026-01-01')"
        ))
    init_database(engine, NOW)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT text FROM actions")).scalars().all() == ["Overlever migreringen"]
        assert conn.execute(text("SELECT count(*) FROM notifications")).scalar() == 0
    engine.dispose()


def test_models_match_migrations(db_url: str) -> None:
    """Autogenerate finds nothing to do: the migrations create exactly what the models describe."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []
