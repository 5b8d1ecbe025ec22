"""Party membership from Slack user groups (`SLACK_USERGROUP_PARTIES`, e.g. `au=au`), and display names.

The members of the mapped groups are read with `usergroups.list` and `usergroups.users.list` and
kept for a few minutes, so a click does not wait on the Web API; when Slack cannot be reached the
last known members are used (and nobody gains rights from a group that was never read).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

Clock = Callable[[], float]

# What a Web API call can fail with besides a bug: the call is skipped, never the user's request.
API_ERRORS = (SlackApiError, aiohttp.ClientError, OSError, asyncio.TimeoutError)


class UsergroupParties:
    def __init__(
        self, client: AsyncWebClient, mapping: tuple[tuple[str, str], ...], *, ttl: float = 300.0,
        retry_after_failure: float = 30.0, clock: Clock = time.monotonic,
    ) -> None:
        self.client = client
        # handle (lower case, no "@") -> party key
        self.mapping = {handle.lower().lstrip("@"): key for handle, key in mapping}
        self.ttl = ttl
        self.retry_after_failure = retry_after_failure
        self.clock = clock
        self._members: dict[str, frozenset[str]] = {}  # party key -> user ids
        self._next_refresh = 0.0
        self._refreshing: asyncio.Future[None] | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.mapping)

    async def parties_of(self, user_id: str, *, wait: float = 1.5) -> tuple[str, ...]:
        """The mapped parties `user_id` belongs to; waits at most `wait` seconds for a refresh."""
        if not self.enabled:
            return ()
        if self.clock() >= self._next_refresh and (self._refreshing is None or self._refreshing.done()):
            self._refreshing = asyncio.ensure_future(self._refresh())
        if self._refreshing is not None and not self._refreshing.done():
            # Shielded: a slow Slack delays this request a little, but the refresh goes on for the next ones.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._refreshing), wait)
        return tuple(sorted(key for key, users in self._members.items() if user_id in users))

    async def _refresh(self) -> None:
        try:
            self._members = await self._fetch()
            self._next_refresh = self.clock() + self.ttl
        except API_ERRORS as exc:
            log.warning("Slack user groups could not be read (%s); using the last known members", exc)
            self._next_refresh = self.clock() + self.retry_after_failure

    async def _fetch(self) -> dict[str, frozenset[str]]:
        listing = await self.client.usergroups_list(include_disabled=False)
        members: dict[str, set[str]] = {}
        for group in listing.get("usergroups") or []:
            key = self.mapping.get(str(group.get("handle", "")).lower())
            if key is None:
                continue
            users = await self.client.usergroups_users_list(usergroup=group["id"])
            members.setdefault(key, set()).update(users.get("users") or [])
        missing = set(self.mapping) - {str(g.get("handle", "")).lower() for g in listing.get("usergroups") or []}
        if missing:
            log.warning("Slack user groups not found: %s (check SLACK_USERGROUP_PARTIES)", ", ".join(sorted(missing)))
        return {key: frozenset(users) for key, users in members.items()}


class DisplayNames:
    """A user's real name for the history, from `users.info`, kept for an hour."""

    def __init__(self, client: AsyncWebClient, *, ttl: float = 3600.0, clock: Clock = time.monotonic) -> None:
        self.client = client
        self.ttl = ttl
        self.clock = clock
        self._names: dict[str, tuple[str, float]] = {}

    async def name(self, user_id: str, fallback: str = "") -> str:
        cached = self._names.get(user_id)
        if cached and cached[1] > self.clock():
            return cached[0] or fallback
        try:
            info = await self.client.users_info(user=user_id)
        except API_ERRORS as exc:
            log.info("users.info failed for %s: %s", user_id, exc)
            return cached[0] if cached and cached[0] else fallback
        user = info.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("real_name") or user.get("real_name") or profile.get("display_name") or user.get("name") or ""
        if len(self._names) > 10_000:
            self._names.clear()  # a crude bound; names are cheap to fetch again
        self._names[user_id] = (name, self.clock() + self.ttl)
        return name or fallback
