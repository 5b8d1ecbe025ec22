"""Turning stored actions into reply items: labels, overdue flags and the buttons that fit the status."""

from __future__ import annotations

from collections.abc import Iterable

from handlers.actions.lifecycle import deadline_label
from handlers.core import replies
from handlers.core.catalog import t
from handlers.core.clock import local_date
from handlers.core.context import Context
from handlers.core.replies import ActionItem, Button, Reply, Section
from handlers.dates.format import format_date
from storage.models import OPEN_STATUSES, Action, Meeting


def action_buttons(action: Action) -> tuple[Button, ...]:
    if action.status in OPEN_STATUSES:
        return (
            Button(t("button.done"), f"ferdig {action.id}", style="primary"),
            Button(t("button.postpone"), f"utsett {action.id}", ask="date", ask_label=t("form.new_deadline")),
            Button(t("button.comment"), f"kommenter {action.id}", ask="text", ask_label=t("form.comment")),
            Button(t("button.show"), f"vis {action.id}"),
        )
    if action.status == "done":
        return (Button(t("button.reopen"), f"gjenåpne {action.id}"), Button(t("button.show"), f"vis {action.id}"))
    return (Button(t("button.show"), f"vis {action.id}"),)


def meeting_label(meeting: Meeting | None, ctx: Context) -> str | None:
    if meeting is None:
        return None
    return t("meetings.short_label", title=meeting.title, date=format_date(local_date(meeting.starts_at, ctx.tz)))


# In lists an action's text is shortened to this many characters, with a pointer to `vis N`, so one
# pasted 20 000-character text cannot fill a whole list; `vis` and the reply to a change show all.
# (4000 was the longest text before; those still show whole everywhere.)
LIST_TEXT = 4000


def item(ctx: Context, action: Action, *, buttons: bool = True, full: bool = False) -> ActionItem:
    keys = tuple(action.party_keys)
    text = action.text
    if not full and len(text) > LIST_TEXT:
        text = text[:LIST_TEXT].rstrip() + " " + t("security.abbreviated", length=len(action.text), id=action.id)
    return ActionItem(
        id=action.id,
        text=text,
        parties=tuple(ctx.resolver.short_name(k) for k in keys),
        party_keys=keys,
        deadline=action.deadline,
        deadline_label=deadline_label(action),
        status=action.status,
        status_label=t(f"status.{action.status}"),
        meeting=meeting_label(action.meeting, ctx),
        case=action.case_ref,
        overdue=bool(action.status in OPEN_STATUSES and action.deadline and action.deadline < ctx.today),
        buttons=action_buttons(action) if buttons else (),
        meeting_id=action.meeting_id,
        deadline_text=action.deadline_text,
    )


def items(ctx: Context, actions: Iterable[Action], *, buttons: bool = True) -> list[ActionItem]:
    return [item(ctx, action, buttons=buttons) for action in actions]


def action_json(action: Action) -> dict[str, object]:
    """The machine-readable form promised in DESIGN.md (`oppfolging actions list --json`)."""
    return replies.action_json(id=action.id, text=action.text, parties=action.party_keys, deadline=action.deadline,
                               deadline_text=action.deadline_text, status=action.status, meeting=action.meeting_id,
                               case=action.case_ref)


def created_reply(ctx: Context, action, created: bool) -> Reply:  # type: ignore[no-untyped-def]
    shown = item(ctx, action, full=True)
    key = "actions.created" if created else "actions.already_created"
    reply = Reply(
        title=t(key, id=action.id),
        sections=[Section(title="", items=[shown])],
        private=False,
        data={"action": action_json(action), "created": created},
    )
    if action.deadline_meeting and action.deadline is None:
        reply.lines.append(t("actions.deadline_waits_for_meeting"))
    return reply
