"""The Norwegian words of dates (months, weekdays, numbers, units) and the state shared by the parsing rules."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta

from handlers.core.catalog import t
from handlers.core.errors import DateError
from handlers.dates.format import format_date, month_name
from handlers.dates.values import MAX_YEARS_AHEAD, MeetingLookup, _NotUnderstood

# --- vocabulary ------------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("januar", "jan", "january"),
            ("februar", "feb", "febr", "february"),
            ("mars", "mar", "march"),
            ("april", "apr"),
            ("mai", "may"),
            ("juni", "jun", "june"),
            ("juli", "jul", "july"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "okt", "october", "oct"),
            ("november", "nov"),
            ("desember", "des", "december", "dec"),
        ),
        start=1,
    )
    for name in names
}

# Full names only: abbreviations such as "man" (also a pronoun) or "fre" are accepted solely in
# front of an explicit date, where they cannot be mistaken for ordinary words.
_WEEKDAYS_FULL: dict[str, int] = {
    "mandag": 0, "måndag": 0, "monday": 0,
    "tirsdag": 1, "tysdag": 1, "tuesday": 1,
    "onsdag": 2, "wednesday": 2,
    "torsdag": 3, "thursday": 3,
    "fredag": 4, "friday": 4,
    "lørdag": 5, "laurdag": 5, "saturday": 5,
    "søndag": 6, "sundag": 6, "sunday": 6,
}  # fmt: skip
_WEEKDAYS_ANY: dict[str, int] = {
    **_WEEKDAYS_FULL,
    "man": 0, "mon": 0, "tir": 1, "tirs": 1, "tue": 1, "ons": 2, "wed": 2, "tor": 3, "tors": 3,
    "thu": 3, "fre": 4, "fri": 4, "lør": 5, "sat": 5, "søn": 6, "sun": 6,
}  # fmt: skip
_RELATIVEDELTA_WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)

_NUMBER_WORDS: dict[str, int] = {
    "en": 1, "én": 1, "ei": 1, "ett": 1, "et": 1, "ein": 1, "eitt": 1, "eit": 1,
    "one": 1, "a": 1, "an": 1,
    "to": 2, "two": 2, "tre": 3, "three": 3, "fire": 4, "four": 4, "fem": 5, "five": 5,
    "seks": 6, "six": 6, "sju": 7, "syv": 7, "seven": 7, "åtte": 8, "eight": 8,
    "ni": 9, "nine": 9, "ti": 10, "ten": 10, "elleve": 11, "eleven": 11, "tolv": 12, "twelve": 12,
    "tretten": 13, "fjorten": 14, "femten": 15, "seksten": 16, "sytten": 17, "atten": 18,
    "nitten": 19, "tjue": 20, "tjuge": 20,
}  # fmt: skip

_UNITS: dict[str, str] = {
    "dag": "days", "dager": "days", "dagar": "days", "døgn": "days", "day": "days", "days": "days",
    "uke": "weeks", "uker": "weeks", "veke": "weeks", "veker": "weeks", "week": "weeks", "weeks": "weeks",
    "måned": "months", "måneder": "months", "månad": "months", "månader": "months", "mnd": "months",
    "month": "months", "months": "months",
    "år": "years", "year": "years", "years": "years",
}  # fmt: skip
# Caps keep every result inside MAX_YEARS_AHEAD and every computation far from date overflow.
_UNIT_LIMITS = {"days": 3660, "weeks": 522, "months": 120, "years": 10}


def _alternation(words: Iterable[str]) -> str:
    # Longest first, so "juni" is tried before "jun" and "tirs" before "tir".
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_MONTH_ALT = _alternation(_MONTHS)
_WD_FULL_ALT = _alternation(_WEEKDAYS_FULL)
_WD_ANY_ALT = _alternation(_WEEKDAYS_ANY)
_NUMBER_ALT = "[0-9]{1,5}|" + _alternation(_NUMBER_WORDS)
_UNIT_ALT = _alternation(_UNITS)

# Characters that may surround an expression without changing it ("(frist 15. juni).", "«fredag»").
_EDGE = " \t\n.,;:!?()[]{}\"'«»“”‘’*_"
_MAX_TEXT = 200


# --- parsing machinery -----------------------------------------------------------------------------


@dataclass
class _Ctx:
    today: date
    allow_past: bool
    meetings: MeetingLookup | None
    original: str
    prefixes: list[str] = field(default_factory=list)
    # Whether a failed parse looks for a part that does parse, to say which part was not understood.
    partial: bool = True


def _normalize(text: str) -> str:
    lowered = text.lower()
    for dash in "‐‑‒–—":
        lowered = lowered.replace(dash, "-")
    return re.sub(r"\s+", " ", lowered).strip(_EDGE)


_PREFIX = re.compile(
    r"(?P<word>innen|innan|til|før|senest|seinast|seinest|frist(?:en)?(?:\s+er)?|med\s+frist|"
    r"by|before|until|due)(?![\wæøå])\s*:?\s*"
)
# Prefixes after which a bare duration ("innen 14 dager") or a lone month is clearly a deadline.
_DEADLINE_PREFIXES = {"innen", "innan", "senest", "seinast", "seinest", "frist", "fristen", "før"}

_TIME = re.compile(r",?\s+(?:kl\.?|klokka|klokken|at)\s*(?P<h>[0-9]{1,2})(?:[.:](?P<m>[0-9]{2}))?$")


def _strip_time(s: str, c: _Ctx) -> str:
    m = _TIME.search(s)
    if m is None or m.start() == 0:
        return s
    hour, minute = int(m.group("h")), int(m.group("m") or 0)
    if hour > 23 or minute > 59:
        raise DateError(t("dates.invalid_time", text=c.original))
    return s[: m.start()].strip(_EDGE)


def _checked(d: date, c: _Ctx) -> date:
    if d < c.today and not c.allow_past:
        raise DateError(t("dates.past", date=format_date(d), today=format_date(c.today)))
    if d > c.today + relativedelta(years=MAX_YEARS_AHEAD):
        raise DateError(t("dates.too_far", date=format_date(d), years=MAX_YEARS_AHEAD))
    return d


def _roll(c: _Ctx, build: Callable[[int], date | None]) -> date:
    """The first date on or after today that `build(year)` gives, trying this year and onwards."""
    # Nine years always contain a leap day and an ISO year with 53 weeks.
    for year in range(c.today.year, min(c.today.year + 9, 9999) + 1):
        candidate = build(year)
        if candidate is not None and candidate >= c.today:
            return candidate
    raise _NotUnderstood(t("dates.not_understood", text=c.original))


def _year(text: str | None, c: _Ctx) -> int | None:
    if text is None:
        return None
    digits = text.lstrip("'")
    year = 2000 + int(digits) if len(digits) == 2 else int(digits)
    if year < 1900:
        raise DateError(t("dates.year_out_of_range", year=year, text=c.original))
    return year


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _day_month_year(day: int, month: int, year: int | None, c: _Ctx) -> date:
    """A validated date; without a year, the next occurrence on or after today."""
    if not 1 <= month <= 12:
        raise DateError(t("dates.invalid_month", text=c.original, month=month))
    if day < 1:
        raise DateError(t("dates.invalid_day_zero", text=c.original))
    if year is not None:
        last = _last_day(year, month)
        if day > last:
            if month == 2 and day == 29:
                raise DateError(t("dates.not_leap_year", text=c.original, year=year))
            raise DateError(
                t("dates.invalid_day", text=c.original, month=month_name(month), year=year, days=last)
            )
        return date(year, month, day)
    most = 29 if month == 2 else _last_day(2001, month)
    if day > most:
        raise DateError(t("dates.invalid_day_any_year", text=c.original, month=month_name(month), days=most))
    return _roll(c, lambda y: date(y, month, day) if day <= _last_day(y, month) else None)
