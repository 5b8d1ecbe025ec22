"""Backups that work when they are needed.

- SQLite: `oppfolging backup` while the bot keeps writing gives a consistent copy (every action in
  it complete with its parties and history), and `oppfolging restore` brings it back.
- PostgreSQL: the procedure in the README (`pg_dump -Fc`, `pg_restore` into a new database) gives
  back the same actions, the same schema revision, and the append-only protection.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.app import App
from bot.config import Settings
from handlers.core.context import Actor
from storage.db import current_revision, head_revision, make_engine
from storage.models import Action, ActionEvent, ActionParty, ActionTally, PartyTally
from tests.conftest import NOW, ROOT


def cli(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_"))}, "DATABASE_URL": db}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def complete(url: str) -> tuple[int, bool]:
    """(actions, whether every action has its parties and its 'created' event, and the lists'
    tallies count each action once, and each party's link once)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(Action)).scalar() or 0
        with_parties = conn.execute(select(func.count(func.distinct(ActionParty.action_id)))).scalar()
        created = conn.execute(select(func.count()).select_from(ActionEvent).where(ActionEvent.kind == "created")).scalar()
        tallied = conn.execute(select(func.sum(ActionTally.n))).scalar() or 0
        links = conn.execute(select(func.count()).select_from(ActionParty)).scalar() or 0
        party_tallied = conn.execute(select(func.sum(PartyTally.n))).scalar() or 0
    engine.dispose()
    return n, with_parties == n == created == tallied and links == party_tallied


def test_sqlite_backup_while_the_bot_writes_is_consistent(tmp_path: Path, sqlite_url: str) -> None:
    app = App(Settings(database_url=sqlite_url), clock=lambda: NOW)
    actor = Actor("console", "local")
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        while not stop.is_set():
            reply = app.handle(f"ny AU: Skrevet under sikkerhetskopien {len(written)}", actor, now=NOW)
            assert not reply.error, reply.lines
            written.append(reply.data["action"]["id"])

    for n in range(20):
        app.handle(f"ny AU: Før kopien {n}", actor, now=NOW)
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copy = tmp_path / "kopi.sqlite"
        result = cli("backup", str(copy), db=sqlite_url)
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        stop.set()
        thread.join(30)
        app.close()
    count, whole = complete(f"sqlite:///{copy}")
    assert count >= 20 and whole  # a moment in time: no action without its parties or its history

    restored = f"sqlite:///{tmp_path / 'tilbake.sqlite'}"
    assert cli("restore", str(copy), db=restored).returncode == 0
    assert complete(restored) == (count, True)


@pytest.mark.skipif(not shutil.which("pg_dump") or not shutil.which("pg_restore"), reason="no pg_dump/pg_restore")
def test_postgresql_dump_and_restore_as_documented(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("postgres_url")
    from tests.conftest import _empty_postgres

    _empty_postgres(url)
    app = App(Settings(database_url=url), clock=lambda: NOW)
    for n in range(5):
        assert not app.handle(f"ny AU: Punkt {n} innen 15. juni", Actor("console", "local"), now=NOW).error
    app.close()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pg_dump -Fc" in readme and "pg_restore" in readme

    parsed = make_url(url)
    libpq = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    dump = tmp_path / "oppfolging.dump"
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump), libpq], check=True, timeout=120)
    target = f"oppf_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{target}"'))
    try:
        restored = parsed.set(database=target)
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d",
                        restored.set(drivername="postgresql").render_as_string(hide_password=False), str(dump)],
                       check=True, timeout=120)
        engine = make_engine(restored.render_as_string(hide_password=False))
        try:
            assert current_revision(engine) == head_revision()
            with engine.connect() as conn:
                assert conn.execute(select(Action.text).order_by(Action.id)).scalars().all() == [
                    f"Punkt {n}" for n in range(5)]
                # The data is loaded before the triggers are made: every action is counted once.
                assert conn.execute(select(func.sum(ActionTally.n))).scalar() == 5
                with pytest.raises(DBAPIError, match="not allowed"):
                    conn.execute(text("DELETE FROM actions"))
        finally:
            engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        admin.dispose()
