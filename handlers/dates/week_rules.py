"""Rules about weeks and working days: "fredag om to uker", "utgangen av uke 12", "innen 5 virkedager".

Choices (documented for users in docs/BRUKERVEILEDNING.md, "Frister"):

- A week number without a year is this ISO year's week if its Friday has not passed, else next
  ISO year's. "uke 53" in a year that has no week 53 is refused; it is never moved to a later year
  that happens to have one.
- "<ukedag> om N uker" is that weekday in the ISO week N weeks after the current one: on Wednesday
  4 March (week 10) "fredag om to uker" is Friday 20 March (week 12). It is never "today + 14 days"
  (that is a Wednesday). "<ukedag> om 14 dager" is read the same way; a number of days that is not
  whole weeks ("fredag om 10 dager") names no particular Friday and is refused.
- "<ukedag> i uke N" is that weekday of week N.
- The end of a week ("utgangen av uke 12", "i løpet av uke 12") is its Friday, as "uke 12" alone;
  its start is the Monday, its middle the Wednesday.
- Working days ("virkedager", "arbeidsdager", nynorsk "yrkedagar"/"arbeidsdagar") are Norwegian
  working days (`handlers.dates.workdays`): no weekends, no public holidays. "innen 5 virkedager" is
  the fifth working day after today; "første virkedag i mars" the first working day of March.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from handlers.core.catalog import t
from handlers.core.errors import DateError
from handlers.dates.format import format_date
from handlers.dates.values import _NotUnderstood
from handlers.dates.vocabulary import (
    _DEADLINE_PREFIXES,
    _MONTH_ALT,
    _MONTHS,
    _NUMBER_ALT,
    _NUMBER_WORDS,
    _WD_FULL_ALT,
    _WEEKDAYS_FULL,
    _Ctx,
    _last_day,
    _roll,
    _year,
)
from handlers.dates.workdays import NORWAY

_WEEK_WORD = r"(?:uke|veke|week|uke\s+nr\.?|uke\s+nummer)"
_WEEKS_UNIT = r"(?:uker|uke|veker|veke|vekor|weeks|week)"
_DAYS_UNIT = r"(?:dager|dagar|dag|døgn|days|day)"
_WORKDAY_UNIT = (
    r"(?:virkedager|virkedag|virkedagar|verkedagar|yrkedagar|yrkedag|vyrkedagar|arbeidsdager|arbeidsdag|"
    r"arbeidsdagar|working\s+days|working\s+day|business\s+days|business\s+day)"
)
MAX_WORKDAYS = 250  # a year of working days; more is a typo, not a deadline


def number(raw: str) -> int:
    return int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]


def has_week_53(year: int) -> bool:
    return date(year, 12, 28).isocalendar().week == 53


def week_day(week: int, year_text: str | None, weekday: int, c: _Ctx) -> date:
    """Day `weekday` (0 = Monday) of ISO week `week`; without a year this ISO year's or the next's."""
    if not 1 <= week <= 53:
        raise DateError(t("dates.invalid_week", week=week))
    year = _year(year_text, c)
    if year is not None:
        if week == 53 and not has_week_53(year):
            raise DateError(t("dates.no_week_53", year=year))
        return date.fromisocalendar(year, week, weekday + 1)
    # ISO years, not calendar years: in late December "uke 1" is usually next year's week 1. The
    # Friday decides whether a week is over, as "uke 35" means its Friday.
    iso_year = c.today.isocalendar().year
    if week == 53 and not has_week_53(iso_year):
        raise DateError(t("dates.no_week_53", year=iso_year))
    if date.fromisocalendar(iso_year, week, 5) < c.today:
        iso_year += 1
        if week == 53 and not has_week_53(iso_year):
            raise DateError(t("dates.no_week_53_passed", year=iso_year, previous=iso_year - 1))
    return date.fromisocalendar(iso_year, week, weekday + 1)


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


# "fredag om to uker", "fredag om 14 dager", "om to uker på fredag", "fredag neste veke"
_WEEKDAY_IN = re.compile(
    rf"(?:(?:på|on)\s+)?(?P<wd>{_WD_FULL_ALT})\s+om\s+(?P<n>{_NUMBER_ALT})\s*(?P<u>{_WEEKS_UNIT}|{_DAYS_UNIT})"
    rf"|om\s+(?P<n2>{_NUMBER_ALT})\s*(?P<u2>{_WEEKS_UNIT}|{_DAYS_UNIT}),?\s+(?:på\s+)?(?P<wd2>{_WD_FULL_ALT})"
)
_WEEKDAY_OF_WEEK = re.compile(
    rf"(?:(?:på|on)\s+)?(?P<wd>{_WD_FULL_ALT}),?\s+(?:i\s+|in\s+)?{_WEEK_WORD}\s*\.?\s*(?P<w>[0-9]{{1,3}})"
    r"(?:\s*(?:,|/|-|i|in)?\s*(?P<y>[0-9]{4}))?"
)


def weekday_in_weeks(s: str, c: _Ctx) -> date | None:
    if (m := _WEEKDAY_OF_WEEK.fullmatch(s)) is not None:
        return week_day(int(m.group("w")), m.group("y"), _WEEKDAYS_FULL[m.group("wd")], c)
    m = _WEEKDAY_IN.fullmatch(s)
    if m is None:
        return None
    wd = _WEEKDAYS_FULL[m.group("wd") or m.group("wd2")]
    amount = number(m.group("n") or m.group("n2"))
    unit = m.group("u") or m.group("u2")
    if re.fullmatch(_DAYS_UNIT, unit):
        if amount % 7:
            raise DateError(t("dates.weekday_days_mismatch", text=c.original, days=amount))
        amount //= 7
    if not 1 <= amount <= 260:
        raise DateError(t("dates.duration_too_long", text=c.original))
    return _monday(c.today) + timedelta(weeks=amount, days=wd)


_WEEK_PART_WORDS = {
    "utgangen": 4, "utgang": 4, "slutten": 4, "slutt": 4, "enden": 4, "løpet": 4, "end": 4,
    "midten": 2, "middle": 2,
    "begynnelsen": 0, "starten": 0, "start": 0, "beginning": 0,
}  # fmt: skip
_WEEK_PART = re.compile(
    r"(?:(?:i|ved|innen|by|at)\s+)?(?:the\s+)?(?P<part>" + "|".join(_WEEK_PART_WORDS) + r")\s+(?:av|of)\s+"
    rf"(?:{_WEEK_WORD}\s*\.?\s*(?P<w>[0-9]{{1,3}})(?:\s*(?:,|/|-|i|in)?\s*(?P<y>[0-9]{{4}}))?"
    r"|(?P<next>neste\s+uke|neste\s+veke|next\s+week))"
)
# "ultimo uke 12", "primo uke 12"
_WEEK_LATIN = re.compile(
    rf"(?P<part>ultimo|medio|primo)\s+{_WEEK_WORD}\s*\.?\s*(?P<w>[0-9]{{1,3}})(?:\s*(?:,|/|-|i)?\s*(?P<y>[0-9]{{4}}))?"
)


def week_part(s: str, c: _Ctx) -> date | None:
    if (m := _WEEK_LATIN.fullmatch(s)) is not None:
        weekday = {"ultimo": 4, "medio": 2, "primo": 0}[m.group("part")]
        return week_day(int(m.group("w")), m.group("y"), weekday, c)
    m = _WEEK_PART.fullmatch(s)
    if m is None:
        return None
    weekday = _WEEK_PART_WORDS[m.group("part")]
    if m.group("next"):
        return _monday(c.today) + timedelta(weeks=1, days=weekday)
    return week_day(int(m.group("w")), m.group("y"), weekday, c)


# "første virkedag i mars", "siste arbeidsdag i juni 2027", "første virkedag neste måned"
_WORKDAY_OF_MONTH = re.compile(
    rf"(?:den\s+)?(?P<which>første|fyrste|siste|first|last)\s+{_WORKDAY_UNIT}\s+(?:i|in|of)\s+"
    rf"(?:(?P<mn>{_MONTH_ALT})\.?(?:\s+(?:i\s+)?(?P<y>[0-9]{{4}}))?|(?P<rel>neste\s+måned|neste\s+månad|next\s+month))"
)
_WORKDAYS_AHEAD = re.compile(
    rf"(?:(?:om|innen|innan|in|within)\s+)?(?P<n>{_NUMBER_ALT})\s*{_WORKDAY_UNIT}"
    r"(?:s\s+tid)?"
)


def workday_of_month(s: str, c: _Ctx) -> date | None:
    m = _WORKDAY_OF_MONTH.fullmatch(s)
    if m is None:
        return None
    first = m.group("which") in ("første", "fyrste", "first")

    def build(year: int, month: int) -> date:
        if first:
            return NORWAY.on_or_after(date(year, month, 1))
        return NORWAY.on_or_before(date(year, month, _last_day(year, month)))

    if m.group("rel"):
        start = date(c.today.year, c.today.month, 1) + timedelta(days=32)
        return build(start.year, start.month)
    month = _MONTHS[m.group("mn")]
    year = _year(m.group("y"), c)
    return build(year, month) if year is not None else _roll(c, lambda y: build(y, month))


def workdays_ahead(s: str, c: _Ctx) -> date | None:
    m = _WORKDAYS_AHEAD.fullmatch(s)
    if m is None:
        return None
    amount = number(m.group("n"))
    if amount > MAX_WORKDAYS:
        raise DateError(t("dates.duration_too_long", text=c.original))
    has_lead = bool(re.match(r"(?:om|innen|innan|in|within)\s", s))
    if not has_lead and not _DEADLINE_PREFIXES.intersection(c.prefixes):
        # "til 5 virkedager", a bare "5 virkedager": a length of time, not a point in time.
        raise _NotUnderstood(t("dates.duration_not_deadline", text=s))
    if amount == 0:
        raise DateError(t("dates.duration_zero", text=c.original))
    return NORWAY.after(c.today, amount)


def workdays_from(day: date, amount: int, direction: int) -> date:
    """`amount` working days before (direction -1) or after (+1) `day`."""
    return NORWAY.before(day, amount) if direction < 0 else NORWAY.after(day, amount)


def describe_week(d: date) -> str:
    """"20. mars (uke 12)", the label of an alternative in a question about weeks."""
    return t("dates.with_week", date=format_date(d), week=d.isocalendar().week)
