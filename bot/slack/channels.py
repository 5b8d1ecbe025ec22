"""Whether the bot can post in a Slack channel, getting in where it may, and saying how to fix it where not.

- `join_public`: the deliverer's answer to `not_in_channel`. `conversations.join` (scope
  channels:join) lets the bot into a public channel; a private one answers
  `method_not_supported_for_channel_type` and only an invitation (`/invite @Oppfølging`) helps.
- `subscribe`: `/oppfølging abonner PART` typed in a channel, with the platform check around the
  handler's command: an archived channel is refused before anything is stored; after the
  subscription is stored, a public channel the bot is not in is joined, and a private one (which a
  bot token cannot even see) gets the subscription marked broken (`channel_state.mark_broken`) with
  a reply that says to invite the bot. Typing the command again after the invitation checks again
  and clears the mark (`channel_state.mark_ok`).

When a delivery to a subscribed channel fails for good, the reminder engine marks the subscription
broken and claims a direct message to the person who subscribed it (`handlers.reminders.failures`):
the channel itself cannot be told.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import App
from handlers import router
from handlers.core import registry
from handlers.core.catalog import t
from handlers.core.replies import Reply, error_reply
from handlers.reminders import channel_state
from storage.db import transaction

log = logging.getLogger(__name__)

PLATFORM = "slack"
SUBSCRIBE_COMMAND = "abonner"
API_ERRORS = (SlackApiError, TimeoutError, aiohttp.ClientError, OSError)


class Origin(Protocol):
    channel: str | None


class SlackService(Protocol):
    """What this module needs of `bot.slack.service.SlackService` (which imports this module)."""

    app: App
    client: AsyncWebClient

    async def handle(self, text: str, origin: Any, *, request_key: str | None = None) -> Reply: ...


@dataclass(frozen=True)
class Access:
    """What the bot may do in a channel: "member", "public" (not in it, may join), "private" (not in
    it and cannot join), "archived", or "unknown" (Slack did not say; nothing is concluded)."""

    state: str
    detail: str = ""


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("error") or "") if response is not None else exc.__class__.__name__


async def access(client: AsyncWebClient, channel: str) -> Access:
    """`conversations.info` for the bot. A private channel it is not in is invisible to it: channel_not_found."""
    try:
        info = await client.conversations_info(channel=channel)
    except API_ERRORS as exc:
        code = _code(exc)
        if code == "channel_not_found":
            return Access("private", code)
        log.warning("Slack conversations.info for %s failed: %s", channel, code)
        return Access("unknown", code)
    found = info.get("channel") or {}
    if found.get("is_archived"):
        return Access("archived")
    if found.get("is_member"):
        return Access("member")
    if found.get("is_private") or found.get("is_im") or found.get("is_mpim"):
        return Access("private")
    return Access("public")


async def join_public(client: AsyncWebClient, channel: str) -> bool:
    """Join a public channel; False (and why, in the log) when Slack refuses."""
    try:
        await client.conversations_join(channel=channel)
    except API_ERRORS as exc:
        log.warning("Slack conversations.join %s refused: %s", channel, _code(exc))
        return False
    log.warning("joined Slack channel %s to post there", channel)
    return True


def is_subscribe(text: str) -> bool:
    found, _ = registry.find(router.strip_prefix(text))
    return found is not None and found.name == SUBSCRIBE_COMMAND


async def subscribe(service: SlackService, origin: Origin, text: str, *, request_key: str | None) -> Reply:
    """`/oppfølging abonner …` with the channel check around it (see the module docstring)."""
    channel = origin.channel
    before = await access(service.client, channel) if channel else Access("unknown")
    if before.state == "archived":
        return error_reply(t("slack.channel.archived"))
    reply = await service.handle(text, origin, request_key=request_key)
    data = reply.data or {}
    if reply.error or not channel or data.get("platform") != PLATFORM or data.get("channel") != channel:
        return reply
    parties = " ".join(str(key) for key in data.get("subscribed") or [])
    state = before.state
    if state == "public":
        state = "joined" if await join_public(service.client, channel) else "private"
    if state == "unknown":
        return reply  # Slack did not answer: neither broken nor fine is known; the first delivery will tell
    now = service.app.clock()
    if state in ("member", "joined"):
        cleared = await asyncio.to_thread(_mark_ok, service, channel, now)
        if state == "joined":
            return _with_line(reply, t("slack.channel.joined"))
        return _with_line(reply, t("slack.channel.ok")) if cleared else reply
    await asyncio.to_thread(_mark_broken, service, channel, "not_in_channel", now)
    return _with_line(reply, t("slack.channel.invite", parties=parties))


def _with_line(reply: Reply, line: str) -> Reply:
    return replace(reply, lines=[*reply.lines, line])


def _mark_ok(service: SlackService, channel: str, now: datetime) -> int:
    with transaction(service.app.sessions) as session:
        return channel_state.mark_ok(session, PLATFORM, channel, now)


def _mark_broken(service: SlackService, channel: str, reason: str, now: datetime) -> None:
    with transaction(service.app.sessions) as session:
        channel_state.mark_broken(session, PLATFORM, channel, reason, now)
