"""The new-action form (a Slack modal, a Teams card with inputs) as plain data, and its validation.

Validation collects an error per field, so the adapter can show each one where it belongs
(`response_action: errors` in Slack); nothing is saved unless every field is valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select

from handlers.actions import duplicates, lifecycle
from handlers.actions.views import created_reply
from handlers.core.catalog import t
from handlers.core.clock import local_date
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.registry import form
from handlers.core.replies import Form, FormField, Option, Reply
from handlers.dates.format import format_date
from handlers.dates.values import DeadlineParse
from storage.models import Meeting


def party_options(ctx: Context) -> list[Option]:
    options = []
    for info in ctx.resolver.parties:
        if info.valid_to and info.valid_to < ctx.today:
            continue
        options.append(Option(info.key, info.name))
    return sorted(options, key=lambda o: o.label.lower())


def meeting_options(ctx: Context, limit: int = 50) -> list[Option]:
    rows = ctx.session.scalars(
        select(Meeting).where(Meeting.status == "scheduled").order_by(Meeting.starts_at.desc()).limit(limit)
    )
    return [
        Option(str(m.id), f"{m.title} ({format_date(local_date(m.starts_at, ctx.tz))})")
        for m in rows
    ]


def new_action_form(ctx: Context) -> Form:
    return Form(
        id="new_action",
        title=t("form.new_action.title"),
        submit_label=t("form.save"),
        fields=[
            FormField("text", t("form.field.text"), kind="multiline", required=True, max_length=lifecycle.MAX_TEXT),
            FormField("parties", t("form.field.parties"), kind="parties", required=True, options=party_options(ctx)),
            FormField("deadline_date", t("form.field.deadline_date"), kind="date"),
            FormField("deadline_text", t("form.field.deadline_text"), placeholder=t("form.placeholder.deadline_text")),
            FormField("meeting", t("form.field.meeting"), kind="select", options=meeting_options(ctx)),
            FormField("case", t("form.field.case"), max_length=100),
        ],
    )


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in (p.strip() for p in value.split(",")) if v]
    return [str(v) for v in value if str(v).strip()]


@form("new_action")
def submit_new_action(ctx: Context, values: Mapping[str, Any], form_context: Mapping[str, Any]) -> Reply:
    errors: dict[str, str] = {}
    text = str(values.get("text") or "").strip()
    if not text:
        errors["text"] = t("actions.no_text")
    elif len(text) > lifecycle.MAX_TEXT:
        errors["text"] = t("actions.too_long", max=lifecycle.MAX_TEXT, length=len(text))

    keys: list[str] = []
    for raw in _as_list(values.get("parties")):
        if ctx.resolver.get(raw) is not None:
            keys.append(raw)
            continue
        try:
            keys.extend(k for k in lifecycle.resolve_parties(ctx, raw) if k not in keys)
        except UserError as exc:
            errors["parties"] = exc.message
    if not keys and "parties" not in errors:
        errors["parties"] = t("actions.no_party")

    deadline: DeadlineParse | None = None
    picked = str(values.get("deadline_date") or "").strip()
    typed = str(values.get("deadline_text") or "").strip()
    if picked and typed:
        errors["deadline_text"] = t("form.deadline_both")
    elif picked or typed:
        try:
            if picked and date.fromisoformat(picked) < ctx.today:
                raise UserError(t("form.deadline_past"))
            deadline = lifecycle.parse_deadline(ctx, picked or typed, keys)
        except (UserError, ValueError) as exc:
            errors["deadline_date" if picked else "deadline_text"] = getattr(exc, "message", t("form.deadline_bad"))

    meeting_id: int | None = None
    raw_meeting = str(values.get("meeting") or "").strip()
    if raw_meeting:
        if not raw_meeting.isdigit() or ctx.session.get(Meeting, int(raw_meeting)) is None:
            errors["meeting"] = t("meetings.not_found", id=raw_meeting)
        else:
            meeting_id = int(raw_meeting)

    case = str(values.get("case") or "").strip()
    if len(case) > 100:
        errors["case"] = t("actions.too_long", max=100, length=len(case))

    if errors:
        return Reply(title=t("form.invalid"), lines=list(errors.values()), error=True, field_errors=errors)
    link = str(form_context.get("link") or "")[:1000] or None
    if values.get(duplicates.DUPLICATE_FIELD) != duplicates.SAVE_ANYWAY:
        existing = duplicates.similar_open_action(ctx, text, tuple(keys), meeting_id)
        if existing is not None:
            again = new_action_form(ctx)
            again.context = dict(form_context)
            for field in again.fields:
                if field.name in values:
                    field.value = values[field.name]
            return duplicates.duplicate_reply(ctx, existing, again)
    origin = f"req:{ctx.request_key}" if ctx.request_key else None
    new = lifecycle.NewAction(text=text, party_keys=tuple(keys), deadline=deadline, meeting_id=meeting_id,
                              case_ref=case, origin_key=origin, source_link=link)
    action, created = lifecycle.create(ctx, new)
    return created_reply(ctx, action, created)
