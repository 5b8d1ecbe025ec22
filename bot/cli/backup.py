"""`oppfolging backup` / `restore` for SQLite (online backup API); PostgreSQL uses pg_dump (README)."""

from __future__ import annotations

import argparse
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.cli.common import make_app


def _sqlite_path(url: str) -> Path | None:
    # Imported here, not at the top: the parser of every command loads this module (bot/cli/common.py).
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _check(path: Path) -> str:
    """Integrity check of a SQLite file; returns its schema revision. Raises ValueError when unusable."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()
            if not result or result[0] != "ok":
                raise ValueError(f"integrity check failed: {result}")
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ValueError(str(exc)) from exc
    if row is None:
        raise ValueError("not an Oppfølging database (no schema revision)")
    return str(row[0])


def cmd_backup(args: argparse.Namespace) -> int:
    app = make_app(args)
    source = _sqlite_path(app.settings.database_url)
    if source is None:
        print("backup works on SQLite; for PostgreSQL use pg_dump (see README, 'Backups').")
        return 2
    if not source.exists():
        print(f"no database at {source}")
        return 2
    target = Path(args.file or f"oppfolging-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.sqlite")
    if target.exists() and not args.force:
        print(f"{target} exists; use --force to overwrite")
        return 2
    target.parent.mkdir(parents=True, exist_ok=True)
    # The online backup API copies a consistent snapshot while the bot keeps running.
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    revision = _check(target)
    print(f"backup written to {target} (schema {revision})")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    app = make_app(args)
    target = _sqlite_path(app.settings.database_url)
    if target is None:
        print("restore works on SQLite; for PostgreSQL use pg_restore (see README, 'Backups').")
        return 2
    source = Path(args.file)
    try:
        revision = _check(source)
    except (ValueError, OSError) as exc:
        print(f"{source} cannot be restored: {exc}")
        return 2
    if target.exists() and not args.force:
        print(f"{target} exists; stop the bot and use --force to replace it")
        return 2
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    from storage.db import current_revision, make_engine

    engine = make_engine(app.settings.database_url)
    print(f"restored {source} (schema {revision}) into {target}; now at {current_revision(engine)}")
    engine.dispose()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("backup", help="copy the SQLite database while the bot runs")
    p.add_argument("file", nargs="?", help="target file (default: oppfolging-<time>.sqlite)")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_backup)
    p = subparsers.add_parser("restore", help="replace the SQLite database with a backup (stop the bot first)")
    p.add_argument("file")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_restore)
