"""Questions about a period or a day: "er det noe møte i uke 12", "hvilke møter er det neste uke",
"blir det vårmøte 22. april?".

A period question lists the meetings that start in that period (cancelled ones marked as such) or
says plainly that there are none. A yes/no question about a day answers from the meeting's status
and history: yes (scheduled that day), no – cancelled, no – moved (from that day to when, read from
the audit log of moves), or no – with the day the meeting is actually on. Nothing is guessed: a
week that does not exist in that year is said to not exist.

Periods: "uke N" / "veke N" (this ISO year's, or next year's once the week is over; "uke N 2027"),
"denne uka" / "neste uke" / "neste veke", "denne måneden" / "neste måned" / "neste månad".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from handlers.core.catalog import t
from handlers.core.clock import at_local, local_date
from handlers.core.context import Context
from handlers.core.errors import DateError
from handlers.core.replies import Reply
from handlers.dates.format import format_date
from handlers.dates.parse import parse_date
from handlers.dates.week_rules import has_week_53
from handlers.meetings import labels
from handlers.meetings.selectors import Selector
from handlers.parties.resolver import normalise
from storage.models import AuditEvent, Meeting


@dataclass(frozen=True)
class Period:
    start: date  # first day
    end: date  # day after the last
    label: str  # "uke 12 (16.–22. mars 2026)"


_WEEK = re.compile(r"\b(?:uke|veke|week)\s*(?:nr\.?\s*)?(?P<w>[0-9]{1,2})(?:\s*(?:,|/|-|i)?\s*(?P<y>(?:19|20)[0-9]{2}))?\b")
_NEXT_WEEK = re.compile(r"\b(?:neste|kommende)\s+(?:uke|veke|week)\b")
_THIS_WEEK = re.compile(r"\b(?:denne|dette)\s+(?:uka|uken|veka|veke|uke)\b|\bi\s+(?:uka|veka)\b")
_NEXT_MONTH = re.compile(r"\b(?:neste|kommende)\s+(?:måned|månad|mnd)\b")
_THIS_MONTH = re.compile(r"\b(?:denne|dette)\s+(?:måneden|månaden|måned|månad)\b")
_QUESTION_WORDS = frozenset({"nar", "hvor", "hvem", "kven", "kor", "korleis", "hvordan", "hvorfor"})
_YES_NO_OPENERS = frozenset({"blir", "er", "holdes", "haldast", "skal", "gar", "kommer", "kjem", "avholdes",
                             "vert", "stemmer", "ma"})  # fmt: skip


def period_in(ctx: Context, text: str) -> Period | None:
    """The week or month a question names, or None. Raises DateError for a week that does not exist."""
    lower = text.lower()
    monday = ctx.today - timedelta(days=ctx.today.weekday())
    if _NEXT_WEEK.search(lower):
        return _week_period(monday + timedelta(weeks=1))
    if _THIS_WEEK.search(lower):
        return _week_period(monday)
    if (m := _WEEK.search(lower)) is not None:
        week = int(m.group("w"))
        if m.group("y"):
            year = int(m.group("y"))
        else:
            year = ctx.today.isocalendar().year
            past_tense = bool({"var", "ble", "vart", "forrige"} & set(normalise(text).split()))
            if not past_tense and week < ctx.today.isocalendar().week:
                year += 1
        if not 1 <= week <= 53 or (week == 53 and not has_week_53(year)):
            raise DateError(t("questions.no_such_week", week=week, year=year))
        return _week_period(date.fromisocalendar(year, week, 1))
    first = date(ctx.today.year, ctx.today.month, 1)
    if _NEXT_MONTH.search(lower):
        return _month_period((first + timedelta(days=32)).replace(day=1))
    if _THIS_MONTH.search(lower):
        return _month_period(first)
    return None


def _week_period(monday: date) -> Period:
    sunday = monday + timedelta(days=6)
    week = monday.isocalendar().week
    return Period(monday, sunday + timedelta(days=1),
                  t("questions.week_label", week=week, first=format_date(monday), last=format_date(sunday)))


def _month_period(first: date) -> Period:
    after = (first + timedelta(days=32)).replace(day=1)
    return Period(first, after, t("questions.month_label", month=t(f"dates.month.{first.month}"), year=first.year))


def asked_day(ctx: Context, text: str) -> date | None:
    """The calendar day a yes/no question is about ("… 22. april?"), from its last words."""
    words = text.strip().rstrip("?!. ").split()
    for start in range(max(0, len(words) - 6), len(words)):
        tail = " ".join(words[start:])
        if not re.search(r"[0-9]", tail):
            continue
        try:
            parsed = parse_date(tail, ctx.today, allow_past=True)
        except DateError:
            continue
        if parsed.meeting is None and parsed.date is not None:
            return parsed.date
    return None


def is_yes_no(text: str) -> bool:
    words = normalise(text).split()
    return bool(words) and words[0] in _YES_NO_OPENERS and not (set(words) & _QUESTION_WORDS)


def _meetings(ctx: Context, selector: Selector, start: date, end: date) -> list[Meeting]:
    first = at_local(start, time(0), ctx.tz).replace(tzinfo=None)
    last = at_local(end, time(0), ctx.tz).replace(tzinfo=None)
    stmt = select(Meeting).where(Meeting.starts_at >= first, Meeting.starts_at < last)
    kinds: Sequence[str] | None = selector.kinds
    if kinds:
        stmt = stmt.where(Meeting.kind.in_(list(kinds)))
    if selector.region is not None:
        stmt = stmt.where(Meeting.region == selector.region)
    return list(ctx.session.scalars(stmt.order_by(Meeting.starts_at, Meeting.id)))


def answer_period(ctx: Context, selector: Selector, period: Period) -> Reply:
    rows = _meetings(ctx, selector, period.start, period.end)
    held = [m for m in rows if m.status == "scheduled"]
    if not rows and selector.kinds:
        first = t("questions.period_none_kind", subject=_subject(ctx, selector), period=period.label)
    elif not rows:
        first = t("questions.period_none", period=period.label)
    elif not held:
        first = t("questions.period_only_cancelled", period=period.label)
    else:
        first = t("questions.period_some", period=period.label, n=len(held))
    return Reply(title="", lines=[first, *(labels.list_line(ctx, m) for m in rows)],
                 data={"meeting_ids": [m.id for m in held], "cancelled_ids": [m.id for m in rows if m not in held],
                       "meeting_id": held[0].id if len(held) == 1 else None, "answer": "yes" if held else "no",
                       "period": [period.start.isoformat(), (period.end - timedelta(days=1)).isoformat()]})


def _moved_from(ctx: Context, selector: Selector, day: date) -> Meeting | None:
    """A meeting of the kind asked about that was on `day` before it was moved."""
    events = ctx.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "meeting", AuditEvent.change == "moved")
        .order_by(AuditEvent.id.desc())
    )
    for event in events:
        old = event.old_value if isinstance(event.old_value, dict) else {}
        started = old.get("starts_at")
        if not isinstance(started, str):
            continue
        if local_date(datetime.fromisoformat(started), ctx.tz) != day:
            continue
        meeting = ctx.session.get(Meeting, int(event.entity_id)) if event.entity_id.isdigit() else None
        if meeting is None or (selector.kinds and meeting.kind not in selector.kinds):
            continue
        if selector.region is not None and meeting.region != selector.region:
            continue
        if local_date(meeting.starts_at, ctx.tz) != day:
            return meeting
    return None


def answer_day(ctx: Context, selector: Selector, day: date) -> Reply:
    """Yes, no – cancelled, no – moved, or no – it is on another day."""
    asked = format_date(day)
    subject = _subject(ctx, selector)
    on_day = _meetings(ctx, selector, day, day + timedelta(days=1))
    held = [m for m in on_day if m.status == "scheduled"]
    if held:
        meeting = held[0]
        line = t("questions.day_yes", subject=meeting.title, when=labels.when_label(ctx, meeting))
        return _day_reply("yes", meeting, [line], ctx)
    if on_day:
        meeting = on_day[0]
        return _day_reply("cancelled", meeting, [t("questions.day_cancelled", subject=meeting.title, date=asked)], ctx)
    moved = _moved_from(ctx, selector, day)
    if moved is not None:
        if moved.status == "cancelled":
            line = t("questions.day_moved_cancelled", subject=moved.title, date=asked)
            return _day_reply("cancelled", moved, [line], ctx)
        line = t("questions.day_moved", subject=moved.title, date=asked, when=labels.when_label(ctx, moved))
        return _day_reply("moved", moved, [line], ctx)
    # Not that day: say when it is, if there is one of that kind within a year either side.
    around = [m for m in _meetings(ctx, selector, day - timedelta(days=183), day + timedelta(days=183))
              if m.status == "scheduled"]
    if around:
        nearest = min(around, key=lambda m: abs((local_date(m.starts_at, ctx.tz) - day).days))
        line = t("questions.day_other", subject=labels.capital(subject), date=asked, title=nearest.title,
                 when=labels.when_label(ctx, nearest))
        return _day_reply("no", nearest, [line], ctx)
    return Reply(title="", lines=[t("questions.day_none", subject=subject, date=asked)],
                 data={"answer": "no", "meeting_id": None})


def _subject(ctx: Context, selector: Selector) -> str:
    if not selector.kinds and selector.region is None:
        return t("questions.any_meeting")
    return labels.subject(ctx, selector.kinds, selector.region)


def _day_reply(answer: str, meeting: Meeting, lines: list[str], ctx: Context) -> Reply:
    return Reply(title="", lines=lines, data={"answer": answer, "meeting_id": meeting.id,
                                              "meeting": labels.meeting_json(ctx, meeting)})
