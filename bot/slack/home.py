"""App Home: "Mine oppfølgingspunkter" (overdue first, as `mine` sorts them) and the next meetings.

The content comes from the handlers (`mine` and the meeting calendar); this module only lays it
out in at most 100 blocks, saying so when the list does not fit.
"""

from __future__ import annotations

from typing import Any

from bot.slack.blocks import (
    MAX_HEADER_TEXT,
    MAX_VIEW_BLOCKS,
    Block,
    Renderer,
    clip,
    escape,
    note_block,
    sections,
)
from handlers.action_commands import cmd_mine
from handlers.catalog import t
from handlers.context import Context
from handlers.dates import format_datetime
from handlers.meeting_refs import upcoming
from handlers.replies import Reply, Section

MEETINGS_SHOWN = 5


def home_reply(ctx: Context) -> Reply:
    """Run inside `App.handle(run=…)`: the user's actions and the next meetings, as one reply."""
    mine = cmd_mine(ctx, "")
    lines = []
    for meeting in upcoming(ctx)[:MEETINGS_SHOWN]:
        when = format_datetime(meeting.starts_at, ctx.tz)
        # The lines are mrkdwn (bold dates), so what came from users is escaped here.
        title, place = escape(meeting.title), escape(meeting.place or "")
        if place:
            lines.append(t("slack.home.meeting_place", when=when, title=title, place=place))
        else:
            lines.append(t("slack.home.meeting", when=when, title=title))
    meetings = Section(title=t("slack.home.meetings"), lines=lines or [t("slack.home.no_meetings")])
    return Reply(title=t("mine.title"), lines=[t("slack.home.intro"), *mine.lines],
                 sections=[*mine.sections, meetings], buttons=mine.buttons, data=mine.data)


def home_view(reply: Reply, notice: str | None = None) -> dict[str, Any]:
    """The Home tab. Meeting lines are already mrkdwn (bold dates), so they are not escaped twice."""
    renderer = Renderer()
    title = clip(reply.title or t("mine.title"), MAX_HEADER_TEXT)  # an error reply has no title
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}}]
    if notice:
        blocks.extend(sections(escape(notice)))
    body = Reply(lines=reply.lines, sections=reply.sections[:-1], buttons=reply.buttons, error=reply.error)
    meeting_section = reply.sections[-1] if reply.sections else None
    tail: list[Block] = [{"type": "divider"}]
    if meeting_section is not None:
        tail.extend(sections(f"*{escape(meeting_section.title)}*"))
        tail.extend(sections("\n".join(meeting_section.lines)))
    room = MAX_VIEW_BLOCKS - len(blocks) - len(tail) - 1  # one for "there is more"
    shown: list[Block] = []
    trimmed = False
    for group in renderer.groups(body):
        if len(shown) + len(group) > room:
            trimmed = True
            break
        shown.extend(group)
    blocks.extend(shown)
    if trimmed:
        blocks.append(note_block(t("slack.home.more")))
    blocks.extend(tail)
    return {"type": "home", "blocks": blocks}
