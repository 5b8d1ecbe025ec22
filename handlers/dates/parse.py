"""Norwegian deadline expressions: parsing one into a date or a meeting reference.

The parser is a small set of Norwegian rules over `python-dateutil` (`relativedelta` does the
calendar arithmetic: month ends, weekdays, "om en måned"; `easter` places Easter). It does not use
`dateutil.parser` for day–month–year text: that parser fills in missing fields from a default and
skips words it does not know, which is exactly the silent guessing a deadline must never do. Each
rule here matches the whole expression or nothing, so anything not understood becomes a
`DateError` that lists what does work.

Choices that a reader might otherwise have to guess (all "today" values come from the caller):

- A date without a year ("15. juni", "ultimo mars", "uke 35", "før jul") is the next such date on
  or after today, so it is never in the past. "29. februar" without a year is the next leap day.
- A date with an explicit year before today is refused unless `allow_past=True` (protocol import,
  where `today` is the meeting date). A date more than ten years ahead is refused as a likely typo.
- "fredag" / "på fredag" is the next Friday on or after today (today, if today is a Friday);
  "kommende fredag" / "førstkommende fredag" is strictly after today; "neste fredag" and
  "fredag neste uke" are the Friday of next ISO week (Monday-based), which is what most people
  mean in the second half of a week and what a calendar shows.
- "uke 35" means the Friday of that ISO week: a deadline "in week 35" has to be met by the end of
  the working week. "neste uke" is the Friday of next week, "utgangen av uka" this week's Friday.
- "ultimo"/"utgangen av"/"slutten av"/"i løpet av" a month is its last day; "medio"/"midten av" is
  the 15th; "primo"/"begynnelsen av" is the 1st (some offices read primo as "about the 5th"; the
  1st is the reading that can never be late).
- "årsskiftet"/"nyttår" is 31 December, "før sommeren" 30 June, "før jul" 20 December (the last
  ordinary working days before the Christmas break), "før påske" the Wednesday before Maundy
  Thursday (the last working day before the Easter holidays).
- "om en måned" uses calendar months (31 January + 1 month = 28/29 February), not 30 days.
- "før 15. juni" is read like "innen 15. juni": in everyday Norwegian both name the last day, and
  a deadline one day early would surprise more people than it helps.
- A lone month ("innen mai") is refused with a question (end, middle or first of the month?).
- A trailing time ("fredag kl. 12") is accepted and dropped: deadlines are whole days.
- Meeting references ("til neste møte", "til vårmøtet 2024") yield a `MeetingRef`; the date comes
  from the caller's lookup and is None when the meeting is not scheduled yet. "dialogmøtet" and
  "neste nasjonale møte" name a family rather than one meeting: the earliest scheduled of its spring
  and autumn meetings is taken, or, with nothing scheduled, spring in the first half of the year and
  autumn in the second.
"""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta

from handlers.core.catalog import t
from handlers.core.errors import DateError
from handlers.dates.meeting_refs import _meeting
from handlers.dates.relative import relative
from handlers.dates.rules import _DATE_RULES, _duration, _hint_unknown_month
from handlers.dates.values import (
    MAX_YEARS_AHEAD,
    DeadlineParse,
    MeetingLookup,
    _NotUnderstood,
    _PartlyUnderstood,
)
from handlers.dates.vocabulary import _MAX_TEXT, _PREFIX, _checked, _Ctx, _normalize, _strip_time

# --- public API ------------------------------------------------------------------------------------


def parse_date(
    text: str,
    today: date,
    *,
    allow_past: bool = False,
    meetings: MeetingLookup | None = None,
) -> DeadlineParse:
    """The deadline that `text` names, relative to `today`; raises DateError on anything unclear."""
    ctx = _Ctx(today=today, allow_past=allow_past, meetings=meetings, original=text.strip())
    try:
        return _parse(ctx)
    except (OverflowError, ValueError) as error:
        # Date arithmetic can only run off the calendar when `today` is near year 9999; anywhere
        # else this is a bug and must surface as one rather than as a message to the user.
        if today.year < 9999 - 2 * MAX_YEARS_AHEAD:
            raise
        raise DateError(t("dates.not_understood", text=ctx.original)) from error


def parse_duration(text: str) -> relativedelta:
    """"1 uke", "to uker", "14 dager", "1 måned" -> relativedelta; raises DateError otherwise."""
    cleaned = _normalize(text)
    duration = _duration(cleaned, text.strip())
    if duration is None:
        raise DateError(t("dates.duration_not_understood", text=text.strip()))
    return duration


def _parse(c: _Ctx) -> DeadlineParse:
    s = _normalize(c.original)
    if not s:
        raise _NotUnderstood(t("dates.empty"))
    if len(s) > _MAX_TEXT:
        raise _NotUnderstood(t("dates.not_understood", text=c.original[:60] + "…"))
    while (m := _PREFIX.match(s)) and m.end() < len(s):
        word = m.group("word")
        c.prefixes.append("frist" if "frist" in word else word)
        s = s[m.end() :]
    s = _strip_time(s, c)

    found = _parse_core(s, c)
    if found is not None:
        return found
    _hint_unknown_month(s, c)
    if c.partial:
        _refuse_partly_understood(s, c)
    raise _NotUnderstood(t("dates.not_understood", text=c.original))


def _parse_core(s: str, c: _Ctx) -> DeadlineParse | None:
    counted = relative(s, c, _inner)
    if counted is not None:
        return counted
    meeting = _meeting(s, c)
    if meeting is not None:
        return meeting
    for rule in _DATE_RULES:
        found = rule(s, c)
        if found is not None:
            return DeadlineParse(_checked(found, c), None, c.original)
    return None


def _inner(s: str, c: _Ctx) -> DeadlineParse:
    """The point a relative deadline counts from ("vårmøtet" in "to uker før vårmøtet")."""
    found = _parse_core(s, c)
    if found is None:
        raise _NotUnderstood(t("dates.not_understood", text=c.original))
    return found


def _refuse_partly_understood(s: str, c: _Ctx) -> None:
    """Raise if the text starts or ends with a date expression but has words we do not understand.

    "to uker før vårmøtet" with an unknown "to uker", or "15. juni eller før": a deadline taken from
    the understood part alone would be silently wrong, so the whole text is refused and the
    message says which words were not understood.
    """
    words = s.split()
    cuts = [(" ".join(words[k:]), " ".join(words[:k])) for k in range(1, len(words))]
    cuts += [(" ".join(words[:k]), " ".join(words[k:])) for k in range(len(words) - 1, 0, -1)]
    for understood, rest in cuts:
        sub = _Ctx(today=c.today, allow_past=True, meetings=c.meetings, original=understood, partial=False)
        try:
            _parse(sub)
        except _NotUnderstood:
            continue
        except DateError:
            pass  # a date expression with a mistake in it is still a date expression
        raise _PartlyUnderstood(t("dates.partly_understood", text=c.original, understood=understood, rest=rest))
