"""The running bot's shared parts: settings, database engine, and one way to run an input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from handlers import router
from handlers.core.context import Actor, Context
from handlers.core.replies import Reply
from handlers.overview.links import LinkSettings
from storage.db import make_engine, session_factory


@dataclass
class App:
    settings: Settings
    # Tests and the CLI pass a fixed clock (`--now`); the service reads the wall clock.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    @cached_property
    def overview_links(self) -> LinkSettings:
        return LinkSettings(public_host=self.settings.public_host,
                            ttl=timedelta(hours=self.settings.overview_link_hours),
                            secret=self.settings.secret_key)

    def handle(
        self,
        text: str,
        actor: Actor,
        *,
        now: datetime | None = None,
        configure: Callable[[Context], None] | None = None,
        run: Callable[[Context], Reply] | None = None,
    ) -> Reply:
        admins = self.settings.admins
        overview_links = self.overview_links

        def setup(ctx: Context) -> None:
            ctx.admins = admins
            ctx.overview_links = overview_links
            if configure is not None:
                configure(ctx)

        return router.handle(
            self.sessions, text, actor, now or self.clock(), tz=self.settings.timezone, configure=setup, run=run
        )

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
