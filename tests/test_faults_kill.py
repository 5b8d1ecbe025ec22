"""The process is killed (SIGKILL) in the middle of work: nothing is left half done.

- An import of a 500-row protocol, killed after half of its actions were written: none of them
  exist afterwards (one transaction), and importing again stores all 500.
- `oppfolging init` on a database of an older schema revision, killed in the middle of a
  migration: running it again upgrades cleanly, and the data is still there.

The child process is the real `oppfolging` command line; a SQLAlchemy event in the child reports
"half-way" on stdout and then waits, so the test kills it at exactly that point (no timing).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from storage.db import current_revision, downgrade, head_revision, make_engine
from storage.models import Action, Meeting, Party
from tests.conftest import NOW, ROOT
from tests.support.protocols.build import Protocol, html_page

ROWS = 500

# Runs the CLI in the child; when `trigger` fires (n times), prints HALFWAY and waits to be killed.
CHILD = r"""
import sys, threading
from sqlalchemy import event
from sqlalchemy.engine import Engine
from storage.models import Action

mode, at = sys.argv[1], int(sys.argv[2])
seen = {"n": 0}

def halfway():
    print("HALFWAY", flush=True)
    threading.Event().wait()  # until SIGKILL

if mode == "insert":
    @event.listens_for(Action, "after_insert")
    def after_insert(mapper, connection, target):
        seen["n"] += 1
        if seen["n"] == at:
            halfway()
else:
    marker = sys.argv[3]
    @event.listens_for(Engine, "after_cursor_execute")
    def after_execute(conn, cursor, statement, parameters, context, executemany):
        if marker in statement:
            seen["n"] += 1
            if seen["n"] == at:
                halfway()

from bot.cli import main
sys.exit(main(sys.argv[4:] if mode != "insert" else sys.argv[3:]))
"""


def kill_halfway(args: list[str], env: dict[str, str]) -> None:
    """Run the child; SIGKILL it as soon as it says HALFWAY. Fails if it finishes first."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "HALFWAY":
                os.kill(proc.pid, signal.SIGKILL)
                break
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == -signal.SIGKILL, f"finished before the kill ({proc.returncode}):\n{stderr[-3000:]}"


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def env(db_url: str) -> Iterator[dict[str, str]]:
    yield {**{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_"))},
           "DATABASE_URL": db_url, "PYTHONPATH": str(ROOT)}


def big_protocol(path: Path) -> Path:
    rows = [[["Saker"], ["Oppfølging"]]]
    for n in range(1, ROWS + 1):
        rows.append([[f"{n}. Sak nummer {n}."], [f"KDD sender notat nummer {n} til partene innen 15. juni."]])
    protocol = Protocol(before=["Nasjonal samhandlingsmodell Gardermoen 19. oktober 2026 kl. 09:00 - 15:30"],
                        table=rows)
    path.write_bytes(html_page(protocol))
    return path


def counts(db_url: str) -> tuple[int, int, int]:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        result = (conn.execute(select(func.count()).select_from(Action)).scalar() or 0,
                  conn.execute(select(func.count()).select_from(Meeting)).scalar() or 0,
                  conn.execute(select(func.count()).select_from(Party).where(Party.kind == "adhoc")).scalar() or 0)
    engine.dispose()
    return result


def test_an_import_killed_half_way_leaves_nothing_and_can_be_run_again(tmp_path: Path, db_url: str,
                                                                        env: dict[str, str]) -> None:
    protocol = big_protocol(tmp_path / "protokoll.html")
    args = ["import", str(protocol), "--now", NOW.isoformat()]
    kill_halfway(["insert", str(ROWS // 2), *args], env)
    assert counts(db_url) == (0, 0, 0)  # not one of the 250 actions written, nor the meeting

    done = run_cli(*args, "--json", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert counts(db_url)[:2] == (ROWS, 1)
    again = run_cli(*args, env=env)  # and a second import adds nothing
    assert again.returncode == 0 and counts(db_url)[:2] == (ROWS, 1)


def test_a_migration_killed_half_way_is_finished_by_the_next_start(db_url: str, env: dict[str, str]) -> None:
    engine = make_engine(db_url)
    downgrade(engine, "0002")  # a database of an older release, with data
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO actions (text, status, deadline_text, case_ref, source, created_at, updated_at) "
            "VALUES ('Overlever et avbrutt oppdatering', 'open', '', '', 'console', '2026-01-01', '2026-01-01')"))
    engine.dispose()
    # Killed after 0003 created its table but before it created the index and recorded itself.
    kill_halfway(["statement", "1", "CREATE TABLE audit_events", "init"], env)

    done = run_cli("init", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT text FROM actions")).scalars().all() == [
                "Overlever et avbrutt oppdatering"]
            assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 0
    finally:
        engine.dispose()
