"""Where a party listens, in the order DESIGN.md gives ("How a party is reached"):

1. the channels subscribed to the party (a subscription marked broken is skipped);
2. else the party's people: those who joined it (`medlem`) and its roster people matched to a chat
   user, each by direct message — Teams people only with a usable (not retired) 1:1 conversation;
3. by e-mail: roster people nobody can reach in chat, and anyone who chose e-mail (`varsling`):
   "email" instead of chat, "both" in addition to it.

An address whose delivery failed for good (`DeliveryHealth.failing`) is skipped, so a person whose
chat failed is reached by e-mail. A group party (`fylkeskommunene`, `virkemiddelaktorene`) reaches
its own destinations and each member party's, every destination once. Everything a sweep needs is
loaded in a few bulk queries up front (`Router.load`), never per action.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.parties.resolver import PartyResolver
from storage.models import (
    ConversationRef,
    DeliveryHealth,
    Membership,
    Party,
    Person,
    RosterEntry,
    Setting,
    Subscription,
)

OVERVIEW_SETTING = "overview_channel"
EMAIL = "email"


@dataclass(frozen=True)
class Destination:
    """One place a message goes. Only platform, address and kind make it the same destination."""

    platform: str  # "slack", "teams", "console", "email"
    address: str  # channel id, Slack user id, Teams object id, console label, e-mail address
    kind: str = "channel"  # "channel" or "user" (a direct message or an e-mail to one person)
    label: str = field(default="", compare=False, hash=False)

    @property
    def ref(self) -> str:
        return f"{self.platform}:{self.address}"


@dataclass(frozen=True)
class Route:
    destination: Destination
    party: str  # the concrete party (or group) whose subscription, member or roster entry this is
    via: str  # "subscription", "member", "roster", "email" (or "overview" for the escalation fallback)


@dataclass
class _Someone:
    """One person of a party as routing sees them: a chat user, a roster line, or both."""

    person: Person | None = None
    email: str = ""
    name: str = ""
    via: str = "member"  # member: joined the party; roster: on the party's roster


class Router:
    def __init__(self, session: Session, resolver: PartyResolver, today: date) -> None:
        self._session = session
        self._resolver = resolver
        self._today = today
        self._subscriptions: dict[str, list[Destination]] = {}
        self._people: dict[str, list[Route]] = {}
        self._failing: set[tuple[str, str]] | None = None
        self._loaded: set[str] = set()

    def concrete(self, key: str) -> list[str]:
        try:
            return self._resolver.expand(key, self._today)
        except KeyError:
            return []

    def failing(self) -> set[tuple[str, str]]:
        """(platform, address) of every destination that failed for good (few rows: one query)."""
        if self._failing is None:
            self._failing = {
                (platform, address)
                for platform, address in self._session.execute(
                    select(DeliveryHealth.platform, DeliveryHealth.address).where(DeliveryHealth.failing.is_(True))
                )
            }
        return self._failing

    def load(self, party_keys: Iterable[str]) -> None:
        """Fetch subscriptions, members and roster people of these parties and their group members, in bulk."""
        wanted: set[str] = set()
        for key in party_keys:
            wanted.add(key)
            wanted.update(self.concrete(key))
        wanted -= self._loaded
        if not wanted:
            return
        self._loaded |= wanted
        keys = sorted(wanted)
        failing = self.failing()
        rows = self._session.execute(
            select(Subscription.platform, Subscription.channel_id, Subscription.channel_name, Party.key)
            .join(Party, Party.id == Subscription.party_id)
            .where(Party.key.in_(keys), Subscription.broken_at.is_(None))
            .order_by(Subscription.id)
        )
        for platform, channel, name, key in rows:
            if (platform, channel) not in failing:
                self._subscriptions.setdefault(key, []).append(Destination(platform, channel, "channel", name))
        people: dict[str, dict[object, _Someone]] = {}
        members = self._session.execute(
            select(Person, Party.key)
            .join(Membership, Membership.person_id == Person.id)
            .join(Party, Party.id == Membership.party_id)
            .where(Party.key.in_(keys))
            .order_by(Person.id)
        ).all()
        for person, key in members:
            people.setdefault(key, {})[person.id] = _Someone(person, (person.email or "").lower(), person.label)
        roster = self._session.execute(
            select(RosterEntry, Party.key, Person)
            .join(Party, Party.id == RosterEntry.party_id)
            .outerjoin(Person, Person.id == RosterEntry.person_id)
            .where(Party.key.in_(keys), RosterEntry.removed_at.is_(None))
            .order_by(RosterEntry.id)
        ).all()
        for entry, key, person in roster:
            found = people.setdefault(key, {})
            if person is not None and person.id in found:
                found[person.id].email = found[person.id].email or entry.email
                continue
            found[person.id if person is not None else f"roster:{entry.id}"] = _Someone(
                person, (person.email if person is not None and person.email else entry.email).lower(),
                person.label if person is not None else entry.name, "roster")
        teams_ids = sorted({s.person.id for found in people.values() for s in found.values()
                            if s.person is not None and s.person.platform == "teams"})
        personal: set[int] = set()
        if teams_ids:
            personal = set(self._session.scalars(
                select(ConversationRef.person_id).where(
                    ConversationRef.platform == "teams",
                    ConversationRef.kind == "personal",
                    ConversationRef.retired_at.is_(None),
                    ConversationRef.person_id.in_(teams_ids),
                )
            ))
        for key, found in people.items():
            routes = self._people.setdefault(key, [])
            for someone in found.values():
                routes.extend(_person_routes(someone, key, personal, failing))

    def routes(self, party_key: str) -> list[Route]:
        """Destinations for one responsible party (a group fans out to its members)."""
        self.load([party_key])
        found: list[Route] = []
        seen: set[Destination] = set()

        def add(route: Route) -> None:
            if route.destination not in seen:
                seen.add(route.destination)
                found.append(route)

        if self._is_group(party_key):
            # The group itself listens like any party (its channels, else its own people) …
            for route in self.own_routes(party_key):
                add(route)
        # … and so does each of its member parties.
        for key in self.concrete(party_key):
            for route in self._own(key):
                add(route)
        return found

    def own_routes(self, party_key: str) -> list[Route]:
        """Destinations of the party itself, without fanning a group out to its members (digests:
        each member party gets its own digest, which already includes the group's actions)."""
        self.load([party_key])
        return self._own(party_key)

    def people(self, key: str) -> list[Route]:
        """The party's own people, in chat and by e-mail, whether or not a channel subscribes (`dekning`)."""
        self.load([key])
        return list(self._people.get(key, []))

    def _own(self, key: str) -> list[Route]:
        channels = self._subscriptions.get(key, [])
        if channels:
            return [Route(d, key, "subscription") for d in dict.fromkeys(channels)]
        unique: dict[Destination, Route] = {}
        for route in self._people.get(key, []):
            unique.setdefault(route.destination, route)
        return list(unique.values())

    def routes_for(self, party_keys: Iterable[str]) -> list[Route]:
        """Destinations for an action with several responsible parties, each destination once."""
        keys = list(party_keys)
        self.load(keys)
        found: list[Route] = []
        seen: set[Destination] = set()
        for key in keys:
            for route in self.routes(key):
                if route.destination not in seen:
                    seen.add(route.destination)
                    found.append(route)
        return found

    def _is_group(self, key: str) -> bool:
        info = self._resolver.get(key)
        return info is not None and info.kind == "group"


def _person_routes(someone: _Someone, party: str, personal: set[int],
                   failing: set[tuple[str, str]]) -> list[Route]:
    """Chat and/or e-mail for one person, by their choice; e-mail when chat cannot reach them."""
    chat = _direct(someone.person, personal) if someone.person is not None else None
    if chat is not None and (chat.platform, chat.address) in failing:
        chat = None
    mail = None
    if someone.email and (EMAIL, someone.email) not in failing:
        mail = Destination(EMAIL, someone.email, "user", someone.name)
    choice = someone.person.notify_via if someone.person is not None else "chat"
    out: list[Route] = []
    if chat is not None and choice in ("chat", "both", None, ""):
        out.append(Route(chat, party, someone.via))
    elif chat is not None and mail is None:
        out.append(Route(chat, party, someone.via))  # chose e-mail but none is known: chat beats silence
    if mail is not None and (choice in ("email", "both") or chat is None):
        out.append(Route(mail, party, EMAIL))
    return out


def _direct(person: Person | None, personal: set[int]) -> Destination | None:
    """A direct message to one person, where the platform lets the bot start one."""
    if person is None:
        return None
    if person.platform == "slack":
        return Destination("slack", person.external_id, "user", person.label)
    if person.platform == "teams":
        # Only people who have a usable 1:1 conversation with the bot are reached (a proactive chat
        # with anyone else may be refused). The address is the Entra object id, as the Teams
        # deliverer expects for kind "user": it picks that person's newest personal conversation,
        # so the destination stays the same when Teams hands out a new conversation id.
        return Destination("teams", person.external_id, "user", person.label) if person.id in personal else None
    if person.platform == "console":
        return Destination("console", person.external_id, "user", person.label)
    return None


def overview_destination(session: Session, fallback: Destination | None = None) -> Destination | None:
    """The secretariat/AU channel for the weekly overview: the chat setting, else configuration."""
    row = session.get(Setting, OVERVIEW_SETTING)
    value = row.value if row is not None else None
    if isinstance(value, dict) and value.get("platform") and value.get("channel"):
        return Destination(value["platform"], value["channel"], "channel", value.get("name", ""))
    return fallback


def parse_destination(text: str | None) -> Destination | None:
    """`slack:C0123` or `teams:19:abc@thread.tacv2` (configuration) → a channel destination."""
    if not text or ":" not in text:
        return None
    platform, _, address = text.strip().partition(":")
    if not platform or not address:
        return None
    return Destination(platform.lower(), address, "channel", address)
