"""Engine and session helpers; schema upgrades through Alembic.

SQLite is the default (one file under ./data/, WAL so the scheduler and chat can read while one
writes, foreign keys on); PostgreSQL is used when several replicas share a database.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///data/oppfolging.sqlite"
BUSY_TIMEOUT = 30.0  # seconds
MIGRATIONS = Path(__file__).parent / "migrations"


def normalize_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and pick the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str = DEFAULT_URL, **kwargs: object) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # How long a write waits for another writer's lock (`?timeout=5` in the URL), then gives up:
        # the user is told the bot is temporarily unavailable instead of waiting forever.
        timeout = float(parsed.query.get("timeout", BUSY_TIMEOUT))  # type: ignore[arg-type]
        engine = create_engine(parsed.difference_update_query(["timeout"]), connect_args={"timeout": timeout},
                               **kwargs)
        cache_kib = _env_int("SQLITE_CACHE_KIB", SQLITE_CACHE_KIB)
        event.listen(engine, "connect", lambda conn, record: _sqlite_pragmas(conn, record, timeout, cache_kib))
        event.listen(engine, "savepoint", _begin_before_savepoint)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # Connections per process (each replica has its own pool): SQLAlchemy's defaults unless set.
    kwargs.setdefault("pool_size", _env_int("DATABASE_POOL_SIZE", 5))
    kwargs.setdefault("max_overflow", _env_int("DATABASE_MAX_OVERFLOW", 10))
    return create_engine(url, **kwargs)


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else default


# Page cache per SQLite connection, in KiB (SQLite's own default: 2 000). Every pooled connection
# has its own, so the default grew the service by up to 30 MiB with 100 000 actions; the file's
# pages stay in the operating system's cache anyway, and lists at 100 000 actions answered as fast
# with 512 KiB (docs/PERFORMANCE.md, memory).
SQLITE_CACHE_KIB = 512


def _sqlite_pragmas(dbapi_conn, _record, timeout: float = 30.0,  # type: ignore[no-untyped-def]
                    cache_kib: int = SQLITE_CACHE_KIB) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    cursor.execute(f"PRAGMA cache_size=-{max(64, cache_kib)}")  # negative: KiB, not pages
    cursor.close()


def _begin_before_savepoint(conn: Connection, name: str) -> None:
    """Python's sqlite3 opens a transaction only before INSERT/UPDATE/DELETE. A SAVEPOINT outside a
    transaction starts one of its own, which its RELEASE then commits: the action a request creates
    first (in a savepoint) would be committed at once, before its history and whatever else the request
    does, and stay even if the request is refused afterwards. Open the request's transaction first."""
    driver = conn.connection.driver_connection
    if driver is not None and not driver.in_transaction:
        # A savepoint means a write is coming: take the lock now. Through SQLAlchemy, so that "database
        # is locked" arrives as its OperationalError ("temporarily unavailable"), like any other.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back whole on any exception."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


# `revision = "0009"` / `down_revision = "0008"` (or None) at the start of a line, as Alembic writes them.
_REVISION_LINE = re.compile(r"""^(revision|down_revision)\s*(?::[^=]*)?=\s*(?:(None)|["']([^"']+)["'])\s*(?:#.*)?$""",
                            re.MULTILINE)


@cache
def head_revision() -> str | None:
    """The newest migration, read from the version files without loading Alembic.

    None when that is not one clear head, or a file says it in another way than one plain line each
    (then callers let Alembic decide). Used so that a start on an up-to-date database skips Alembic
    altogether (~0.2 s of every `oppfolging` command). The lines are matched rather than the files
    parsed: parsing every migration was another 10–40 ms of every command.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        try:
            source = path.read_text(encoding="utf-8")
        except OSError:
            return None
        values: dict[str, list[str | None]] = {}
        for match in _REVISION_LINE.finditer(source):
            values.setdefault(match.group(1), []).append(None if match.group(2) else match.group(3))
        revision, down = values.get("revision", []), values.get("down_revision", [])
        if len(revision) != 1 or len(down) != 1 or revision[0] is None:
            return None
        revisions.add(revision[0])
        if down[0] is not None:
            parents.add(down[0])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def is_up_to_date(engine: Engine) -> bool:
    """True when the database is already at the newest migration (a cheap check, no Alembic)."""
    head = head_revision()
    if head is None:
        return False
    try:
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:  # no alembic_version table yet: a new database
        return False
    return list(versions) == [head]


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
