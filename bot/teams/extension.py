"""The Teams message extension: "Lag oppfølgingspunkt" in a message's "…" menu (also in a meeting's
chat), and the compose-box search "Oppfølging".

- `composeExtension/fetchTask` → the new-action form as a dialog (a task module with an Adaptive
  Card), prefilled from the message (`messagePayload`: its HTML body, its `linkToMessage`);
- `composeExtension/submitAction` → the form submitted: stored with the link back, answered with
  the action's card inserted into the compose box; refused fields or the duplicate guard show the
  dialog again;
- `composeExtension/query` → actions matching the typed words, each a card result.

Formats: https://learn.microsoft.com/en-us/microsoftteams/platform/messaging-extensions/how-to/action-commands/respond-to-task-module-submit
and …/search-commands/respond-to-search. `register(service)` is called from `bot.teams.service`.
"""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes, InvokeResponse
from microsoft_agents.hosting.core import TurnContext, TurnState

from bot.teams import cards, incoming
from bot.teams.package import SEARCH_PARAMETER
from handlers import router
from handlers.actions.capture import prefill_form, search_actions
from handlers.core import command_text
from handlers.core.catalog import t
from handlers.core.context import Context
from handlers.core.replies import Form, Reply, Section
from handlers.importing.htmltext import fragment_lines

log = logging.getLogger(__name__)

ADAPTIVE = "application/vnd.microsoft.card.adaptive"
THUMBNAIL = "application/vnd.microsoft.card.thumbnail"
MAX_RESULTS = 25  # Teams shows at most 25 results per page of a search


def _value(context: TurnContext) -> dict[str, Any]:
    value = context.activity.value
    if hasattr(value, "model_dump"):
        value = value.model_dump(by_alias=True)
    return value if isinstance(value, dict) else {}


async def _answer(context: TurnContext, body: dict[str, Any]) -> None:
    await context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                         value=InvokeResponse(status=200, body=body)))


def in_meeting(activity: Activity) -> bool:
    """Whether the activity comes from a meeting's chat: Teams names the meeting in `channelData.meeting.id`."""
    data = activity.channel_data
    if data is not None and not isinstance(data, dict) and hasattr(data, "model_dump"):
        data = data.model_dump(by_alias=True)
    meeting = data.get("meeting") if isinstance(data, dict) else None
    return isinstance(meeting, dict) and isinstance(meeting.get("id"), str) and bool(meeting["id"])


def message_text(payload: dict[str, Any]) -> str:
    """The message's text: its HTML body read as lines (mentions keep the name), plain text as is."""
    body = payload.get("body") if isinstance(payload.get("body"), dict) else {}
    content = str(body.get("content") or "")
    if str(body.get("contentType") or "").lower() == "html":
        return "\n".join(line for line in fragment_lines(content) if line.strip())
    return content.strip()


def dialog_card(form: Form, *, title: str | None = None, lines: list[str] | None = None,
                values: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The form as a card for a dialog: Action.Submit (a dialog submits through `submitAction`)."""
    card = cards.render_form(form, title=title, lines=lines or [], values=values, errors=errors)
    for action in card.get("actions", []):
        action["type"] = "Action.Submit"
        action.pop("verb", None)
    return card


def continue_task(form: Form, **card: Any) -> dict[str, Any]:
    return {"task": {"type": "continue", "value": {
        "title": form.title, "height": "large", "width": "medium",
        "card": {"contentType": ADAPTIVE, "content": dialog_card(form, **card)}}}}


def message_task(text: str) -> dict[str, Any]:
    return {"task": {"type": "message", "value": text}}


def card_result(reply: Reply) -> dict[str, Any]:
    rendered = cards.render(reply)[0]
    return {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": [
        {"contentType": ADAPTIVE, "content": rendered,
         "preview": {"contentType": THUMBNAIL, "content": {"title": reply.title or cards.summary(reply)}}}]}}


def register(service: Any) -> None:
    """`service` is the `TeamsService` (its `agent` and `handle`); typed loosely, it imports this module."""
    agent = service.agent

    async def fetch_task(context: TurnContext, state: TurnState) -> None:
        value = _value(context)
        seen = incoming.read(context.activity)
        payload = value.get("messagePayload") if isinstance(value.get("messagePayload"), dict) else {}
        text = message_text(payload) if payload else ""
        link = str(payload.get("linkToMessage") or "") if payload else ""
        if payload and not (text or link or payload.get("attachments")):
            # A deleted message, or one the app is not allowed to read, arrives without a body or link.
            await _answer(context, message_task(t("capture.message_unreadable")))
            return
        reply = await service.handle(seen, "", run=lambda ctx: Reply(
            form=prefill_form(ctx, text, channel_name=seen.channel_name, link=link,
                              in_meeting=in_meeting(context.activity))))
        if reply.form is None:
            await _answer(context, message_task(cards.summary(reply)))
            return
        await _answer(context, continue_task(reply.form))

    async def submit_action(context: TurnContext, state: TurnState) -> None:
        value = _value(context)
        seen = incoming.read(context.activity)
        action = cards.parse_action(value.get("data"))
        if action is None or action.kind != "form":
            await _answer(context, message_task(command_text.text_for(t("teams.bad_action"), "teams", seen.kind)))
            return

        def submit(ctx: Context) -> Reply:
            return router.submit_form(ctx, action.form_id, action.values, action.form_context)

        reply = await service.handle(seen, "", run=submit)
        if reply.error and reply.form is not None:  # the duplicate guard: the dialog again, with the choice
            await _answer(context, continue_task(reply.form, title=reply.title, lines=reply.lines,
                                                 values=action.values, errors=reply.field_errors))
            return
        if reply.field_errors:
            form = Form(action.form_id, t("form.new_action.title"), t("form.save"), [], dict(action.form_context))
            opened = await service.handle(seen, "", run=lambda ctx: Reply(form=prefill_form(ctx, "")))
            form = opened.form or form
            form.context = dict(action.form_context)
            await _answer(context, continue_task(form, title=reply.title, values=action.values,
                                                 errors=reply.field_errors))
            return
        if reply.error:
            await _answer(context, message_task(cards.summary(reply)))
            return
        await _answer(context, card_result(reply))

    async def query(context: TurnContext, state: TurnState) -> None:
        value = _value(context)
        seen = incoming.read(context.activity)
        words = ""
        for parameter in value.get("parameters") or []:
            if isinstance(parameter, dict) and parameter.get("name") in (SEARCH_PARAMETER, "initialRun"):
                words = "" if parameter.get("name") == "initialRun" else str(parameter.get("value") or "")
        options = value.get("queryOptions") if isinstance(value.get("queryOptions"), dict) else {}
        skip = max(0, int(options.get("skip") or 0)) if str(options.get("skip") or "0").isdigit() else 0
        count = min(MAX_RESULTS, max(1, int(options.get("count") or MAX_RESULTS))) \
            if str(options.get("count") or "1").isdigit() else MAX_RESULTS
        reply = await service.handle(seen, "", run=lambda ctx: search_actions(ctx, words, skip=skip, count=count))
        attachments = []
        for item in reply.items:
            one = Reply(title=t("show.title", id=item.id), sections=[Section(title="", items=[item])])
            rendered = cards.render(one)[0]
            attachments.append({"contentType": ADAPTIVE, "content": rendered, "preview": {
                "contentType": THUMBNAIL,
                "content": {"title": f"#{item.id} {item.text[:80]}", "text": f"{', '.join(item.parties)} · {item.deadline_label}"}}})
        if not attachments:
            body = {"composeExtension": {"type": "message", "text": t("capture.search.none", words=words)}}
        else:
            body = {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": attachments}}
        await _answer(context, body)

    agent.invoke("composeExtension/fetchTask")(fetch_task)
    agent.invoke("composeExtension/submitAction")(submit_action)
    agent.invoke("composeExtension/query")(query)
