"""A `Reply` as the message activities Teams shows: one Adaptive Card per part of a long reply."""

from __future__ import annotations

from microsoft_agents.activity import Activity, ActivityTypes, Attachment

from bot.teams import cards
from handlers.core.replies import Reply


def card_activity(card: cards.Card, summary: str, activity_id: str | None = None) -> Activity:
    activity = Activity(type=ActivityTypes.message,
                        attachments=[Attachment(content_type=cards.CONTENT_TYPE, content=card)], summary=summary)
    if activity_id:
        activity.id = activity_id
    return activity


def reply_activities(reply: Reply, *, source: str | None = None, banner: str | None = None) -> list[Activity]:
    summary = cards.summary(reply)
    return [card_activity(c, summary) for c in cards.render(reply, source=source, banner=banner)]
