"""Sending a reply in Slack: to a `response_url` (a command's or a click's) or into a conversation."""

from __future__ import annotations

import logging
from typing import Any

from bot.slack.blocks import SlackMessage, note_block, render
from bot.slack.client import webhook_client
from bot.slack.origin import Service
from bot.slack.usergroups import API_ERRORS
from handlers.core.replies import Reply

log = logging.getLogger(__name__)


def response_type(reply: Reply) -> str:
    return "ephemeral" if reply.private or reply.error else "in_channel"


async def send_to_url(
    service: Service, url: str | None, messages: list[SlackMessage], *, kind: str | None = None,
    replace_original: bool | None = None,
) -> None:
    """Post to a `response_url` (a command's or a click's); later parts never replace the first."""
    if not url:
        log.warning("no response_url to answer on; reply dropped: %s", messages[0].text if messages else "")
        return
    client = webhook_client(url, service.sleep)
    for n, message in enumerate(messages):
        payload: dict[str, Any] = {"text": message.text, "blocks": message.blocks}
        if kind:
            payload["response_type"] = kind
        if replace_original is not None:
            payload["replace_original"] = replace_original if n == 0 else False
        try:
            response = await client.send_dict(payload)
        except API_ERRORS as exc:
            log.warning("answer to Slack response_url failed: %r", exc)
            return
        if response.status_code != 200:
            log.warning("answer to Slack response_url refused: HTTP %s %s", response.status_code, response.body)
            return


async def respond(
    service: Service, url: str | None, reply: Reply, *, source: str | None = None, kind: str | None = None,
    replace_original: bool | None = None, note: str | None = None,
) -> None:
    messages = render(reply, source=source)
    if note:
        messages[0].blocks.insert(0, note_block(note))
    await send_to_url(service, url, messages, kind=kind or response_type(reply), replace_original=replace_original)


async def post(
    service: Service, channel: str | None, reply: Reply, *, private_to: str | None = None,
    thread_ts: str | None = None, source: str | None = None,
) -> None:
    """Post in a conversation: to everyone, or only to `private_to` (an ephemeral message)."""
    if not channel:
        return
    for message in render(reply, source=source):
        kwargs: dict[str, Any] = {"channel": channel, "text": message.text, "blocks": message.blocks}
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        try:
            if private_to:
                await service.client.chat_postEphemeral(user=private_to, **kwargs)
            else:
                await service.client.chat_postMessage(unfurl_links=False, **kwargs)
        except API_ERRORS as exc:
            log.warning("Slack message to %s failed: %r", channel, exc)
            return
