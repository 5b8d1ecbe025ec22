"""slack-bolt listeners: slash commands, buttons, modal submissions, App Home, mentions and DMs.

Each listener acknowledges at once (Slack allows three seconds), runs the text or click through
the handlers as the Slack user, and renders the reply. Modal submissions are the exception: their
acknowledgement carries the field errors, so the handler runs first.

Where a reply goes:
- a command's reply goes to its `response_url`: privately when the reply says so (lists, errors),
  to the channel when it is a change;
- a click that changes an action updates the message in place: in a channel message the item's
  blocks are replaced; a private list is rendered again from the command that produced it; in App
  Home the view is published again; a refused click is answered privately with the reason.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.slack import files
from bot.slack.blocks import (
    BUTTON_ACTION_PREFIX,
    Block,
    ButtonValue,
    SlackMessage,
    escape,
    note_block,
    render,
    replace_item,
)
from bot.slack.client import webhook_client
from bot.slack.home import home_reply, home_view
from bot.slack.modals import (
    ASK_CALLBACK,
    ASK_FIELD,
    FORM_CALLBACK,
    ask_view,
    errors_for,
    form_view,
    read_metadata,
    submitted_values,
)
from bot.slack.usergroups import API_ERRORS
from handlers import commands, forms, router
from handlers.catalog import t
from handlers.context import Context
from handlers.replies import Button, Reply, error_reply

if TYPE_CHECKING:
    from bot.slack.service import Origin, SlackService

log = logging.getLogger(__name__)

COMMANDS = ("/oppfølging", "/oppfolging")
# Read-only commands whose private answer is worth rendering again after a click changed an item.
REFRESHABLE = frozenset({"liste", "mine", "vis"})


# --- small helpers -----------------------------------------------------------------------------


def response_type(reply: Reply) -> str:
    return "ephemeral" if reply.private or reply.error else "in_channel"


def source_of(text: str) -> str | None:
    """The command to re-run to refresh a private list, if `text` is one of the read-only ones."""
    body = router.strip_prefix(text)
    found, _ = commands.find(body)
    return body if found is not None and found.name in REFRESHABLE else None


def read_only(text: str) -> Any:
    """A `run` for App.handle that answers `text` and keeps nothing it may have written."""

    def run(ctx: Context) -> Reply:
        reply = router.dispatch(text, ctx)
        ctx.session.rollback()
        return reply

    return run


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
    from bot.slack.service import Origin

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


async def send_to_url(
    service: SlackService, url: str | None, messages: list[SlackMessage], *, kind: str | None = None,
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
    service: SlackService, url: str | None, reply: Reply, *, source: str | None = None, kind: str | None = None,
    replace_original: bool | None = None, note: str | None = None,
) -> None:
    messages = render(reply, source=source)
    if note:
        messages[0].blocks.insert(0, note_block(note))
    await send_to_url(service, url, messages, kind=kind or response_type(reply), replace_original=replace_original)


async def post(
    service: SlackService, channel: str | None, reply: Reply, *, private_to: str | None = None,
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


async def update_message(service: SlackService, place: Place, blocks: list[Block]) -> None:
    if place.response_url:
        await send_to_url(service, place.response_url, [SlackMessage(place.text or t("slack.fallback"), blocks)],
                          replace_original=True)
    elif place.channel and place.ts:
        try:
            await service.client.chat_update(channel=place.channel, ts=place.ts, text=place.text, blocks=blocks)
        except API_ERRORS as exc:
            log.warning("chat.update failed: %r", exc)


async def publish_home(service: SlackService, origin: Origin, notice: str | None = None) -> None:
    reply = await service.handle("", origin, run=home_reply)
    try:
        await service.client.views_publish(user_id=origin.user, view=home_view(reply, notice))
    except API_ERRORS as exc:
        log.warning("views.publish for %s failed: %r", origin.user, exc)


async def open_modal(service: SlackService, trigger_id: str | None, view: dict[str, Any]) -> str | None:
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


async def after_click(service: SlackService, reply: Reply, value: ButtonValue, place: Place, origin: Origin) -> None:
    if place.home:
        await publish_home(service, origin, notice=summary(reply))
        return
    if reply.error:
        await respond(service, place.response_url, reply, kind="ephemeral", replace_original=False)
        return
    source = source_of(value.command)
    if reply.private:  # a read: details, another page, or "that was already done"
        if value.item is None and place.ephemeral:
            await respond(service, place.response_url, reply, source=source, kind="ephemeral", replace_original=True)
        else:
            await respond(service, place.response_url, reply, source=source, kind="ephemeral", replace_original=False)
        return
    await show_change(service, reply, value, place, origin)


async def show_change(service: SlackService, reply: Reply, value: ButtonValue, place: Place, origin: Origin) -> None:
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
        refreshed = await service.handle(value.source, origin, run=read_only(value.source))
        if not refreshed.error:
            await respond(service, place.response_url, refreshed, source=value.source, kind="ephemeral",
                          replace_original=True, note=note)
            return
    if place.ephemeral:
        await respond(service, place.response_url, reply, kind="ephemeral", replace_original=True)
    else:  # a channel message we no longer have (e.g. a digest): never overwrite it with one item
        await respond(service, place.response_url, reply, kind="in_channel", replace_original=False)


# --- the listeners ------------------------------------------------------------------------------


async def guarded(work: Awaitable[None], url: str | None, service: SlackService) -> None:
    """Run the part after the acknowledgement; a bug costs the user an apology, never silence."""
    try:
        await work
    except Exception:
        log.exception("Slack request failed after it was acknowledged")
        if url:
            await respond(service, url, error_reply(t("router.internal_error")), kind="ephemeral",
                          replace_original=False)


def register(service: SlackService) -> None:
    from bot.slack.service import Origin

    bolt = service.bolt

    async def on_command(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        await guarded(command(body), body.get("response_url"), service)

    async def command(body: dict[str, Any]) -> None:
        origin = Origin(str(body.get("user_id") or ""), str(body.get("user_name") or ""), body.get("channel_id"),
                        str(body.get("channel_name") or ""))
        text = str(body.get("text") or "")
        url = body.get("response_url")
        reply = await service.handle(text, origin, request_key=body.get("trigger_id"))
        if reply.form is not None and not reply.error:
            view = form_view(reply.form, response_url=url, channel=origin.channel)
            if await open_modal(service, body.get("trigger_id"), view):
                return
            reply = form_fallback(reply, text)
        await respond(service, url, reply, source=source_of(text))

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
                await service.keep_blocks(view_id, place.blocks)
            elif not view_id:
                await after_click(service, error_reply(t("slack.form_failed")), value, place, origin)
            return
        reply = await service.handle(value.command, origin, request_key=body.get("trigger_id"))
        if reply.form is not None and not reply.error:
            view = form_view(reply.form, response_url=place.response_url, channel=place.channel)
            if not await open_modal(service, body.get("trigger_id"), view):
                await after_click(service, error_reply(t("slack.form_failed")), value, place, origin)
            return
        await after_click(service, reply, value, place, origin)

    async def on_ask_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
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
        origin = origin_of(body, channel=meta.get("c"))
        reply = await service.handle(f"{value.command} {raw}", origin,
                                     request_key=f"view:{view.get('id')}:{view.get('hash', '')}")
        if reply.error:
            await ack(response_action="errors", errors=errors_for(reply, view))
            return
        await ack()
        place = Place.from_metadata(meta, await service.take_blocks(str(view.get("id"))))
        await guarded(after_click(service, reply, value, place, origin), place.response_url, service)

    async def on_form_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = read_metadata(view)
        form_id = str(meta.get("f") or "")
        form_context = meta.get("x") if isinstance(meta.get("x"), dict) else {}
        values = submitted_values(view)
        origin = origin_of(body, channel=meta.get("c"))
        reply = await service.handle(
            "", origin, run=lambda ctx: forms.submit(ctx, form_id, values, form_context),
            request_key=f"view:{view.get('id')}:{view.get('hash', '')}",
        )
        errors = errors_for(reply, view) if reply.error else {}
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        url = meta.get("r")
        if url:
            await guarded(respond(service, url, reply, replace_original=False), url, service)
        else:  # opened without a command to answer (e.g. from a mention): tell the user directly
            await post(service, origin.user, reply)

    async def on_home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        await guarded(publish_home(service, Origin(str(event.get("user") or ""))), None, service)

    async def chat_event(event: dict[str, Any], body: dict[str, Any], *, direct: bool) -> None:
        if event.get("files") and await files.handle_upload(service, event, direct=direct):
            return  # a protocol file with "importer": previewed in bot.slack.files
        text = str(event.get("text") or "")
        origin = Origin(str(event.get("user") or ""), "", event.get("channel"))
        reply = await service.handle(text, origin, request_key=body.get("event_id"))
        if reply.form is not None and not reply.error:
            reply = form_fallback(reply, text)
        private = (reply.private or reply.error) and not direct
        await post(service, origin.channel, reply, private_to=origin.user if private else None,
                   thread_ts=event.get("thread_ts"), source=source_of(text))

    async def on_mention(event: dict[str, Any], body: dict[str, Any]) -> None:
        await guarded(chat_event(event, body, direct=False), None, service)

    async def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        # Only what a person writes to the bot directly; edits, joins and bots are no commands.
        # A file shared in the DM (subtype file_share) may be a protocol to import.
        if event.get("channel_type") != "im" or (event.get("subtype") or "file_share") != "file_share" or event.get("bot_id"):
            return
        await guarded(chat_event(event, body, direct=True), None, service)

    for name in COMMANDS:
        bolt.command(name)(on_command)
    bolt.action(re.compile(rf"^{BUTTON_ACTION_PREFIX}_\d+$"))(on_button)
    bolt.view(FORM_CALLBACK)(on_form_submit)
    bolt.view(ASK_CALLBACK)(on_ask_submit)
    bolt.event("app_home_opened")(on_home_opened)
    bolt.event("app_mention")(on_mention)
    bolt.event("message")(on_message)

