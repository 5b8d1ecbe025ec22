"""The reminder messages themselves: one action, its deadline in words, and the buttons.

Every text counts days from the day the message is sent, so a reminder that comes late after an
outage still says the truth ("frist i morgen", not the stage's "om 7 dager").
"""

from __future__ import annotations

from datetime import date

from handlers.actions import views
from handlers.core.catalog import t
from handlers.core.context import Context
from handlers.core.replies import Button, Reply, Section
from handlers.dates.format import format_date_long, format_datetime
from handlers.reminders.policy import ESCALATION, Stage
from handlers.reminders.routing import Destination, Route
from storage.models import Action, Meeting


def snooze_command(action_id: int, destination: Destination) -> str:
    """What a "Minn meg på igjen" button runs (`handlers/reminders/snoozes.py`). The destination the
    reminder was sent to travels with it: a click in a direct message arrives from the DM's channel,
    not from the address the reminder was routed to."""
    return f"minn-igjen {action_id} {destination.platform}:{destination.address}"


def reminder_buttons(action: Action, today: date, destination: Destination | None = None) -> list[Button]:
    """Ferdig; Minn meg på igjen (i morgen / om en uke / velg dato) for this destination only; Ny frist
    for everyone (the same `utsett` as typed, with its rules and permissions); Vis."""
    assert action.deadline is not None
    buttons = [Button(t("button.done"), f"ferdig {action.id}", style="primary")]
    if destination is not None:
        again = snooze_command(action.id, destination)
        buttons += [
            Button(t("capture.button.again_tomorrow"), f"{again} i morgen"),
            Button(t("capture.button.again_week"), f"{again} om en uke"),
            Button(t("capture.button.again_pick"), again, ask="date", ask_label=t("capture.ask.again_date")),
        ]
    buttons += [
        Button(t("capture.button.new_deadline"), f"utsett {action.id}", ask="date",
               ask_label=t("capture.ask.new_deadline")),
        Button(t("button.show"), f"vis {action.id}"),
    ]
    return buttons


def _title(deadline: date, today: date) -> str:
    days = (deadline - today).days
    if days > 1:
        return t("reminders.title.before", days=days)
    if days == 1:
        return t("reminders.title.tomorrow")
    if days == 0:
        return t("reminders.title.today")
    if days == -1:
        return t("reminders.title.yesterday")
    return t("reminders.title.overdue", days=-days)


def reminder_reply(ctx: Context, action: Action, stage: Stage, route: Route, today: date,
                   escalate_to: str = "") -> Reply:
    assert action.deadline is not None
    parties = ", ".join(ctx.resolver.label(k) for k in action.party_keys)
    overdue_days = (today - action.deadline).days
    if stage.track == ESCALATION:
        title = t("reminders.title.escalation", party=ctx.resolver.short_name(escalate_to), id=action.id,
                  days=overdue_days)
        why = (t("reminders.why.escalation", days=overdue_days, party=ctx.resolver.short_name(escalate_to))
               if route.via != "overview" else t("reminders.why.overview", party=ctx.resolver.label(escalate_to)))
    else:
        title = _title(action.deadline, today)
        why_key = {"subscription": "reminders.why.subscription", "roster": "reminders.why.roster",
                   "email": "reminders.why.email"}.get(route.via, "reminders.why.member")
        why = t(why_key, party=ctx.resolver.label(route.party))
    item = views.item(ctx, action, buttons=False)
    return Reply(
        title=title,
        lines=[t("reminders.deadline", date=format_date_long(action.deadline)), t("reminders.responsible", parties=parties)],
        sections=[Section(title="", items=[item]), Section(title="", lines=[why, t("reminders.snooze_hint", id=action.id)])],
        buttons=reminder_buttons(action, today, route.destination),
        private=False,
        data={
            "kind": "escalation" if stage.track == ESCALATION else "reminder",
            "stage": stage.kind,
            "action": views.action_json(action),
            "party": route.party,
            "deadline": action.deadline.isoformat(),
            "sent_on": today.isoformat(),
        },
    )


def convener_reply(ctx: Context, meeting: Meeting, party: str, today: date, meeting_day: date, *,
                   moved: bool) -> Reply:
    title = meeting.title
    lines = [t("reminders.convener.when", meeting=title, when=format_datetime(meeting.starts_at, ctx.tz))]
    if meeting.place:
        lines.append(t("reminders.convener.where", place=meeting.place))
    days = (meeting_day - today).days
    if days % 7 == 0 and days >= 14:
        lines.append(t("reminders.convener.weeks", weeks=days // 7))
    else:
        lines.append(t("reminders.convener.days", days=days) if days > 1 else t("reminders.convener.tomorrow"))
    lines.append(t("reminders.convener.rule_national" if meeting.kind.startswith("national")
                   else "reminders.convener.rule_regional"))
    if moved:
        lines.append(t("reminders.convener.moved"))
    return Reply(
        title=t("reminders.convener.title", party=ctx.resolver.label(party), meeting=title),
        lines=lines,
        private=False,
        data={
            "kind": "convener",
            "meeting": meeting.id,
            "meeting_kind": meeting.kind,
            "meeting_date": meeting_day.isoformat(),
            "party": party,
            "sent_on": today.isoformat(),
        },
    )
