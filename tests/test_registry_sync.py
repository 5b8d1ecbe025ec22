"""Every start brings the parties of the registry (storage/registry.py) into the database: a changed
or missing registry party is put right, a group users made is left alone, and an unchanged
database is not written to. Both databases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text

from storage.db import make_engine, session_factory
from storage.models import Party
from storage.registry import REGISTRY
from storage.setup import init_database
from tests.conftest import NOW

LATER = datetime(2027, 2, 1, 8, 0)


def _rows(url: str) -> dict[str, tuple]:  # type: ignore[type-arg]
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            return {p.key: (p.name, p.short, p.kind, p.valid_from, p.valid_to, p.aliases, p.members, p.created_at)
                    for p in session.scalars(select(Party))}
    finally:
        engine.dispose()


def test_the_registry_is_put_right_and_groups_are_left_alone(db_url: str) -> None:
    second = next(info for info in REGISTRY if info.aliases)
    first = next(info for info in REGISTRY if info.key != second.key)
    before = _rows(db_url)
    engine = make_engine(db_url)
    try:
        assert init_database(engine, LATER) == 0  # nothing changed: nothing written
        with engine.begin() as conn:
            conn.execute(text("UPDATE parties SET name = 'Feil navn', aliases = :aliases WHERE key = :key"),
                         {"key": second.key, "aliases": '["bare ett"]'})
            # A registry party nothing refers to (a fresh database's) was removed by hand.
            conn.execute(text("DELETE FROM parties WHERE key = :key"), {"key": first.key})
            conn.execute(text("INSERT INTO parties (key, name, short, kind, aliases, members, created_at) "
                              "VALUES ('gruppe-x', 'Gruppe X', 'X', 'group', '[]', :members, :at)"),
                         {"members": f'["{second.key}"]', "at": NOW.replace(tzinfo=None)})
        assert init_database(engine, LATER) == 2
        assert init_database(engine, LATER) == 0
    finally:
        engine.dispose()
    after = _rows(db_url)
    assert after.pop("gruppe-x")[:7] == ("Gruppe X", "X", "group", None, None, [], [second.key])
    assert after[second.key] == before[second.key]  # name and aliases as the registry has them
    assert after[first.key][:7] == before[first.key][:7] and after[first.key][7] == LATER
    assert after == {**before, first.key: after[first.key]}
    assert after[second.key][5] == list(second.aliases)
