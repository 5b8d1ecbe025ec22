"""The `oppfolging` command line as a user runs it: a real process on a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def oppfolging(*args: str, db: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db}
    env.pop("SLACK_BOT_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, input=stdin, capture_output=True,
        text=True, timeout=120,
    )


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite'}"


def test_init_demo_then_list_json(db: str) -> None:
    result = oppfolging("init", "--demo", "--now", "2026-11-23T10:00", db=db)
    assert result.returncode == 0, result.stderr
    assert "Eksempeldata lagt inn" in result.stdout
    data = json.loads(oppfolging("actions", "list", "--json", db=db).stdout)
    assert data and set(data[0]) >= {"id", "text", "parties", "deadline", "status", "meeting"}
    assert all(item["status"] in ("open", "in_progress") for item in data)
    assert any(item["parties"] == ["au"] for item in data)
    everything = json.loads(oppfolging("actions", "list", "--json", "--all", db=db).stdout)
    assert {item["status"] for item in everything} >= {"open", "done"}
    # A second --demo does not duplicate anything.
    again = oppfolging("init", "--demo", db=db)
    assert "ikke lagt inn" in again.stdout
    assert len(json.loads(oppfolging("actions", "list", "--json", "--all", db=db).stdout)) == len(everything)


def test_run_with_now_and_user(db: str) -> None:
    oppfolging("init", db=db)
    created = oppfolging("run", "/oppfølging ny AU: Lage budsjett innen fredag", "--now", "2027-03-01T09:00",
                         "--json", db=db)
    assert created.returncode == 0, created.stderr
    action = json.loads(created.stdout)["data"]["action"]
    assert action["deadline"] == "2027-03-05"  # the Friday after Monday 1 March 2027
    refused = oppfolging("run", f"/oppfølging avbryt {action['id']}", "--user", "kari", db=db)
    assert refused.returncode == 1
    assert "administratorer" in refused.stdout
    listed = oppfolging("run", "/oppfølging liste", "--now", "2027-03-08T09:00", db=db)
    assert "Forfalt (1)" in listed.stdout


def test_chat_reads_lines(db: str) -> None:
    result = oppfolging("chat", db=db, stdin="/oppfølging ny KS: Sende ut invitasjonen\n/oppfølging liste KS\navslutt\n")
    assert result.returncode == 0, result.stderr
    assert "Registrert som punkt 1" in result.stdout
    assert "Sende ut invitasjonen" in result.stdout


def test_admin_add(db: str) -> None:
    oppfolging("init", db=db)
    created = json.loads(oppfolging("run", "/oppfølging ny AU: Noe", "--json", db=db).stdout)["data"]["action"]
    assert oppfolging("run", f"/oppfølging avbryt {created['id']}", "--user", "slack:U9", db=db).returncode == 1
    assert oppfolging("admin", "add", "slack:U9", db=db).returncode == 0
    assert oppfolging("run", f"/oppfølging avbryt {created['id']}", "--user", "slack:U9", db=db).returncode == 0


def test_backup_and_restore(tmp_path: Path, db: str) -> None:
    oppfolging("init", "--demo", db=db)
    backup = tmp_path / "kopi.sqlite"
    assert oppfolging("backup", str(backup), db=db).returncode == 0
    before = json.loads(oppfolging("actions", "list", "--json", "--all", db=db).stdout)
    oppfolging("run", "/oppfølging ny AU: Etter sikkerhetskopien", db=db)
    restored = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    result = oppfolging("restore", str(backup), db=restored)
    assert result.returncode == 0, result.stdout
    assert json.loads(oppfolging("actions", "list", "--json", "--all", db=restored).stdout) == before
    # Restoring over an existing database needs --force; a file that is no database is refused.
    assert oppfolging("restore", str(backup), db=restored).returncode == 2
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    assert "cannot be restored" in oppfolging("restore", str(junk), "--force", db=restored).stdout


def test_audit_lists_every_change(db: str) -> None:
    oppfolging("init", db=db)
    created = json.loads(oppfolging("run", "/oppfølging ny AU: Noe å revidere", "--json", db=db).stdout)
    action_id = created["data"]["action"]["id"]
    oppfolging("run", "/oppfølging medlem AU", "--user", "slack:U4", db=db)
    oppfolging("run", f"/oppfølging ferdig {action_id}", "--user", "slack:U4", db=db)
    rows = json.loads(oppfolging("audit", "--json", db=db).stdout)
    assert [(r["entity"], r["change"]) for r in rows] == [
        ("action", "created"), ("membership", "created"), ("action", "status")]
    status = rows[-1]
    assert (status["old"], status["new"], status["by"], status["source"]) == ("open", "done", "slack:U4", "slack")
    only = json.loads(oppfolging("audit", "--json", "--action", str(action_id), db=db).stdout)
    assert len(only) == 2
    assert json.loads(oppfolging("audit", "--json", "--since", "2999-01-01", db=db).stdout) == []


@pytest.mark.parametrize("loaded", ["2026-11-24T10:00", "2026-11-25T10:00", "2027-05-04T10:00"])
def test_demo_meetings_fall_on_working_days(db: str, loaded: str) -> None:
    """A Tuesday + 4 days is a Saturday, a Wednesday + 4 a Sunday, and 22 April 2028 is a Saturday: whenever the demo is loaded, a
    newcomer's first `neste møte` names a working day, never a weekend or a public holiday."""
    import holidays

    assert oppfolging("init", "--demo", "--now", loaded, db=db).returncode == 0
    listed = json.loads(oppfolging("run", "/oppfølging møter", "--json", "--now", loaded, db=db).stdout)
    days = [m["date"] for m in listed["data"]["meetings"]]
    assert len(days) >= 4
    closed = holidays.country_holidays("NO", years=range(2026, 2029))
    from datetime import date

    for day in map(date.fromisoformat, days):
        assert day.weekday() < 5 and day not in closed, day
