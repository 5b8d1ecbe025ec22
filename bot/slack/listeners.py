"""slack-bolt listeners: slash commands, buttons, modal submissions, App Home, mentions and DMs.

Each listener acknowledges at once (Slack allows three seconds), runs the text or click through
the handlers as the Slack user, and renders the reply. Modal submissions too: checks that need
nothing but the submission answer on the fields in the acknowledgement; the rest runs after it,
and the modal is then updated with the handler's field errors or a receipt (bot.slack.modals).

Where a reply goes:
- a command's reply goes to its `response_url`: privately when the reply says so (lists, errors),
  to the channel when it is a change;
- a click that changes an action updates the message in place: in a channel message the item's
  blocks are replaced; a private list is rendered again from the command that produced it; in App
  Home the view is published again; a refused click is answered privately with the reason.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
from collections.abc import Awaitable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from bot.slack import channels, event_claims, files, markup
from bot.slack.blocks import (
    BUTTON_ACTION_PREFIX,
    Block,
    ButtonValue,
    SlackMessage,
    escape,
    replace_item,
)
from bot.slack.home import (
    DEFAULT_SOURCE,
    OVERVIEW_ACTION,
    home_reply,
    home_source,
    home_view,
    shown_in_home,
)
from bot.slack.kept_blocks import keep_blocks, take_blocks
from bot.slack.modals import (
    ASK_CALLBACK,
    ASK_FIELD,
    FORM_CALLBACK,
    ask_view,
    errors_for,
    form_again,
    form_view,
    local_errors,
    read_metadata,
    receipt_view,
    saving_view,
    submitted_values,
)
from bot.slack.origin import Origin, Service
from bot.slack.sending import post, respond, send_to_url
from bot.slack.usergroups import API_ERRORS
from handlers import router
from handlers.core.catalog import t
from handlers.core.replies import Button, Reply, error_reply

log = logging.getLogger(__name__)
# The replay check of the HTTP request being handled (set by bot.slack.service, read after the ack;
# unset in Socket Mode, where Slack's own envelope ids are the protection).
REPLAY_CHECK: ContextVar[asyncio.Future[bool] | None] = ContextVar("slack_replay_check", default=None)
# Done once slack-bolt has handed the acknowledgement back to the HTTP server (bot.slack.service):
# the work after the ack starts only then, so in a burst it never holds up the next ack.
ACKED: ContextVar[asyncio.Future[None] | None] = ContextVar("slack_acked", default=None)

COMMANDS = ("/oppfølging", "/oppfolging")


# --- small helpers -----------------------------------------------------------------------------


def form_fallback(reply: Reply, text: str) -> Reply:
    """Where no modal can be opened (a mention, a DM, an expired trigger): a button that opens it."""
    command = router.strip_prefix(text) or "ny"
    return Reply(title=reply.title, lines=[*reply.lines, t("slack.form_hint")],
                 buttons=[Button(t("slack.open_form"), command, style="primary")])


def summary(reply: Reply) -> str:
    parts = [reply.title, *reply.lines] if reply.error else [reply.title or (reply.lines[:1] or [""])[0]]
    text = " ".join(p for p in parts if p)
    return f"⚠️ {text}" if reply.error else text


def origin_of(body: dict[str, Any], channel: str | None = None) -> Origin:
    user = body.get("user") or {}
    conversation = body.get("channel") or {}
    container = body.get("container") or {}
    return Origin(
        user=str(user.get("id") or ""),
        user_name=str(user.get("name") or user.get("username") or ""),
        channel=channel or conversation.get("id") or container.get("channel_id"),
        channel_name=str(conversation.get("name") or ""),
    )


@dataclass
class Place:
    """Where a clicked button was: a message (private or not) or App Home."""

    response_url: str | None = None
    channel: str | None = None
    ts: str | None = None
    ephemeral: bool = False
    home: bool = False
    blocks: list[Block] | None = None  # the message as Slack sent it (never for private messages)
    text: str = ""

    @classmethod
    def of(cls, body: dict[str, Any]) -> Place:
        container = body.get("container") or {}
        view = body.get("view") or {}
        message = body.get("message") or {}
        return cls(
            response_url=body.get("response_url"),
            channel=container.get("channel_id") or (body.get("channel") or {}).get("id"),
            ts=container.get("message_ts"),
            ephemeral=bool(container.get("is_ephemeral")),
            home=container.get("type") == "view" and view.get("type") == "home",
            blocks=message.get("blocks") if message else None,
            text=str(message.get("text") or ""),
        )

    def metadata(self) -> dict[str, Any]:
        return {"r": self.response_url, "c": self.channel, "ts": self.ts, "e": self.ephemeral, "h": self.home}

    @classmethod
    def from_metadata(cls, data: dict[str, Any], blocks: list[Block] | None) -> Place:
        return cls(response_url=data.get("r"), channel=data.get("c"), ts=data.get("ts"),
                   ephemeral=bool(data.get("e")), home=bool(data.get("h")), blocks=blocks)


# --- sending ------------------------------------------------------------------------------------


async def update_message(service: Service, place: Place, blocks: list[Block]) -> None:
    if place.response_url:
        await send_to_url(service, place.response_url, [SlackMessage(place.text or t("slack.fallback"), blocks)],
                          replace_original=True)
    elif place.channel and place.ts:
        try:
            await service.client.chat_update(channel=place.channel, ts=place.ts, text=place.text, blocks=blocks)
        except API_ERRORS as exc:
            log.warning("chat.update failed: %r", exc)


async def publish_home(service: Service, origin: Origin, notice: str | None = None,
                       source: str = DEFAULT_SOURCE) -> None:
    """Publish Home showing `source` (a read-only command: "mine", "mine side 2", "neste møte" …)."""
    source = home_source(source)
    reply = await service.handle("", origin, run=home_reply(source))
    try:
        await service.client.views_publish(user_id=origin.user, view=home_view(reply, notice, source))
    except API_ERRORS as exc:
        log.warning("views.publish for %s failed: %r", origin.user, exc)


async def open_modal(service: Service, trigger_id: str | None, view: dict[str, Any]) -> str | None:
    """views.open; the new view's id, or None when Slack refused (e.g. the trigger expired)."""
    if not trigger_id:
        return None
    try:
        response = await service.client.views_open(trigger_id=trigger_id, view=view)
    except API_ERRORS as exc:
        log.warning("views.open failed: %r", exc)
        return None
    return str((response.get("view") or {}).get("id") or "")


# --- after a click or an "ask" modal ------------------------------------------------------------


async def after_click(service: Service, reply: Reply, value: ButtonValue, place: Place, origin: Origin) -> None:
    if place.home:  # shown again where the click was: the same page of the same list
        await publish_home(service, origin, notice=summary(reply), source=home_source(value.source))
        return
    if reply.error:
        await respond(service, place.response_url, reply, kind="ephemeral", replace_original=False)
        return
    source = router.read_only_source(value.command)
    if reply.private:  # a read: details, another page, or "that was already done"
        if value.item is None and place.ephemeral:
            await respond(service, place.response_url, reply, source=source, kind="ephemeral", replace_original=True)
        else:
            await respond(service, place.response_url, reply, source=source, kind="ephemeral", replace_original=False)
        return
    await show_change(service, reply, value, place, origin)


async def show_change(service: Service, reply: Reply, value: ButtonValue, place: Place, origin: Origin) -> None:
    note = t("slack.changed_by", what=escape(reply.title), user=origin.user)
    if place.blocks is not None:
        item = next((i for i in reply.items if i.id == value.item), None)
        patched = replace_item(place.blocks, item, note, value.source) if item is not None else None
        if patched is not None:
            await update_message(service, place, patched)
        else:
            await respond(service, place.response_url, reply, kind="in_channel", replace_original=False)
        return
    if place.ephemeral and value.source:
        refreshed = await service.handle(value.source, origin, run=router.read_only(value.source))
        if not refreshed.error:
            await respond(service, place.response_url, refreshed, source=value.source, kind="ephemeral",
                          replace_original=True, note=note)
            return
    if place.ephemeral:
        await respond(service, place.response_url, reply, kind="ephemeral", replace_original=True)
    else:  # a channel message we no longer have (e.g. a digest): never overwrite it with one item
        await respond(service, place.response_url, reply, kind="in_channel", replace_original=False)


# --- the listeners ------------------------------------------------------------------------------


async def replayed() -> bool:
    """Whether the HTTP request being handled is a replay (see `guarded`)."""
    check = REPLAY_CHECK.get(None)
    return check is not None and await check


async def guarded(work: Awaitable[None], url: str | None, service: Service) -> None:
    """Run the part after the acknowledgement; a bug costs the user an apology, never silence.

    A replayed request (its signature seen before, checked beside the ack) was acknowledged so
    that its sender stops, but nothing runs a second time.
    """
    acked = ACKED.get(None)
    if acked is not None:
        await acked
    if await replayed():
        if inspect.iscoroutine(work):
            work.close()
        log.warning("Slack request replayed (its signature was already used) ignored")
        return
    try:
        await work
    except Exception:
        log.exception("Slack request failed after it was acknowledged")
        if url:
            await respond(service, url, error_reply(t("router.internal_error")), kind="ephemeral",
                          replace_original=False)


def register(service: Service) -> None:
    bolt = service.bolt

    async def on_command(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        await guarded(command(body), body.get("response_url"), service)

    async def command(body: dict[str, Any]) -> None:
        origin = Origin(str(body.get("user_id") or ""), str(body.get("user_name") or ""), body.get("channel_id"),
                        str(body.get("channel_name") or ""))
        # Slash-command text is escaped like message text (&amp;, and with escaping on, <@U…|name>).
        text = await markup.plain_text(str(body.get("text") or ""), service.names.name)
        url = body.get("response_url")
        if channels.is_subscribe(text):  # the channel is checked around the command (bot.slack.channels)
            reply = await channels.subscribe(service, origin, text, request_key=body.get("trigger_id"))
        else:
            reply = await service.handle(text, origin, request_key=body.get("trigger_id"))
        if reply.form is not None and not reply.error:
            view = form_view(reply.form, response_url=url, channel=origin.channel)
            if await open_modal(service, body.get("trigger_id"), view):
                return
            reply = form_fallback(reply, text)
        await respond(service, url, reply, source=router.read_only_source(text))

    async def on_button(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        await guarded(button(body), body.get("response_url"), service)

    async def button(body: dict[str, Any]) -> None:
        action = (body.get("actions") or [{}])[0]
        value = ButtonValue.decode(action.get("value"))
        origin = origin_of(body)
        place = Place.of(body)
        if value is None:
            await after_click(service, error_reply(t("slack.button_outdated")), ButtonValue(""), place, origin)
            return
        if value.ask:
            view_id = await open_modal(service, body.get("trigger_id"), ask_view(value, place.metadata()))
            if view_id and place.blocks is not None:
                await keep_blocks(service.app, view_id, place.blocks)
            elif not view_id:
                await after_click(service, error_reply(t("slack.form_failed")), value, place, origin)
            return
        if place.home and shown_in_home(value.command):
            # Home has no input: its buttons page and switch what it shows ("Neste side", "Neste møte").
            await publish_home(service, origin, source=value.command)
            return
        reply = await service.handle(value.command, origin, request_key=body.get("trigger_id"))
        if reply.form is not None and not reply.error:
            view = form_view(reply.form, response_url=place.response_url, channel=place.channel)
            if not await open_modal(service, body.get("trigger_id"), view):
                await after_click(service, error_reply(t("slack.form_failed")), value, place, origin)
            return
        await after_click(service, reply, value, place, origin)

    async def on_ask_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        # Acknowledged before any database work (bot.slack.modals: "submissions answered at once").
        meta = read_metadata(view)
        value = ButtonValue.decode(meta.get("v"))
        raw = str(submitted_values(view).get(ASK_FIELD) or "").strip()
        if value is None:
            await ack()
            return
        if not raw:
            key = "slack.ask.missing_date" if value.ask == "date" else "slack.ask.missing_text"
            await ack(response_action="errors", errors={ASK_FIELD: t(key)})
            return
        await ack(response_action="update", view=saving_view(view))
        origin = origin_of(body, channel=meta.get("c"))
        place = Place.from_metadata(meta, None)

        async def work() -> None:
            reply = await service.handle(f"{value.command} {raw}", origin,
                                         request_key=f"view:{view.get('id')}:{view.get('hash', '')}")
            if reply.error:
                await show_form_errors(view, {ASK_FIELD: raw}, errors_for(reply, view), reply, place.response_url,
                                       origin)
                return
            await update_view(view, receipt_view(view, reply))
            place.blocks = await take_blocks(service.app, str(view.get("id")))
            await after_click(service, reply, value, place, origin)

        await guarded(work(), place.response_url, service)

    async def on_form_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        # Acknowledged before any database work or Web API lookup; the cheap, local checks answer on the
        # fields at once, the handler's own checks through views.update (bot.slack.modals).
        meta = read_metadata(view)
        values = submitted_values(view)
        local = local_errors(view, values)
        if local:
            await ack(response_action="errors", errors=local)
            return
        await ack(response_action="update", view=saving_view(view))
        form_id = str(meta.get("f") or "")
        form_context = meta.get("x") if isinstance(meta.get("x"), dict) else {}
        origin = origin_of(body, channel=meta.get("c"))
        url = meta.get("r")

        async def work() -> None:
            reply = await service.handle(
                "", origin, run=lambda ctx: router.submit_form(ctx, form_id, values, form_context),
                request_key=f"view:{view.get('id')}:{view.get('hash', '')}",
            )
            if reply.error:
                await show_form_errors(view, values, errors_for(reply, view), reply, url, origin)
                return
            await update_view(view, receipt_view(view, reply))
            if url:
                await respond(service, url, reply, replace_original=False)
            else:  # opened without a command to answer (e.g. from a mention): tell the user directly
                await post(service, origin.user, reply)

        await guarded(work(), url, service)

    async def update_view(view: dict[str, Any], new: dict[str, Any]) -> bool:
        """views.update of the submitted modal; False when Slack refused (e.g. the person closed it)."""
        try:
            await service.client.views_update(view_id=str(view.get("id") or ""), view=new)
        except API_ERRORS as exc:
            log.info("views.update of a submitted modal failed: %r", exc)
            return False
        return True

    async def show_form_errors(view: dict[str, Any], values: dict[str, Any], errors: dict[str, str], reply: Reply,
                               url: str | None, origin: Origin) -> None:
        """The handler refused the submission: the form again with the errors, or a message if it is gone."""
        if errors and await update_view(view, form_again(view, values, errors)):
            return
        if url:
            await respond(service, url, reply, kind="ephemeral", replace_original=False)
        else:
            await post(service, origin.user, reply)

    async def on_overview_link(ack: Any) -> None:
        await ack()  # the browser opens the link; the click itself changes nothing

    async def on_home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        origin = Origin(str(event.get("user") or ""))
        await guarded(event_claims.once(service.app, body, lambda: publish_home(service, origin)), None, service)

    async def chat_event(event: dict[str, Any], body: dict[str, Any], *, direct: bool) -> None:
        if event.get("files") and await files.handle_upload(service, event, direct=direct):
            return  # a protocol file with "importer": previewed in bot.slack.files
        # Stored as the person meant it: entities, mentions, channels and links read back into text.
        text = await markup.plain_text(markup.without_leading_mention(str(event.get("text") or "")),
                                       service.names.name)
        origin = Origin(str(event.get("user") or ""), "", event.get("channel"))
        reply = await service.handle(text, origin, request_key=body.get("event_id"))
        if reply.form is not None and not reply.error:
            reply = form_fallback(reply, text)
        private = (reply.private or reply.error) and not direct
        await post(service, origin.channel, reply, private_to=origin.user if private else None,
                   thread_ts=event.get("thread_ts"), source=router.read_only_source(text))

    async def on_mention(event: dict[str, Any], body: dict[str, Any]) -> None:
        # A retried event (same event_id) is answered once, reads included (bot.slack.event_claims).
        await guarded(event_claims.once(service.app, body, lambda: chat_event(event, body, direct=False)), None,
                      service)

    async def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        # Only what a person writes to the bot directly; edits, joins and bots are no commands.
        # A file shared in the DM (subtype file_share) may be a protocol to import.
        if event.get("channel_type") != "im" or (event.get("subtype") or "file_share") != "file_share" or event.get("bot_id"):
            return
        await guarded(event_claims.once(service.app, body, lambda: chat_event(event, body, direct=True)), None,
                      service)

    for name in COMMANDS:
        bolt.command(name)(on_command)
    bolt.action(re.compile(rf"^{BUTTON_ACTION_PREFIX}_\d+$"))(on_button)
    bolt.view(FORM_CALLBACK)(on_form_submit)
    bolt.view(ASK_CALLBACK)(on_ask_submit)
    bolt.event("app_home_opened")(on_home_opened)
    bolt.action(OVERVIEW_ACTION)(on_overview_link)
    bolt.event("app_mention")(on_mention)
    bolt.event("message")(on_message)

