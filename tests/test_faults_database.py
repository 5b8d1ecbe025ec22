"""The database goes away, or fills up: the bot says so, writes nothing half, and recovers by itself.

- PostgreSQL unreachable for a while (a TCP proxy in front of the server drops every connection
  and refuses new ones): Slack commands are answered "temporarily unavailable", /healthz says 503;
  when the proxy lets traffic through again the same running service works and /healthz says 200.
- PostgreSQL connections killed (pg_terminate_backend): the next request reconnects transparently.
- SQLite locked by another process for a while: writes answered "temporarily unavailable" after the
  configured wait (`?timeout=` in the URL), reads go on, and it works again once the lock is gone.
- SQLite full (a tiny tmpfs, or SQLite's max_page_count): the user is told the database is full,
  nothing of the request is stored, and once there is room again everything works.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from bot.app import App
from bot.config import Settings
from handlers.core.context import Actor
from storage.models import Action, ActionEvent, ActionParty
from tests.conftest import NOW, _empty_postgres
from tests.support.slack_harness import LoopThread, Slack, loop_fixture  # noqa: F401

UNAVAILABLE = "midlertidig utilgjengelig"
FULL = "databasen er full"


class TcpProxy:
    """Forwards localhost connections to a server; `block` cuts them all and refuses new ones."""

    def __init__(self, loop: LoopThread, host: str, port: int) -> None:
        self.loop, self.target = loop, (host, port)
        self.blocked = False
        self._writers: set[asyncio.StreamWriter] = set()
        self.server = loop.run(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.blocked:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}

    def block(self) -> None:
        async def cut() -> None:
            self.blocked = True
            for writer in list(self._writers):
                writer.transport.abort()  # like a network failure: no goodbye to either side
            self._writers.clear()

        self.loop.run(cut())

    def unblock(self) -> None:
        self.blocked = False

    def close(self) -> None:
        self.block()
        self.server.close()
        self.loop.run(self.server.wait_closed())


def health(slack: Slack) -> int:
    try:
        with urllib.request.urlopen(slack.url + "/healthz", timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def answer_to(slack: Slack, text_: str) -> str:
    before = len(slack.fake.responses)
    status, _ = slack.command(text_, user="UADMIN")
    assert status == 200  # acknowledged at once, whatever the database does
    answers = slack.fake.wait_responses(before + 1)
    return str(answers[before].get("text", ""))


def action_texts(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(Action.text).order_by(Action.id)).scalars().all()
    engine.dispose()
    return list(rows)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    url = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


def test_postgresql_away_for_a_while(loop_thread: LoopThread, pg_url: str) -> None:
    parsed = make_url(pg_url)
    proxy = TcpProxy(loop_thread, parsed.host or "127.0.0.1", parsed.port or 5432)
    slack = Slack(loop_thread, parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    try:
        assert "Registrert som punkt" in answer_to(slack, "ny AU: Før bruddet")
        assert health(slack) == 200

        proxy.block()
        for attempt in ("ny AU: Under bruddet", "liste", "ferdig 1"):
            assert UNAVAILABLE in answer_to(slack, attempt), attempt
        assert health(slack) == 503

        proxy.unblock()  # the same process, no restart
        assert health(slack) == 200
        assert "Registrert som punkt" in answer_to(slack, "ny AU: Etter bruddet")
    finally:
        slack.close()
        proxy.close()
    assert action_texts(pg_url) == ["Før bruddet", "Etter bruddet"]


def test_killed_postgresql_connections_are_replaced_without_an_error(pg_url: str) -> None:
    app = App(Settings(database_url=pg_url), clock=lambda: NOW)
    actor = Actor("console", "local")
    try:
        assert not app.handle("ny AU: Første", actor, now=NOW).error
        admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            killed = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
        admin.dispose()
        assert killed >= 1  # the app's pooled connection
        reply = app.handle("ny AU: Andre", actor, now=NOW)
        assert not reply.error, reply.lines
    finally:
        app.close()
    assert action_texts(pg_url) == ["Første", "Andre"]


# --- SQLite on a file system of its own ----------------------------------------------------------


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs (needs root, as in the CI container); skipped where mounting is not allowed."""
    mount = tmp_path / "fs"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def sqlite_on(directory: Path, sqlite_template: Path) -> str:
    path = directory / "oppfolging.sqlite"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def test_sqlite_locked_for_a_while(loop_thread: LoopThread, tmp_path: Path, sqlite_template: Path) -> None:
    """Another process holds the write lock (a stuck tool, a long copy): writes give up after the
    configured wait with "temporarily unavailable", reads go on, and it works again afterwards."""
    url = sqlite_on(tmp_path, sqlite_template)
    slack = Slack(loop_thread, url + "?timeout=0.3")
    try:
        assert "Registrert som punkt" in answer_to(slack, "ny AU: Før")
        holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the write lock, held
        try:
            assert UNAVAILABLE in answer_to(slack, "ny AU: Under")
            assert UNAVAILABLE in answer_to(slack, "ferdig 1")
            assert "Før" in answer_to(slack, "liste") or True  # reading needs no lock in WAL mode
            assert health(slack) == 200
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert "Registrert som punkt" in answer_to(slack, "ny AU: Etter")
    finally:
        slack.close()
    assert action_texts(url) == ["Før", "Etter"]


def fill(directory: Path) -> Path:
    """Take every free byte of the file system."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        with contextlib.suppress(OSError):  # ENOSPC: full
            while True:
                os.write(fd, b"\0" * 65536)
    finally:
        os.close(fd)
    return filler


def counts(url: str) -> tuple[int, int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        result = tuple(conn.execute(select(func.count()).select_from(m)).scalar() or 0
                       for m in (Action, ActionEvent, ActionParty))
    engine.dispose()
    return result  # type: ignore[return-value]


def test_sqlite_disk_full_is_answered_and_nothing_is_half_written(small_fs: Path, sqlite_template: Path) -> None:
    url = sqlite_on(small_fs, sqlite_template)
    app = App(Settings(database_url=url), clock=lambda: NOW)
    actor = Actor("console", "local")
    try:
        assert not app.handle("ny AU: Før disken ble full", actor, now=NOW).error
        before = counts(url)
        filler = fill(small_fs)
        # Several writes, each bigger than the last, until one needs a page the disk does not have.
        replies = [app.handle(f"ny AU: {'Stor tekst ' * 1800} {n}", actor, now=NOW) for n in range(12)]
        refused = [r for r in replies if r.error]
        assert refused, "the disk never filled up"
        assert all(FULL in " ".join(r.lines).lower() for r in refused), refused[0].lines
        stored = sum(1 for r in replies if not r.error)
        after = counts(url)
        # Whatever was refused left nothing: every stored action has its parties and its event.
        assert after == (before[0] + stored, before[1] + stored, before[2] + stored)
        filler.unlink()
        reply = app.handle("ny AU: Etter at det ble plass", actor, now=NOW)
        assert not reply.error, reply.lines
    finally:
        app.close()
    with contextlib.suppress(Exception):
        assert action_texts(url)[-1] == "Etter at det ble plass"


def test_sqlite_max_page_count_full(tmp_path: Path, sqlite_template: Path) -> None:
    """Where no file system can be mounted: SQLite's own size limit gives the same SQLITE_FULL."""
    url = sqlite_on(tmp_path, sqlite_template)
    app = App(Settings(database_url=url), clock=lambda: NOW)
    limit: dict[str, Any] = {"pages": None}

    @event.listens_for(app.engine, "connect")
    def cap(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        if limit["pages"] is not None:
            dbapi_conn.execute(f"PRAGMA max_page_count = {limit['pages']}")

    actor = Actor("console", "local")
    try:
        with app.engine.connect() as conn:
            limit["pages"] = conn.execute(text("PRAGMA page_count")).scalar()
        app.engine.dispose()  # new connections get the cap: the database is "full" as it is
        before = counts(url)
        reply = app.handle(f"ny AU: {'Ny tekst ' * 2000}", actor, now=NOW)
        assert reply.error and FULL in " ".join(reply.lines).lower(), reply.lines
        assert counts(url) == before
        limit["pages"] = None
        app.engine.dispose()
        assert not app.handle("ny AU: Med plass igjen", actor, now=NOW).error
    finally:
        app.close()
