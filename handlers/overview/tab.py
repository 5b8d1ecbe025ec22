"""The Teams tab and meeting side panel: which overview a signed-in Teams user gets.

Teams has already said who the person is (an Entra token the adapter checked); the rule here is only
which link they get: in a meeting's side panel, the meeting's own overview when the calendar meeting
is clear (`handlers.meetings.matching`); otherwise the whole overview, where the person chooses.
"""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.replies import Reply
from handlers.meetings.matching import matching_meeting
from handlers.overview.commands import link_reply


def tab_link(ctx: Context, *, in_meeting: bool, title: str = "") -> Reply:
    """A personal link for the Teams user of `ctx`: to the meeting's overview when one matches."""
    meeting = matching_meeting(ctx, title) if in_meeting else None
    reply = link_reply(ctx, meeting_id=meeting.id if meeting is not None else None)
    reply.data = {**(reply.data or {}), "chosen": meeting is None and in_meeting}
    return reply
