"""Who is asking, when, from where, and through which database session.

Adapters build a `Context` per request; use cases read everything they need from it, so they never
look at the platform or the wall clock themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.clock import DEFAULT_TZ, as_utc, local_date
from handlers.parties.resolver import PartyResolver
from storage import people
from storage.models import Party, Person
from storage.registry import REGISTRY, PartyInfo

if TYPE_CHECKING:
    from handlers.overview.links import LinkSettings

LOCAL_OPERATOR = "local"


@dataclass(frozen=True)
class Actor:
    """A user as the platform names them: ("slack", "U123"), ("teams", "<Entra object id>"), ("console", "local")."""

    platform: str
    external_id: str
    display_name: str = ""

    @property
    def ref(self) -> str:
        return f"{self.platform}:{self.external_id}"


@dataclass
class Context:
    session: Session
    actor: Actor
    now: datetime
    tz: ZoneInfo = DEFAULT_TZ
    # Where the command was typed: a channel or conversation id (subscriptions are per channel).
    channel: str | None = None
    channel_name: str = ""
    # "platform:id" of configured admins (OPPFOLGING_ADMINS); admins can also be set in the database.
    admins: frozenset[str] = frozenset()
    # Party keys the platform says this user belongs to (e.g. Slack user groups mapped to parties).
    platform_parties: tuple[str, ...] = ()
    # The platform's id for this request; retries with the same id never create anything twice.
    request_key: str | None = None
    # Where the change came from in the history: console, slack, teams, import, scheduler.
    source: str = field(default="")
    # The kind of conversation, where the platform has kinds (Teams: personal, groupChat, channel). Texts
    # show commands the way they are typed there (handlers.core.command_text).
    conversation_kind: str = ""
    # How overview links are made (public host, lifetime, key); None where the bot is not configured.
    overview_links: LinkSettings | None = None

    def __post_init__(self) -> None:
        self.now = as_utc(self.now)
        if not self.source:
            self.source = self.actor.platform

    @property
    def today(self) -> date:
        return local_date(self.now, self.tz)

    @property
    def naive_now(self) -> datetime:
        """`now` as the naive UTC value the database stores."""
        return self.now.replace(tzinfo=None)

    @cached_property
    def person(self) -> Person:
        return people.get_or_create(self.session, self.actor.platform, self.actor.external_id,
                                    self.actor.display_name, self.naive_now)

    @property
    def is_admin(self) -> bool:
        if self.actor.platform == "console" and self.actor.external_id == LOCAL_OPERATOR:
            return True
        return self.actor.ref in self.admins or self.person.is_admin

    @cached_property
    def resolver(self) -> PartyResolver:
        """The registry (code) plus the ad-hoc groups users created (database)."""
        rows = self.session.scalars(select(Party).where(Party.kind == "adhoc")).all()
        return PartyResolver([*REGISTRY, *(party_info(row) for row in rows)])

    def party_row(self, key: str) -> Party:
        row = self.session.scalar(select(Party).where(Party.key == key))
        if row is None:
            raise LookupError(key)
        return row

    @cached_property
    def my_party_keys(self) -> tuple[str, ...]:
        keys = people.party_keys(self.session, self.person)
        for key in self.platform_parties:
            if key not in keys:
                keys.append(key)
        return tuple(keys)


def party_info(row: Party) -> PartyInfo:
    return PartyInfo(
        key=row.key,
        name=row.name,
        kind=row.kind,
        short=row.short or row.name,
        aliases=tuple(row.aliases or ()),
        members=tuple(row.members or ()),
        valid_from=row.valid_from,
        valid_to=row.valid_to,
    )
