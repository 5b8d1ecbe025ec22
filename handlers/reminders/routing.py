"""Where a party listens: its subscribed channels, else direct messages to its members.

A group party (`fylkeskommunene`, `virkemiddelaktorene`) reaches its own destinations (channels
subscribed to the group, else people who joined the group itself) and each member party's
destinations, every destination once. Everything a sweep
needs is loaded in three queries up front (`Router.load`), never per action.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.parties import PartyResolver
from storage.models import ConversationRef, Membership, Party, Person, Setting, Subscription

OVERVIEW_SETTING = "overview_channel"


@dataclass(frozen=True)
class Destination:
    """One place a message goes. Only platform, address and kind make it the same destination."""

    platform: str  # "slack", "teams", "console"
    address: str  # channel id, Slack user id, Teams conversation id, console label
    kind: str = "channel"  # "channel" or "user" (a direct message)
    label: str = field(default="", compare=False, hash=False)

    @property
    def ref(self) -> str:
        return f"{self.platform}:{self.address}"


@dataclass(frozen=True)
class Route:
    destination: Destination
    party: str  # the concrete party (or group) whose subscription or membership this is
    via: str  # "subscription" or "member"


class Router:
    def __init__(self, session: Session, resolver: PartyResolver, today: date) -> None:
        self._session = session
        self._resolver = resolver
        self._today = today
        self._subscriptions: dict[str, list[Destination]] = {}
        self._members: dict[str, list[Destination]] = {}
        self._loaded: set[str] = set()

    def concrete(self, key: str) -> list[str]:
        try:
            return self._resolver.expand(key, self._today)
        except KeyError:
            return []

    def load(self, party_keys: Iterable[str]) -> None:
        """Fetch subscriptions and members of these parties and of their group members, in bulk."""
        wanted: set[str] = set()
        for key in party_keys:
            wanted.add(key)
            wanted.update(self.concrete(key))
        wanted -= self._loaded
        if not wanted:
            return
        self._loaded |= wanted
        rows = self._session.execute(
            select(Subscription.platform, Subscription.channel_id, Subscription.channel_name, Party.key)
            .join(Party, Party.id == Subscription.party_id)
            .where(Party.key.in_(sorted(wanted)))
            .order_by(Subscription.id)
        )
        for platform, channel, name, key in rows:
            self._subscriptions.setdefault(key, []).append(Destination(platform, channel, "channel", name))
        people = self._session.execute(
            select(Person, Party.key)
            .join(Membership, Membership.person_id == Person.id)
            .join(Party, Party.id == Membership.party_id)
            .where(Party.key.in_(sorted(wanted)))
            .order_by(Person.id)
        ).all()
        teams_ids = [person.id for person, _ in people if person.platform == "teams"]
        personal: dict[int, str] = {}
        if teams_ids:
            refs = self._session.execute(
                select(ConversationRef.person_id, ConversationRef.conversation_id)
                .where(
                    ConversationRef.platform == "teams",
                    ConversationRef.kind == "personal",
                    ConversationRef.person_id.in_(teams_ids),
                )
                .order_by(ConversationRef.updated_at)
            )
            for person_id, conversation in refs:
                personal[person_id] = conversation  # the newest wins
        for person, key in people:
            destination = _direct(person, personal)
            if destination is not None:
                self._members.setdefault(key, []).append(destination)

    def routes(self, party_key: str) -> list[Route]:
        """Destinations for one responsible party (a group fans out to its members)."""
        self.load([party_key])
        found: list[Route] = []
        seen: set[Destination] = set()

        def add(destination: Destination, party: str, via: str) -> None:
            if destination not in seen:
                seen.add(destination)
                found.append(Route(destination, party, via))

        if self._is_group(party_key):
            # The group itself listens like any party (its channels, else its own members) …
            for route in self.own_routes(party_key):
                add(route.destination, route.party, route.via)
        # … and so does each of its member parties.
        for key in self.concrete(party_key):
            channels = self._subscriptions.get(key, [])
            for destination in channels:
                add(destination, key, "subscription")
            if not channels:
                for destination in self._members.get(key, []):
                    add(destination, key, "member")
        return found

    def own_routes(self, party_key: str) -> list[Route]:
        """Destinations of the party itself, without fanning a group out to its members (digests:
        each member party gets its own digest, which already includes the group's actions)."""
        self.load([party_key])
        channels = self._subscriptions.get(party_key, [])
        if channels:
            return [Route(d, party_key, "subscription") for d in dict.fromkeys(channels)]
        return [Route(d, party_key, "member") for d in dict.fromkeys(self._members.get(party_key, []))]

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


def _direct(person: Person, personal: dict[int, str]) -> Destination | None:
    """A direct message to one person, where the platform lets the bot start one."""
    if person.platform == "slack":
        return Destination("slack", person.external_id, "user", person.label)
    if person.platform == "teams":
        # Only people who have a 1:1 conversation with the bot are reached (a proactive chat with
        # anyone else may be refused). The address is the Entra object id, as the Teams deliverer
        # expects for kind "user": it picks that person's newest personal conversation, so the
        # destination stays the same when Teams hands out a new conversation id.
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
