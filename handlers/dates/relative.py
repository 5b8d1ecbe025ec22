"""Deadlines counted from another point: "to uker før vårmøtet", "dagen før 17. mai", "3 dager etter møtet".

The point may be a meeting or a calendar date. Relative to a meeting the result is a `MeetingRef`
with `offset_days`, so it is resolved when the meeting is known, kept relative while it is not,
and moved with the meeting (`handlers.meetings.deadlines`). Offsets from a meeting are whole days
or weeks: "3 virkedager før møtet" or "en måned før møtet" would silently stop meaning that once
the meeting moved by a day that changes the count, so they are refused with a hint to count in
days. Relative to a calendar date, working days and months are fine.

`dateutil.relativedelta` does the arithmetic relative to calendar dates, so "en måned før 31. mars"
is the last day of February.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from handlers.core.catalog import t
from handlers.core.errors import DateError
from handlers.dates.format import format_date, format_meeting_ref
from handlers.dates.values import DeadlineParse, _NotUnderstood
from handlers.dates.vocabulary import _NUMBER_ALT, _UNIT_ALT, _UNIT_LIMITS, _UNITS, _Ctx
from handlers.dates.week_rules import _WORKDAY_UNIT, MAX_WORKDAYS, number, workdays_from

_BEFORE = {"før": -1, "forut for": -1, "ahead of": -1, "before": -1, "etter": 1, "after": 1}
_DIRECTION = r"(?P<dir>før|forut\s+for|etter|before|after|ahead\s+of)"
_RELATIVE = re.compile(
    rf"(?:(?P<n>{_NUMBER_ALT})\s*(?:(?P<wd>{_WORKDAY_UNIT})|(?P<unit>{_UNIT_ALT}))"
    r"|(?P<one>dagen|døgnet|uka|uken|veka|the\s+day|the\s+week))"
    rf"\s+{_DIRECTION}\s+(?P<rest>.+)"
)


def relative(s: str, c: _Ctx, inner: Callable[[str, _Ctx], DeadlineParse]) -> DeadlineParse | None:
    """`inner` parses the point counted from (a meeting or a date) with the same context."""
    m = _RELATIVE.fullmatch(s)
    if m is None:
        return None
    direction = _BEFORE[re.sub(r"\s+", " ", m.group("dir"))]
    sub = _Ctx(today=c.today, allow_past=True, meetings=c.meetings, original=c.original, partial=False)
    try:
        point = inner(m.group("rest"), sub)
    except _NotUnderstood:
        return None  # the caller reports which part was not understood
    workdays = 0
    days = 0
    delta: relativedelta | None = None
    if m.group("one"):
        one = m.group("one")
        days = 1 if one in ("dagen", "døgnet", "the day") else 7
    else:
        amount = number(m.group("n"))
        if m.group("wd"):
            if amount > MAX_WORKDAYS:
                raise DateError(t("dates.duration_too_long", text=c.original))
            workdays = amount
        else:
            unit = _UNITS[m.group("unit")]
            if amount > _UNIT_LIMITS[unit]:
                raise DateError(t("dates.duration_too_long", text=c.original))
            if unit == "days":
                days = amount
            elif unit == "weeks":
                days = 7 * amount
            else:
                delta = relativedelta(**{unit: amount})
        if amount == 0:
            raise DateError(t("dates.duration_zero", text=c.original))

    if point.meeting is not None:
        if workdays or delta is not None:
            raise DateError(t("dates.meeting_offset_unit", text=c.original, meeting=format_meeting_ref(point.meeting)))
        ref = replace(point.meeting, offset_days=point.meeting.offset_days + direction * days)
        # `inner` resolved the meeting itself; the deadline is the offset from its date.
        found = ref.on(point.date)
        if found is not None and found < c.today and not c.allow_past:
            raise DateError(t("dates.relative_past", text=c.original, date=format_date(found),
                              meeting=format_meeting_ref(point.meeting), meeting_date=format_date(point.date))
                            if point.date else t("dates.not_understood", text=c.original))
        return DeadlineParse(found, ref, c.original)

    assert point.date is not None
    if workdays:
        found = workdays_from(point.date, workdays, direction)
    elif delta is not None:
        found = point.date + delta if direction > 0 else point.date - delta
    else:
        found = point.date + timedelta(days=direction * days)
    return DeadlineParse(found, None, c.original)
