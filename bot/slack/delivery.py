"""Sending a reply nobody asked for (reminders, digests) to a Slack channel or a person.

The client already retries 429 (after `Retry-After`) and transient errors; what still fails is
raised as `DeliveryError` for the reminder engine's retry queue, never dropped. A reply longer than
one message is sent as several; when a later part fails, a retry in this process continues after
the parts already delivered instead of repeating them.

A channel the bot may not post in is named in `DeliveryError.code` (`not_in_channel`,
`channel_not_found`, `is_archived`) so the reminder engine can mark the subscription broken and use
the party's next route. Before that, `not_in_channel` (a public channel the bot is not in) is
answered by joining it (`conversations.join`, scope channels:join) and posting once more; a private
channel cannot be joined, it answers `channel_not_found` to a bot that is not in it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery import DeliveryError, Destination
from bot.slack.blocks import SlackMessage, render
from bot.slack.channels import join_public
from bot.slack.client import retry_after_seconds
from handlers.core.replies import Reply
from handlers.reminders import pacing

log = logging.getLogger(__name__)

# Errors that the same request will get again however often it is retried.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "not_authed", "account_inactive",
    "token_revoked", "token_expired", "user_not_found", "user_disabled", "cannot_dm_bot", "invalid_blocks",
    "invalid_blocks_format", "msg_too_long", "no_permission", "missing_scope", "restricted_action",
    "channel_is_archived", "team_access_not_granted", "no_text", "invalid_arguments", "users_not_found",
})

# The channel's own reasons, named in DeliveryError.code; Slack spells archived two ways.
CHANNEL_CODES = {"not_in_channel": "not_in_channel", "channel_not_found": "channel_not_found",
                 "is_archived": "is_archived", "channel_is_archived": "is_archived"}

MAX_PROGRESS = 1000


class SlackDeliverer:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        # (destination, content hash) -> (parts delivered, message id of the first part)
        self._progress: OrderedDict[tuple[str, str], tuple[int, str]] = OrderedDict()

    async def send(self, destination: Destination, reply: Reply) -> str:
        """Post `reply`; return "<channel>:<ts>" of its first message."""
        messages = render(reply)
        key = (f"{destination.kind}:{destination.address}", _digest(messages))
        done, first_id = self._progress.get(key, (0, ""))
        joined = False
        posted = 0  # messages posted by this call: the first waited for its turn in the runner
        try:
            channel = await self._channel(destination)
            while True:
                try:
                    for n, message in enumerate(messages):
                        if n < done:
                            continue
                        if posted:
                            await pacing.next_message()  # one message per second per channel, parts too
                        posted += 1
                        response = await self.client.chat_postMessage(
                            channel=channel, text=message.text, blocks=message.blocks, unfurl_links=False,
                            unfurl_media=False,
                        )
                        if n == 0:
                            first_id = f"{response.get('channel') or channel}:{response.get('ts')}"
                        done = n + 1
                        self._remember(key, done, first_id)
                    break
                except SlackApiError as exc:
                    # Once: a public channel the bot was never added to (or left) is joined, then posted in.
                    if joined or destination.kind == "user" or _error_code(exc) != "not_in_channel":
                        raise
                    joined = True
                    if not await join_public(self.client, channel):
                        raise
        except SlackApiError as exc:
            self._remember(key, done, first_id)
            raise self._error(destination, exc, done, len(messages)) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            self._remember(key, done, first_id)
            log.warning("Slack delivery to %s failed after %d of %d parts: %r", destination.address, done,
                        len(messages), exc)
            raise DeliveryError(f"Slack unreachable: {exc!r}") from exc
        self._progress.pop(key, None)
        return first_id

    async def _channel(self, destination: Destination) -> str:
        if destination.kind != "user":
            return destination.address
        opened = await self.client.conversations_open(users=destination.address)
        return str((opened.get("channel") or {}).get("id") or destination.address)

    def _remember(self, key: tuple[str, str], done: int, first_id: str) -> None:
        if done == 0:
            return
        self._progress[key] = (done, first_id)
        self._progress.move_to_end(key)
        while len(self._progress) > MAX_PROGRESS:
            self._progress.popitem(last=False)

    @staticmethod
    def _error(destination: Destination, exc: SlackApiError, done: int, total: int) -> DeliveryError:
        response = exc.response
        code = _error_code(exc)
        status = response.status_code if response is not None else 0
        retry_after = retry_after_seconds(dict(response.headers)) if response is not None and status == 429 else None
        permanent = code in PERMANENT_ERRORS
        log.warning("Slack delivery to %s (%s) failed after %d of %d parts: HTTP %s %s%s", destination.address,
                    destination.kind, done, total, status, code, " (permanent)" if permanent else "")
        return DeliveryError(f"Slack refused the message: {code or status}", retry_after=retry_after,
                             permanent=permanent, code=CHANNEL_CODES.get(code))


def _error_code(exc: SlackApiError) -> str:
    response = exc.response
    return str(response.get("error") or "") if response is not None else ""


def _digest(messages: list[SlackMessage]) -> str:
    raw = json.dumps([[m.text, m.blocks] for m in messages], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()
