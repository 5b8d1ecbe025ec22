"""Replies that show a meeting: its facts and what is due before it, or that it is not scheduled yet."""

from __future__ import annotations

from handlers.actions import views
from handlers.core.catalog import t
from handlers.core.clock import local_datetime
from handlers.core.context import Context
from handlers.core.replies import Button, Reply, Section
from handlers.meetings import deadlines, labels, schedule, selectors
from storage.models import Meeting

DUE_SHOWN = 10


def meeting_reply(ctx: Context, meeting: Meeting, *, title: str | None = None, with_due: bool = True) -> Reply:
    reply = Reply(title=title or meeting.title, lines=labels.facts(ctx, meeting),
                  data={"meeting_id": meeting.id, "meeting": labels.meeting_json(ctx, meeting)})
    if title:
        reply.lines.insert(0, meeting.title)
    if with_due:
        due = schedule.due_before(ctx, meeting)
        section = Section(title=t("meeting.due_title", count=len(due)))
        section.items = views.items(ctx, due[:DUE_SHOWN])
        if not due:
            section.lines.append(t("meeting.due_none"))
        elif len(due) > DUE_SHOWN:
            section.lines.append(t("meeting.due_more", count=len(due) - DUE_SHOWN))
        reply.sections.append(section)
        assert reply.data is not None
        reply.data["due"] = [a.id for a in due]
    reply.buttons.append(Button(t("meeting.button.report"), f"rapport {meeting.id}"))
    return reply


def not_scheduled_reply(ctx: Context, selector: selectors.Selector, title: str) -> Reply:
    kinds = selector.kinds
    subject = labels.subject(ctx, kinds, selector.region)
    lines = [t("meeting.none_scheduled", subject=labels.capital(subject))]
    lines += labels.expectations(ctx, kinds, selector.region)
    return Reply(title=title, lines=lines, data={"meeting_id": None, "kinds": list(kinds or []),
                                                 "county": selector.region})


def changed_reply(ctx: Context, meeting: Meeting, title: str, changes: deadlines.DeadlineChanges) -> Reply:
    reply = meeting_reply(ctx, meeting, title=title, with_due=False)
    reply.private = False
    if local_datetime(meeting.starts_at, ctx.tz).date() < ctx.today:
        reply.lines.append(t("meeting.past_note"))
    reply.lines += changes.lines()
    assert reply.data is not None
    reply.data["deadlines"] = changes.to_json()
    return reply
