"""App Home: buttons to act with (Home has no input), one list or answer, and the next meetings.

Home shows the answer to one read-only command, its *source* ("mine" by default; "mine side 2"
after "Neste side", "neste møte" after that button). The content comes from the handlers (the
command itself and the meeting calendar); this module only lays it out in at most 100 blocks. A
click in Home carries its source in the button's value (`ButtonValue.source`), so a change made on
page 2 publishes page 2 again and "Neste side" reaches every page.
"""

from __future__ import annotations

from collections.abc import Callable
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
from handlers import router
from handlers.core.catalog import t
from handlers.core.context import Context
from handlers.core.replies import Button, Reply, Section
from handlers.dates.format import format_datetime
from handlers.meetings.refs import upcoming
from handlers.overview import commands as overview_commands

MEETINGS_SHOWN = 5
DEFAULT_SOURCE = "mine"
# The "Åpne oversikten" link button: Slack opens the URL and also sends a click, which is only acknowledged.
OVERVIEW_ACTION = "oppfolging_oversikt_lenke"


def shown_in_home(command: str | None) -> str | None:
    """`command` if Home can show its answer (a read-only command, as the command declares it), else
    None (a change, run as a click). Home runs what it shows through `router.read_only`, which keeps
    nothing written."""
    if not command:
        return None
    return router.read_only_source(command)


def home_source(command: str | None) -> str:
    """The read Home shows (anything else falls back to "mine": Home never runs a change to show it)."""
    return shown_in_home(command) or DEFAULT_SOURCE


def nav_buttons() -> list[Button]:
    """What a user would otherwise type: Home has no input."""
    return [
        Button(t("slack.home.new"), "ny", style="primary"),
        Button(t("slack.home.mine"), "mine"),
        Button(t("slack.home.all"), "liste"),
        Button(t("slack.home.next_meeting"), "neste møte"),
    ]


def home_reply(source: str = DEFAULT_SOURCE) -> Callable[[Context], Reply]:
    """A `run` for `App.handle(run=…)`: the answer to `source` and the next meetings, as one reply."""
    answer = router.read_only(source)

    def run(ctx: Context) -> Reply:
        content = answer(ctx)
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
        head = [t("slack.home.intro")] if source == DEFAULT_SOURCE else []
        title = t("mine.title") if source == DEFAULT_SOURCE else content.title
        data = dict(content.data or {})
        # A fresh personal link each time Home is shown (Home is published again whenever it is opened).
        link = overview_commands.personal_link(ctx)
        if link is not None:
            data["overview_url"], data["overview_expires"] = link[0], format_datetime(link[1], ctx.tz)
        return Reply(title=title, lines=[*head, *content.lines], sections=[*content.sections, meetings],
                     buttons=content.buttons, data=data or None, error=content.error)

    return run


def overview_blocks(reply: Reply) -> list[Block]:
    """The personal link to the overview page, as a link button, with how long it lives."""
    url = (reply.data or {}).get("overview_url")
    if not url:
        return []
    return [
        {"type": "actions", "block_id": "home-overview", "elements": [{
            "type": "button", "action_id": OVERVIEW_ACTION, "url": url,
            "text": {"type": "plain_text", "text": t("overview.link.button"), "emoji": True}}]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(
            t("overview.home.expires", when=(reply.data or {}).get("overview_expires", "")))}]},
    ]


def home_view(reply: Reply, notice: str | None = None, source: str = DEFAULT_SOURCE) -> dict[str, Any]:
    """The Home tab. Meeting lines are already mrkdwn (bold dates), so they are not escaped twice."""
    renderer = Renderer(source)
    title = clip(reply.title or t("mine.title"), MAX_HEADER_TEXT)  # an error reply has no title
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}}]
    blocks.extend(renderer.actions(nav_buttons(), block_id="home-nav"))
    blocks.extend(overview_blocks(reply))
    if notice:
        blocks.extend(sections(escape(notice)))
    body = Reply(lines=reply.lines, sections=reply.sections[:-1], error=reply.error)
    meeting_section = reply.sections[-1] if reply.sections else None
    # The paging buttons come after the list, and are never the part that is cut.
    paging = renderer.actions(reply.buttons, block_id="home-paging") if reply.buttons else []
    tail: list[Block] = [*paging, {"type": "divider"}]
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
