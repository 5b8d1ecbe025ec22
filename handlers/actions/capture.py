"""Capturing an action from a chat message: the new-action form prefilled from what was said, and
the duplicate guard every form submission passes.

Prefilling only ever fills in what is certain: the text (the platform has already turned its markup
into plain text), the parties named in it (exact names and abbreviations, never a close spelling),
the deadline when the whole expression is understood (otherwise empty, never a guess), and the
meeting when the channel or message names one. The person checks the form before saving.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from handlers.actions import lifecycle, views
from handlers.actions.forms import new_action_form
from handlers.core.clock import local_date
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.replies import Form, Option, Reply, Section
from handlers.core.text import clean_input, fold
from handlers.dates.sentence import split_deadline
from handlers.meetings.matching import matching_meeting
from storage.models import OPEN_STATUSES, Action, Meeting

MAX_WORDS = 4  # the longest party name looked up as one ("Statsforvalteren i Troms og Finnmark" is read by resolve)
MEETING_DAYS = 120  # a channel or message names a meeting within this many days of today
_WORD = re.compile(r"[\wÆØÅæøå.-]+")


def recognised_parties(ctx: Context, text: str) -> list[str]:
    """Parties named in `text` for certain: runs of capitalised words that are exactly a party's name
    or abbreviation, longest first. Prose around them is ignored, never reported as unknown."""
    words = [m.group(0).strip(".-") for m in _WORD.finditer(text)]
    found: list[str] = []
    i = 0
    while i < len(words):
        if not words[i][:1].isupper():
            i += 1
            continue
        for size in range(min(MAX_WORDS, len(words) - i), 0, -1):
            key = ctx.resolver.lookup(" ".join(words[i:i + size]), on=ctx.today)
            if key is not None:
                if key not in found:
                    found.append(key)
                i += size
                break
        else:
            i += 1
    return found


def recognised_meeting(ctx: Context, *texts: str) -> Meeting | None:
    """The scheduled meeting near today whose title the channel name or the message contains."""
    folded = [fold(text).replace("-", " ").replace("_", " ") for text in texts if text]
    if not folded:
        return None
    start = ctx.naive_now - timedelta(days=MEETING_DAYS)
    end = ctx.naive_now + timedelta(days=MEETING_DAYS)
    meetings = ctx.session.scalars(select(Meeting).where(
        Meeting.status == "scheduled", Meeting.starts_at >= start, Meeting.starts_at <= end)).all()
    hits = [m for m in meetings if fold(m.title) and any(fold(m.title) in text for text in folded)]
    return hits[0] if len(hits) == 1 else None


def prefill_form(ctx: Context, text: str, *, channel_name: str = "", link: str = "",
                 meeting_id: int | None = None, in_meeting: bool = False) -> Form:
    """The new-action form filled in from a message; `link` is kept with the action it becomes.

    `in_meeting`: the message is in a Teams meeting's chat; with nothing else pointing at a meeting,
    the day's calendar meeting is chosen when it is clear which one that is."""
    form = new_action_form(ctx)
    text = clean_input(text).strip()[:lifecycle.MAX_TEXT]
    values: dict[str, str | list[str]] = {}
    if text:
        body, expression = split_deadline(text)
        values["text"] = text
        if expression:
            try:
                parsed = lifecycle.parse_deadline(ctx, expression, ())
            except UserError:
                parsed = None  # not understood: the person fills it in; never a guess
            if parsed is not None and body.strip():
                values["text"] = body.strip()
                if parsed.date is not None and parsed.meeting is None:
                    values["deadline_date"] = parsed.date.isoformat()
                else:
                    values["deadline_text"] = expression
        parties = recognised_parties(ctx, text)
        if parties:
            values["parties"] = parties
    meeting = ctx.session.get(Meeting, meeting_id) if meeting_id else recognised_meeting(ctx, channel_name, text)
    if meeting is None and in_meeting:
        meeting = matching_meeting(ctx)
    if meeting is not None:
        values["meeting"] = str(meeting.id)
        _ensure_meeting_option(ctx, form, meeting)
    for field in form.fields:
        if field.name in values:
            field.value = values[field.name]
    if link:
        form.context["link"] = link
    return form


def _ensure_meeting_option(ctx: Context, form: Form, meeting: Meeting) -> None:
    field = next((f for f in form.fields if f.name == "meeting"), None)
    if field is not None and not any(o.value == str(meeting.id) for o in field.options):
        label = f"{meeting.title} ({local_date(meeting.starts_at, ctx.tz).strftime('%d.%m.%Y')})"
        field.options.insert(0, Option(str(meeting.id), label))


SEARCH_TEXT = 300  # a search result is a pointer to the action, not the whole text


def search_actions(ctx: Context, words: str, *, skip: int = 0, count: int = 25) -> Reply:
    """Actions for the compose-box search: "12"/"#12" finds that action, other words the actions whose
    text contains them (open ones first, newest first); empty words list the newest open actions."""
    words = clean_input(words).strip()
    query = select(Action)
    wanted = words.lstrip("#")
    if wanted.isdigit() and len(wanted) <= 12:
        query = query.where(Action.id == int(wanted))
    elif words:
        for word in words.split()[:8]:
            query = query.where(Action.text.ilike(f"%{_like(word)}%", escape="\\"))
    else:
        query = query.where(Action.status.in_(list(OPEN_STATUSES)))
    query = query.order_by(Action.status.in_(list(OPEN_STATUSES)).desc(), Action.id.desc())
    rows = ctx.session.scalars(query.offset(max(0, skip)).limit(max(1, min(count, 25)))).all()
    items = []
    for action in rows:
        item = views.item(ctx, action, buttons=True)
        if len(item.text) > SEARCH_TEXT:
            item = replace(item, text=item.text[:SEARCH_TEXT].rstrip() + " …")
        items.append(item)
    return Reply(sections=[Section(title="", items=items)], data={"ids": [i.id for i in items]})


def _like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
