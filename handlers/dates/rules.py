"""The calendar-date rules: each takes the cleaned text and returns a date, None (not mine) or raises."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from dateutil.easter import easter
from dateutil.relativedelta import relativedelta

from handlers.core.catalog import t
from handlers.core.errors import DateError
from handlers.dates.format import format_date, format_date_long, month_name, weekday_name
from handlers.dates.named_days import named_day, options_question, question_text, season
from handlers.dates.values import DateQuestion, _NotUnderstood
from handlers.dates.vocabulary import (
    _DEADLINE_PREFIXES,
    _MONTH_ALT,
    _MONTHS,
    _NUMBER_ALT,
    _NUMBER_WORDS,
    _RELATIVEDELTA_WEEKDAYS,
    _UNIT_ALT,
    _UNIT_LIMITS,
    _UNITS,
    _WD_ANY_ALT,
    _WD_FULL_ALT,
    _WEEKDAYS_ANY,
    _WEEKDAYS_FULL,
    _alternation,
    _Ctx,
    _day_month_year,
    _last_day,
    _roll,
    _year,
)
from handlers.dates.week_rules import (
    describe_week,
    has_week_53,
    week_day,
    week_part,
    weekday_in_weeks,
    workday_of_month,
    workdays_ahead,
)

# --- date rules: each takes the cleaned text and returns a date, None (not mine) or raises --------


_ISO = re.compile(r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})")
_NUMERIC = re.compile(
    r"(?P<d>[0-9]{1,2})\s*(?P<sep>[./])\s*(?P<m>[0-9]{1,2})(?:\s*(?P=sep)\s*(?P<y>[0-9]{4}|[0-9]{2}))?\.?"
)
_NUMERIC_DASH = re.compile(r"(?P<d>[0-9]{1,2})-(?P<m>[0-9]{1,2})-(?P<y>[0-9]{4})")
_DAY_MONTH = re.compile(
    rf"(?P<d>[0-9]{{1,2}})(?:\.|st|nd|rd|th)?\s*(?P<mn>{_MONTH_ALT})\.?(?:,?\s*(?P<y>[0-9]{{4}}|'?[0-9]{{2}}))?"
)
_MONTH_DAY = re.compile(
    rf"(?P<mn>{_MONTH_ALT})\.?\s+(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?(?:,?\s*(?P<y>[0-9]{{4}}))?"
)


def _explicit(s: str, c: _Ctx) -> date | None:
    s = re.sub(r"^(?:den|the)\s+", "", s)
    for pattern in (_ISO, _NUMERIC, _NUMERIC_DASH, _DAY_MONTH, _MONTH_DAY):
        m = pattern.fullmatch(s)
        if m is None:
            continue
        groups = m.groupdict()
        month = _MONTHS[groups["mn"]] if groups.get("mn") else int(groups["m"])
        return _day_month_year(int(groups["d"]), month, _year(groups.get("y"), c), c)
    return None


_WEEKDAY_DATE = re.compile(rf"(?:(?:på|on)\s+)?(?P<wd>{_WD_ANY_ALT})\.?,?\s+(?P<rest>.+)")


def _weekday_with_date(s: str, c: _Ctx) -> date | None:
    m = _WEEKDAY_DATE.fullmatch(s)
    if m is None:
        return None
    found = _explicit(m.group("rest"), c)
    if found is None:
        return None
    given = _WEEKDAYS_ANY[m.group("wd")]
    if found.weekday() != given:
        # "fredag 15. mars" when the 15th is a Sunday: the weekday or the number may be the slip.
        # Ask with both: the named weekday in the same ISO week, and the date as written.
        same_week = _monday(found) + timedelta(days=given)
        options = [d for d in (same_week, found) if d >= c.today or c.allow_past]
        if not options:
            raise DateError(t("dates.past", date=format_date(found), today=format_date(c.today)))
        labelled = tuple((d, format_date_long(d)) for d in options)
        raise DateQuestion(
            t("dates.weekday_mismatch", date=format_date(found), actual=weekday_name(found.weekday()),
              given=weekday_name(given)) + " " + options_question([label for _, label in labelled]),
            labelled,
            c.original,
        )
    return found


# "31. mars (uke 12)", "ultimo mars, uke 13", "15.06 i uke 24": a date and a week that must agree.
_DATE_AND_WEEK = re.compile(
    r"(?P<a>.+?)\s*(?:,|\(|-|/)?\s*(?:i\s+|in\s+)?(?:uke|veke|week)\s*\.?\s*(?P<w>[0-9]{1,2})\s*\)?"
)


def _date_and_week(s: str, c: _Ctx) -> date | None:
    m = _DATE_AND_WEEK.fullmatch(s)
    if m is None or re.search(r"(?:uke|veke|week)\s*$", m.group("a")):
        return None
    written = m.group("a").strip(" ,(")
    found = _explicit(written, c) or _month_part(written, c)
    if found is None:
        return None
    week = int(m.group("w"))
    if found.isocalendar().week == week:
        return found
    iso_year = found.isocalendar().year
    if not 1 <= week <= 53 or (week == 53 and not has_week_53(iso_year)):
        raise DateError(t("dates.invalid_week", week=week))
    friday = date.fromisocalendar(iso_year, week, 5)
    options = [d for d in (friday, found) if d >= c.today or c.allow_past]
    if not options:
        raise DateError(t("dates.past", date=format_date(found), today=format_date(c.today)))
    labelled = tuple((d, describe_week(d)) for d in options)
    raise DateQuestion(question_text(c.original, [label for _, label in labelled]), labelled, c.original)


_RELATIVE_DAYS = {
    "i dag": 0, "idag": 0, "i kveld": 0, "i løpet av dagen": 0, "today": 0, "tonight": 0,
    "i morgen": 1, "imorgen": 1, "i morgon": 1, "tomorrow": 1,
    "i overmorgen": 2, "iovermorgen": 2, "overmorgen": 2, "i overmorgon": 2,
}  # fmt: skip


def _relative_day(s: str, c: _Ctx) -> date | None:
    offset = _RELATIVE_DAYS.get(s)
    return None if offset is None else c.today + timedelta(days=offset)


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


_WEEKDAY = re.compile(
    rf"(?:(?:på|on)\s+)?(?:(?P<mod>neste|kommende|førstkommende|next|this|denne)\s+)?(?P<wd>{_WD_FULL_ALT})"
    r"(?:\s+(?:i\s+)?(?P<week>neste\s+uke|neste\s+veke|next\s+week|denne\s+uka|denne\s+uken|denne\s+veka|this\s+week))?"
)


def _weekday(s: str, c: _Ctx) -> date | None:
    m = _WEEKDAY.fullmatch(s)
    if m is None:
        return None
    wd = _WEEKDAYS_FULL[m.group("wd")]
    mod, week = m.group("mod"), m.group("week") or ""
    if mod in ("neste", "next") or week.startswith("ne"):
        return _monday(c.today) + timedelta(weeks=1, days=wd)
    if mod in ("denne", "this") or week:
        this_week = _monday(c.today) + timedelta(days=wd)
        if this_week < c.today and not c.allow_past:
            raise DateError(t("dates.past", date=format_date(this_week), today=format_date(c.today)))
        return this_week
    start = c.today + timedelta(days=1) if mod in ("kommende", "førstkommende") else c.today
    return start + relativedelta(weekday=_RELATIVEDELTA_WEEKDAYS[wd](+1))


_WEEK = re.compile(
    r"(?:(?:i|in)\s+)?(?:uke|veke|week|uke\s+nr\.?|uke\s+nummer)\s*\.?\s*(?P<w>[0-9]{1,3})"
    r"(?:\s*(?:,|/|-|i|in)?\s*(?P<y>[0-9]{4}))?"
)
_THIS_WEEK = re.compile(
    r"(?:(?:i|ved|innen)\s+)?(?:(?:utgangen|slutten|løpet)\s+av\s+)?(?:uka|uken|veka|denne\s+uka|denne\s+uken|"
    r"this\s+week|end\s+of\s+(?:the\s+)?week)"
)
_NEXT_WEEK = re.compile(r"(?:(?:i|in)\s+)?(?:neste\s+uke|next\s+week|neste\s+veke|neste\s+vike)")


def _week(s: str, c: _Ctx) -> date | None:
    if _NEXT_WEEK.fullmatch(s):
        return _monday(c.today) + timedelta(weeks=1, days=4)
    if _THIS_WEEK.fullmatch(s):
        friday = _monday(c.today) + timedelta(days=4)
        if friday < c.today and not c.allow_past:
            raise DateError(t("dates.week_passed", date=format_date(friday)))
        return friday
    m = _WEEK.fullmatch(s)
    if m is None:
        return None
    return week_day(int(m.group("w")), m.group("y"), 4, c)


_OFFSET = re.compile(r"(?:om|in|i\s+løpet\s+av|innen|within)\s+(?P<rest>.+)")


def _duration(s: str, original: str) -> relativedelta | None:
    m = re.fullmatch(rf"(?P<n>{_NUMBER_ALT})\s*(?P<unit>{_UNIT_ALT})", s)
    if m is None:
        return None
    raw = m.group("n")
    amount = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
    unit = _UNITS[m.group("unit")]
    if amount > _UNIT_LIMITS[unit]:
        raise DateError(t("dates.duration_too_long", text=original))
    return relativedelta(**{unit: amount})


def _offset(s: str, c: _Ctx) -> date | None:
    m = _OFFSET.fullmatch(s)
    if m is not None:
        # "om en ukes tid", "om 14 dagers tid": the genitive form names the same span.
        rest = re.sub(r"s\s+tid$", "", m.group("rest"))
        duration = _duration(rest, c.original)
        return None if duration is None else c.today + duration
    duration = _duration(s, c.original)
    if duration is None:
        return None
    if _DEADLINE_PREFIXES.intersection(c.prefixes):
        return c.today + duration
    # "til 14 dager" or a bare "3 uker" is a length of time, not a point in time.
    raise _NotUnderstood(t("dates.duration_not_deadline", text=s))


_PART_WORDS = {
    "ultimo": "end", "utgangen av": "end", "utgang av": "end", "slutten av": "end", "slutt av": "end",
    "enden av": "end", "løpet av": "end", "end of": "end", "the end of": "end",
    "medio": "mid", "midten av": "mid", "mid": "mid", "the middle of": "mid", "middle of": "mid",
    "primo": "start", "begynnelsen av": "start", "starten av": "start", "start av": "start",
    "the beginning of": "start", "beginning of": "start", "start of": "start",
}  # fmt: skip
_PART = re.compile(rf"(?:(?:i|ved|innen|by|at)\s+)?(?P<part>{_alternation(_PART_WORDS)})[\s-]+(?P<what>.+)")
_ORDINALS = {
    "første": 1, "1": 1, "1.": 1, "first": 1, "andre": 2, "2": 2, "2.": 2, "second": 2,
    "tredje": 3, "3": 3, "3.": 3, "third": 3, "fjerde": 4, "4": 4, "4.": 4, "fourth": 4,
}  # fmt: skip
_PERIOD = re.compile(
    rf"(?:(?P<ord>{_alternation(_ORDINALS)})\s*(?P<kind>kvartal|halvår|quarter|half)|q(?P<q>[1-4])|h(?P<h>[12]))"
    r"(?:\s+(?:i\s+)?(?P<y>[0-9]{4}))?"
)
_MONTH_YEAR = re.compile(rf"(?P<mn>{_MONTH_ALT})\.?(?:\s+(?:i\s+)?(?P<y>[0-9]{{4}}))?")
_YEAR_WORDS = {
    "året": 0, "år": 0, "dette året": 0, "inneværende år": 0, "this year": 0, "the year": 0,
    "neste år": 1, "next year": 1,
}  # fmt: skip
_MONTH_WORDS = {"måneden": 0, "denne måneden": 0, "inneværende måned": 0, "this month": 0,
                "the month": 0, "neste måned": 1, "next month": 1}  # fmt: skip


def _period(s: str, part: str, c: _Ctx) -> date | None:
    """Quarters and half-years; `part` picks their first or last day."""
    m = _PERIOD.fullmatch(s)
    if m is None:
        return None
    if m.group("q"):
        index, size = int(m.group("q")), 3
    elif m.group("h"):
        index, size = int(m.group("h")), 6
    else:
        index = _ORDINALS[m.group("ord")]
        size = 3 if m.group("kind") in ("kvartal", "quarter") else 6
    if index > 12 // size or part == "mid":
        return None
    first_month, last_month = (index - 1) * size + 1, index * size

    def build(year: int) -> date:
        if part == "start":
            return date(year, first_month, 1)
        return date(year, last_month, _last_day(year, last_month))

    year = _year(m.group("y"), c)
    return build(year) if year is not None else _roll(c, build)


def _month_part(s: str, c: _Ctx) -> date | None:
    m = _PART.fullmatch(s)
    if m is None:
        return _period(s, "end", c)
    part, what = _PART_WORDS[m.group("part")], m.group("what")

    def pick(year: int, month: int) -> date:
        day = {"end": _last_day(year, month), "mid": 15, "start": 1}[part]
        return date(year, month, day)

    if (mm := _MONTH_YEAR.fullmatch(what)) is not None:
        month = _MONTHS[mm.group("mn")]
        year = _year(mm.group("y"), c)
        return pick(year, month) if year is not None else _roll(c, lambda y: pick(y, month))
    if what in _MONTH_WORDS:
        first = date(c.today.year, c.today.month, 1) + relativedelta(months=_MONTH_WORDS[what])
        return pick(first.year, first.month)
    if what in _YEAR_WORDS or re.fullmatch(r"[0-9]{4}", what):
        year = c.today.year + _YEAR_WORDS[what] if what in _YEAR_WORDS else _year(what, c)
        assert year is not None
        # The middle of a year is the end of its first half, the natural mid-year deadline.
        return {"end": date(year, 12, 31), "mid": date(year, 6, 30), "start": date(year, 1, 1)}[part]
    return _period(what, part, c)


_SEASON = re.compile(
    r"(?:(?:ved|før|til|innen|i|by|at|before)\s+)?"
    r"(?P<what>årsskiftet|årsskifte|nyttår|nyttåret|new\s+year|jul|julen|juleferien|christmas|"
    r"sommeren|sommerferien|sommaren|sommarferien|summer|påske|påsken|påskeferien|easter)"
    r"(?:\s+(?P<y>[0-9]{4})(?:\s*/\s*(?P<y2>[0-9]{4}|[0-9]{2}))?)?"
)


def _season(s: str, c: _Ctx) -> date | None:
    m = _SEASON.fullmatch(s)
    if m is None:
        return None
    what = m.group("what")
    year = _year(m.group("y"), c)
    if m.group("y2") is not None and year is not None:
        # "årsskiftet 2026/2027": the second year must follow the first, or we would be guessing.
        second = m.group("y2")
        if int(second) != (year + 1 if len(second) == 4 else (year + 1) % 100):
            raise _NotUnderstood(t("dates.not_understood", text=c.original))

    def build(y: int) -> date:
        if what.startswith(("års", "nytt", "new")):
            return date(y, 12, 31)
        if what.startswith(("jul", "christ")):
            return date(y, 12, 20)
        if what.startswith(("sommer", "sommar", "summer")):
            return date(y, 6, 30)
        return easter(y) - timedelta(days=4)

    return build(year) if year is not None else _roll(c, build)


_MONTH_ONLY = re.compile(rf"(?:(?P<during>i|in)\s+)?(?P<mn>{_MONTH_ALT})\.?(?:\s+[0-9]{{4}})?")


def _month_only(s: str, c: _Ctx) -> date | None:
    m = _MONTH_ONLY.fullmatch(s)
    if m is None:
        return None
    number = _MONTHS[m.group("mn")]
    month = month_name(number)
    message = t("dates.month_only", text=c.original, month=month)
    explicit_year = re.search(r"[0-9]{4}", s)
    if m.group("during") and not c.prefixes:
        # "i januar" is work done during January: like "i løpet av januar", it is due on the last day,
        # the one reading that can never be late. After "innen"/"før" the month is a boundary instead.
        if explicit_year:
            year = int(explicit_year.group())
            return date(year, number, _last_day(year, number))
        return _roll(c, lambda y: date(y, number, _last_day(y, number)))
    # After "innen"/"før" a lone month is meant as a deadline and deserves its own question;
    # after "til" it may just as well be a name ("Sende brev til Mai").
    if not _DEADLINE_PREFIXES.intersection(c.prefixes):
        raise _NotUnderstood(message)
    if explicit_year:
        year = int(explicit_year.group())
        last, first = date(year, number, _last_day(year, number)), date(year, number, 1)
    else:
        last = _roll(c, lambda y: date(y, number, _last_day(y, number)))
        first = date(last.year, number, 1)
    # "før mai" may mean "before May begins"; "innen mai" more often "by the end of May". Ask.
    order = (first, last) if c.prefixes[-1:] == ["før"] else (last, first)
    options = [d for d in order if d >= c.today or c.allow_past]
    if not options:
        raise DateError(message)
    labelled = tuple(
        (d, t("dates.month_end_label", date=format_date(d), month=month) if d.day > 1 else format_date(d))
        for d in options
    )
    options_text = options_question([label for _, label in labelled])
    raise DateQuestion(t("dates.month_only_question", text=c.original, month=month, question=options_text),
                       labelled, c.original)


def _hint_unknown_month(s: str, c: _Ctx) -> None:
    m = re.fullmatch(r"(?:den\s+)?[0-9]{1,2}\.?\s*(?P<word>[a-zæøå]{3,})\.?(?:\s+[0-9]{2,4})?", s)
    if m is None:
        return
    typed = m.group("word")
    # Typos in month names are mostly swapped or wrong letters, which edit distance captures and
    # difflib's ratio does not ("jinu" is one swap from "juni" but looks more like "januar" to it).
    distance, month = min((_edit_distance(typed, name), name) for name in _FULL_MONTH_NAMES)
    if distance <= max(2, len(typed) // 3):
        raise _NotUnderstood(t("dates.unknown_month", word=typed, text=c.original, suggestion=month))


_FULL_MONTH_NAMES = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september",
                     "oktober", "november", "desember")  # fmt: skip


def _edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


_DATE_RULES: tuple[Callable[[str, _Ctx], date | None], ...] = (
    _relative_day,
    _weekday_with_date,
    _weekday,
    weekday_in_weeks,
    _week,
    week_part,
    workdays_ahead,
    workday_of_month,
    _offset,
    _month_part,
    _season,
    named_day,
    season,
    _explicit,
    _date_and_week,
    _month_only,
)
