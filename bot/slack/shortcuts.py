"""Slack shortcuts: "Lag oppfølgingspunkt" on a message and "Nytt oppfølgingspunkt" from anywhere.

The message shortcut (`message_action`) opens the new-action form prefilled from the message
(`handlers.actions.capture.prefill_form`) and keeps the message's permalink (`chat.getPermalink`)
with the action. A message the bot cannot see (a private conversation it is not in, a deleted
message) gets a Norwegian explanation and nothing is saved. The global shortcut (`shortcut`) opens
the empty form. Both modals submit here (`CAPTURE_CALLBACK`), so that the duplicate guard can show
the form again with its "Lagre likevel" choice (`response_action: update`).
Payloads: https://api.slack.com/reference/interaction-payloads/shortcuts
"""

from __future__ import annotations

import logging
from typing import Any

from bot.slack import markup
from bot.slack.blocks import mrkdwn
from bot.slack.listeners import guarded, open_modal, replayed
from bot.slack.modals import errors_for, form_view, read_metadata, submitted_values
from bot.slack.origin import Origin, Service
from bot.slack.sending import post, respond
from bot.slack.usergroups import API_ERRORS
from handlers import router
from handlers.actions.capture import prefill_form
from handlers.core.catalog import t
from handlers.core.replies import Form, Reply, error_reply

log = logging.getLogger(__name__)

MESSAGE_SHORTCUT = "lag_oppfolgingspunkt"
GLOBAL_SHORTCUT = "nytt_oppfolgingspunkt"
CAPTURE_CALLBACK = "oppf_capture"


def capture_view(form: Form, *, response_url: str | None, channel: str | None,
                 notice: list[str] | None = None) -> dict[str, Any]:
    view = form_view(form, response_url=response_url, channel=channel)
    view["callback_id"] = CAPTURE_CALLBACK
    if notice:
        view["blocks"].insert(0, {"type": "section", "text": mrkdwn("\n".join(notice)[:3000])})
    return view


def _origin(body: dict[str, Any]) -> Origin:
    user = body.get("user") or {}
    channel = body.get("channel") or {}
    return Origin(str(user.get("id") or ""), str(user.get("name") or user.get("username") or ""),
                  channel.get("id"), str(channel.get("name") or ""))


async def _permalink(service: Service, channel: str | None, ts: str | None) -> str | None:
    if not channel or not ts:
        return None
    try:
        response = await service.client.chat_getPermalink(channel=channel, message_ts=ts)
    except API_ERRORS as exc:
        log.info("chat.getPermalink refused (%r): the bot cannot see the message", exc)
        return None
    return str(response.get("permalink") or "") or None


async def from_message(service: Service, body: dict[str, Any]) -> None:
    origin = _origin(body)
    url = body.get("response_url")
    message = body.get("message") or {}
    link = await _permalink(service, origin.channel, message.get("ts"))
    if link is None:
        await respond(service, url, error_reply(t("capture.message_unreadable")), kind="ephemeral",
                      replace_original=False)
        return
    # Files, images and bot cards carry no text: the form opens empty, with the link kept.
    text = await markup.plain_text(str(message.get("text") or ""), service.names.name)
    reply = await service.handle("", origin, run=lambda ctx: Reply(
        form=prefill_form(ctx, text, channel_name=origin.channel_name, link=link)))
    await _open(service, body, reply, url, origin)


async def empty_form(service: Service, body: dict[str, Any]) -> None:
    origin = _origin(body)
    reply = await service.handle("", origin, run=lambda ctx: Reply(form=prefill_form(ctx, "")))
    await _open(service, body, reply, None, origin)


async def _open(service: Service, body: dict[str, Any], reply: Reply, url: str | None, origin: Origin) -> None:
    if reply.form is None or reply.error:
        await _tell(service, url, origin, reply)
        return
    view = capture_view(reply.form, response_url=url, channel=origin.channel)
    if not await open_modal(service, body.get("trigger_id"), view):
        await _tell(service, url, origin, error_reply(t("capture.form_failed")))


async def _tell(service: Service, url: str | None, origin: Origin, reply: Reply) -> None:
    if url:
        await respond(service, url, reply, kind="ephemeral", replace_original=False)
    else:
        await post(service, origin.user, reply)


def register(service: Service) -> None:
    bolt = service.bolt

    async def on_message_shortcut(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        await guarded(from_message(service, body), body.get("response_url"), service)

    async def on_global_shortcut(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        await guarded(empty_form(service, body), None, service)

    async def on_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = read_metadata(view)
        form_context = meta.get("x") if isinstance(meta.get("x"), dict) else {}
        values = submitted_values(view)
        user = body.get("user") or {}
        origin = Origin(str(user.get("id") or ""), str(user.get("name") or ""), meta.get("c"))
        if await replayed():  # this answer needs the handler's result, so the check comes first here
            await ack()
            return
        reply = await service.handle(
            "", origin, run=lambda ctx: router.submit_form(ctx, str(meta.get("f") or "new_action"), values,
                                                           form_context),
            request_key=f"view:{view.get('id')}:{view.get('hash', '')}",
        )
        if reply.error and reply.form is not None:  # the duplicate guard: the form again, with the choice
            await ack(response_action="update", view=capture_view(
                reply.form, response_url=meta.get("r"), channel=meta.get("c"), notice=[reply.title, *reply.lines]))
            return
        errors = errors_for(reply, view) if reply.error else {}
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        url = meta.get("r")
        if url:  # the message's conversation: a new action is shown there, as a typed `ny` is
            await guarded(respond(service, url, reply, replace_original=False), url, service)
        else:  # the global shortcut has no conversation: the person is told directly
            await guarded(post(service, origin.user, reply), None, service)

    bolt.message_shortcut(MESSAGE_SHORTCUT)(on_message_shortcut)
    bolt.shortcut(GLOBAL_SHORTCUT)(on_global_shortcut)
    bolt.view(CAPTURE_CALLBACK)(on_submit)
