"""Shared fixtures: real databases (a SQLite file per test; PostgreSQL when TEST_DATABASE_URL is set).

PostgreSQL tests run in a database created for this test session (so parallel runs on one server
do not meet), migrated once and emptied between tests.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.app import App
from bot.config import Settings
from handlers.core.context import Actor
from handlers.core.replies import Reply
from storage.db import make_engine, normalize_url
from storage.models import Base
from storage.setup import init_database
from tests.support.adaptive_cards import adaptive_card_guard  # noqa: F401  (autouse: Adaptive Cards schema)
from tests.support.block_kit import block_kit_guard  # noqa: F401  (autouse: Block Kit limits in every test)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Oslo

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    init_database(engine, NOW)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set")
    base = normalize_url(base)
    name = f"oppf_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    init_database(engine, NOW)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    init_database(engine, NOW)
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "oppfolging.sqlite"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "oppfolging.sqlite"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


class Bot:
    """Drives the handlers the way an adapter does, with a settable clock."""

    def __init__(self, app: App, now: datetime) -> None:
        self.app = app
        self.now = now

    def say(self, text: str, user: str | None = None, *, now: datetime | None = None, **actor: str) -> Reply:
        if user is None:
            who = Actor("console", "local", "lokal operatør")
        else:
            platform, _, external = user.partition(":") if ":" in user else ("console", "", user)
            who = Actor(platform, external, actor.get("name", external))
        return self.app.handle(text, who, now=now or self.now)

    def text(self, reply: Reply) -> str:
        from bot.console import render_text

        return render_text(reply)


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    application = App(Settings(database_url=db_url, admins=frozenset({"slack:UADMIN"})), clock=lambda: NOW)
    yield application
    application.close()


@pytest.fixture
def bot(app: App) -> Bot:
    return Bot(app, NOW)
