"""Norwegian deadline expressions: parsing, finding them in a sentence, and showing dates.

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

import calendar
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from dateutil.easter import easter
from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta

from handlers.catalog import t
from handlers.clock import DEFAULT_TZ, local_datetime
from handlers.errors import DateError

MEETING_KINDS = (
    "national-spring",
    "national-autumn",
    "regional-spring",
    "regional-autumn",
    "au",
    "steering-group",
    "other",
)

# Beyond this a year is far more likely a typo ("2207") than a real deadline.
MAX_YEARS_AHEAD = 10


@dataclass(frozen=True)
class MeetingRef:
    """A deadline tied to a meeting rather than a calendar date."""

    kind: str | None  # one of MEETING_KINDS, or None for "the next meeting"
    year: int | None


@dataclass(frozen=True)
class DeadlineParse:
    date: date | None  # None only when `meeting` is set and not yet scheduled
    meeting: MeetingRef | None
    text: str  # the expression as written


MeetingLookup = Callable[[MeetingRef], date | None]


class _NotUnderstood(DateError):
    """The text is not a date expression at all (as opposed to a date expression that is wrong).

    `split_deadline` needs the difference: "til KDD" is ordinary Norwegian, while "til 31.02" is a
    deadline with a mistake the user should hear about.
    """


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


def split_deadline(text: str) -> tuple[str, str | None]:
    """Split an action text into (text without the deadline, deadline expression or None).

    The main case is a trailing phrase: "Sende brev til KDD innen 15. juni" ->
    ("Sende brev til KDD", "innen 15. juni"). A phrase at the very start ("Innen fredag: ringe KS")
    or introduced by innen/senest/frist/"i uke" in the middle is found too. A candidate only counts
    when it is a date or meeting expression as a whole, which is what keeps "til KDD" in the text.

    "legges fram for styringsgruppen" and similar verb phrases are returned as the expression but
    left in the text, because removing them would leave a broken sentence ("…forslag som").
    """
    words = list(re.finditer(r"\S+", text))
    count = len(words)

    def word(i: int) -> str:
        return words[i].group().lower().strip(_EDGE)

    def span(i: int, j: int) -> str:
        return text[words[i].start() : words[j - 1].end()].strip(_EDGE)

    def may_start(i: int) -> bool:
        trigger = word(i)
        if trigger in _PREPOSITIONS:
            return True
        if trigger not in _TRIGGERS:
            return False
        # "brev om neste møte", "plan for slutten av mai": the phrase belongs to the word before.
        if i > 0 and word(i - 1) in _BINDING_WORDS:
            return False
        if trigger in _NEXT_WORDS:
            # "Planlegge neste møte" is work to do, "ringe KS neste fredag" is a deadline.
            return i + 1 < count and (word(i + 1) in _WEEKDAYS_FULL or word(i + 1) in ("uke", "veke", "week"))
        return True

    # Leftmost start first: that is the longest trailing phrase that still parses as a whole.
    for i in range(max(0, count - _SPLIT_MAX_WORDS), count):
        if not may_start(i):
            continue
        expression = span(i, count)
        if expression and _is_deadline(expression):
            if word(i) in _KEEP_IN_TEXT:
                return text.strip(), expression
            return text[: words[i].start()].strip(_REST_EDGE), expression

    for i in range(count):
        trigger = word(i)
        inside = trigger in _STRONG_TRIGGERS or (
            trigger == "i" and i + 1 < count and word(i + 1) in ("uke", "veke")
        )
        leading = i == 0 and trigger in _LEADING_TRIGGERS
        if not (inside or leading):
            continue
        for j in range(min(count - 1, i + _SPLIT_MAX_WORDS), i, -1):
            expression = span(i, j)
            if expression and _is_deadline(expression):
                before = text[: words[i].start()].rstrip(_REST_EDGE)
                after = text[words[j].start() :].lstrip(_REST_EDGE)
                return f"{before} {after}".strip(), expression
    return text.strip(), None


def format_date(d: date) -> str:
    """"15. juni 2027"."""
    return t("dates.date", day=d.day, month=month_name(d.month), year=d.year)


def format_date_short(d: date) -> str:
    """"15.06.2027"."""
    return f"{d.day:02d}.{d.month:02d}.{d.year}"


def format_date_long(d: date) -> str:
    """"tirsdag 15. juni 2027"."""
    return t(
        "dates.weekday_date", weekday=weekday_name(d.weekday()), day=d.day, month=month_name(d.month),
        year=d.year,
    )


def format_datetime(dt: datetime, tz: tzinfo = DEFAULT_TZ) -> str:
    """"tirsdag 15. juni 2027 kl. 10.00" in `tz`; a naive `dt` is UTC, as the database stores it."""
    local = local_datetime(dt, tz)  # type: ignore[arg-type]  # any tzinfo works there
    return t(
        "dates.datetime", weekday=weekday_name(local.weekday()), day=local.day,
        month=month_name(local.month), year=local.year, hour=local.hour, minute=local.minute,
    )


def format_meeting_ref(ref: MeetingRef) -> str:
    """"vårmøtet 2024", "neste møte", "neste AU-møte"."""
    kind = ref.kind if ref.kind in MEETING_KINDS else "next"
    label = t(f"dates.meeting.{kind}")
    if ref.year is not None:
        label = t("dates.meeting.with_year", meeting=label, year=ref.year)
    return label


def format_deadline(parsed: DeadlineParse) -> str:
    """How a parsed deadline reads back to the user: a date, or a meeting and its date if known."""
    if parsed.meeting is None:
        return format_date(parsed.date) if parsed.date else parsed.text
    meeting = format_meeting_ref(parsed.meeting)
    if parsed.date is None:
        return t("dates.deadline.meeting_unscheduled", meeting=meeting)
    return t("dates.deadline.meeting_on", meeting=meeting, date=format_date(parsed.date))


def month_name(month: int) -> str:
    return t(f"dates.month.{month}")


def weekday_name(weekday: int) -> str:
    """Monday is 0, as in `date.weekday()`."""
    return t(f"dates.weekday.{weekday}")


# --- parsing machinery -----------------------------------------------------------------------------


@dataclass
class _Ctx:
    today: date
    allow_past: bool
    meetings: MeetingLookup | None
    original: str
    prefixes: list[str] = field(default_factory=list)


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

    meeting = _meeting(s, c)
    if meeting is not None:
        return meeting
    for rule in _DATE_RULES:
        found = rule(s, c)
        if found is not None:
            return DeadlineParse(_checked(found, c), None, c.original)
    _hint_unknown_month(s, c)
    raise _NotUnderstood(t("dates.not_understood", text=c.original))


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
        raise DateError(
            t(
                "dates.weekday_mismatch", date=format_date(found), actual=weekday_name(found.weekday()),
                given=weekday_name(given),
            )
        )
    return found


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
    r"(?:\s+(?:i\s+)?(?P<week>neste\s+uke|next\s+week|denne\s+uka|denne\s+uken|denne\s+veka|this\s+week))?"
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
_NEXT_WEEK = re.compile(r"(?:(?:i|in)\s+)?(?:neste\s+uke|next\s+week|neste\s+veke)")


def _has_week_53(year: int) -> bool:
    return date(year, 12, 28).isocalendar().week == 53


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
    week = int(m.group("w"))
    if not 1 <= week <= 53:
        raise DateError(t("dates.invalid_week", week=week))
    year = _year(m.group("y"), c)
    if year is not None:
        if week == 53 and not _has_week_53(year):
            raise DateError(t("dates.no_week_53", year=year))
        return date.fromisocalendar(year, week, 5)
    # ISO years, not calendar years: in late December "uke 1" is usually next year's week 1.
    start = c.today.isocalendar().year
    for iso_year in range(start, start + 9):
        if week == 53 and not _has_week_53(iso_year):
            continue
        friday = date.fromisocalendar(iso_year, week, 5)
        if friday >= c.today:
            return friday
    raise _NotUnderstood(t("dates.not_understood", text=c.original))


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
    r"sommeren|sommerferien|summer|påske|påsken|påskeferien|easter)"
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
        if what.startswith(("sommer", "summer")):
            return date(y, 6, 30)
        return easter(y) - timedelta(days=4)

    return build(year) if year is not None else _roll(c, build)


_MONTH_ONLY = re.compile(rf"(?:(?:i|in)\s+)?(?P<mn>{_MONTH_ALT})\.?(?:\s+[0-9]{{4}})?")


def _month_only(s: str, c: _Ctx) -> date | None:
    m = _MONTH_ONLY.fullmatch(s)
    if m is None:
        return None
    month = month_name(_MONTHS[m.group("mn")])
    message = t("dates.month_only", text=c.original, month=month)
    # After "innen"/"før" a lone month is meant as a deadline and deserves its own question;
    # after "til" it may just as well be a name ("Sende brev til Mai").
    if _DEADLINE_PREFIXES.intersection(c.prefixes):
        raise DateError(message)
    raise _NotUnderstood(message)


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
    _week,
    _offset,
    _month_part,
    _season,
    _explicit,
    _month_only,
)


# --- meeting references ----------------------------------------------------------------------------

_NATIONAL, _REGIONAL = "national", "regional"  # families: the season is decided later
_NO_MATCH = "-"

_LEAD_PRESENT = re.compile(
    r"(?:som\s+)?(?:skal\s+)?(?:(?:legges|legge|leggast|blir\s+lagt)\s+(?:fram|frem)|(?:tas|takast)\s+opp|"
    r"behandles|handsamast|presenteres|rapporteres|drøftes|diskuteres)\s+(?:på|for|i|til|av|med)\s+"
)
_LEAD_SIMPLE = re.compile(r"(?:på|i|ved|under|at|for)\s+")
_NEXT = r"(?:(?:neste|førstkommende|kommende|next)\s+)"
_MEETING = r"(?:møte|møtet)"
_AU = r"(?:au|arbeidsutvalget)(?:\s+for\s+nasjonal\s+samhandlingsmodell)?"
_STEERING = r"(?:styringsgruppen|styringsgruppa|styringsgruppe)(?:\s+for\s+\S+)?"
_NSM = r"(?:nasjonal\s+samhandlingsmodell|samhandlingsmodellen)"

# (pattern, kind, only after "legges fram for"-style verbs). Order matters: specific before general.
_MEETING_PATTERNS: tuple[tuple[re.Pattern[str], str | None, bool], ...] = tuple(
    (re.compile(pattern), kind, presented_only)
    for pattern, kind, presented_only in (
        (rf"{_NEXT}?{_MEETING}\s+i\s+{_AU}", "au", False),
        (rf"{_NEXT}?(?:au|arbeidsutvalgs)[- ]?{_MEETING}", "au", False),
        (r"(?:au|arbeidsutvalgets)\s+(?:sitt\s+)?neste\s+møte", "au", False),
        (rf"{_NEXT}?{_MEETING}\s+i\s+{_STEERING}", "steering-group", False),
        (rf"{_NEXT}?(?:styringsgruppe|styringsgruppa)[- ]?{_MEETING}", "steering-group", False),
        (r"(?:styringsgruppens|styringsgruppas)\s+neste\s+møte", "steering-group", False),
        (rf"{_NEXT}?(?:regionale|regionalt)\s+(?:vårmøte|vårmøtet)", "regional-spring", False),
        (rf"{_NEXT}?(?:regionale|regionalt)\s+(?:høstmøte|høstmøtet|haustmøte|haustmøtet)", "regional-autumn", False),
        (r"vårens\s+(?:regionale\s+)?dialogmøte", "regional-spring", False),
        (r"(?:høstens|haustens)\s+(?:regionale\s+)?dialogmøte", "regional-autumn", False),
        (rf"{_NEXT}?(?:nasjonale\s+|nasjonalt\s+)?(?:vårmøte|vårmøtet|vårsamling|vårsamlingen)", "national-spring",
         False),
        (rf"{_NEXT}?(?:nasjonale\s+|nasjonalt\s+)?(?:høstmøte|høstmøtet|haustmøte|haustmøtet|høstsamling|"
         r"høstsamlingen)", "national-autumn", False),
        (rf"{_NEXT}?(?:regionale\s+|regionalt\s+)?(?:dialogmøte|dialogmøtet)", _REGIONAL, False),
        (rf"{_NEXT}?regionale\s+(?:møte|møtet|samling|samlingen)", _REGIONAL, False),
        (rf"{_NEXT}?nasjonale\s+(?:møte|møtet|samling|samlingen)", _NATIONAL, False),
        (rf"{_NEXT}?{_MEETING}\s+i\s+{_NSM}", _NATIONAL, False),
        (rf"{_NEXT}(?:møte|møtet|samling|samlingen|meeting)", None, False),
        (rf"{_NEXT}{_MEETING}\s+(?:i|med)\s+[^0-9].{{0,60}}", "other", False),
        (_STEERING, "steering-group", True),
        (_AU, "au", True),
        (rf"{_NSM}|plenum", _NATIONAL, True),
        (rf"{_MEETING}\s+(?:i|med)\s+[^0-9].{{0,60}}", "other", True),
        (r"[a-zæøå-]{2,}møtet?", "other", True),
    )
)

_MEETING_YEAR = re.compile(r"\s+(?:(?:i|in)\s+)?(?P<y>[0-9]{4})$|\s+(?P<rel>i\s+år|neste\s+år|i\s+fjor)$")
_MEETING_SEASON = re.compile(r"\s+i\s+(?P<season>vår|høst|haust)$")


def _meeting(s: str, c: _Ctx) -> DeadlineParse | None:
    presented = False
    if (m := _LEAD_PRESENT.match(s)) is not None:
        s, presented = s[m.end() :], True
    elif (m := _LEAD_SIMPLE.match(s)) is not None:
        s = s[m.end() :]
    s = re.sub(r"^(?:det|den|the)\s+", "", s)

    year: int | None = None
    if (m := _MEETING_YEAR.search(s)) is not None:
        rel = m.group("rel")
        if rel is None:
            year = _year(m.group("y"), c)
        else:
            year = c.today.year + {"i år": 0, "neste år": 1, "i fjor": -1}[re.sub(r"\s+", " ", rel)]
        s = s[: m.start()]
    season = None
    if (m := _MEETING_SEASON.search(s)) is not None:
        season = "spring" if m.group("season") == "vår" else "autumn"
        s = s[: m.start()]

    matches = (
        kind
        for pattern, kind, presented_only in _MEETING_PATTERNS
        if (presented or not presented_only) and pattern.fullmatch(s)
    )
    kind = next(matches, _NO_MATCH)
    if kind == _NO_MATCH:
        return None

    if year is not None:
        label = (
            format_meeting_ref(MeetingRef(kind, year))
            if kind not in (_NATIONAL, _REGIONAL)
            else t("dates.meeting.with_year", meeting=t(f"dates.meeting.{kind}"), year=year)
        )
        if year < c.today.year and not c.allow_past:
            raise DateError(t("dates.meeting_year_past", meeting=label[:1].upper() + label[1:]))
        if year > c.today.year + MAX_YEARS_AHEAD:
            raise DateError(t("dates.too_far", date=year, years=MAX_YEARS_AHEAD))

    if kind in (_NATIONAL, _REGIONAL):
        found, ref = _pick_season(kind, season, year, c)
    else:
        ref = MeetingRef(kind, year)
        found = c.meetings(ref) if c.meetings is not None else None
    if found is not None and found < c.today and not c.allow_past:
        label = format_meeting_ref(ref)
        raise DateError(t("dates.meeting_past", meeting=label[:1].upper() + label[1:], date=format_date(found)))
    return DeadlineParse(found, ref, c.original)


def _pick_season(family: str, season: str | None, year: int | None, c: _Ctx) -> tuple[date | None, MeetingRef]:
    spring, autumn = MeetingRef(f"{family}-spring", year), MeetingRef(f"{family}-autumn", year)
    if season is not None:
        ref = spring if season == "spring" else autumn
        return (c.meetings(ref) if c.meetings is not None else None), ref
    if c.meetings is not None:
        scheduled = [(d, ref) for ref in (spring, autumn) if (d := c.meetings(ref)) is not None]
        if scheduled:
            return min(scheduled, key=lambda pair: pair[0])
    # Nothing scheduled: the agreement puts spring meetings in the first half of the year.
    if year is not None and year > c.today.year:
        return None, spring
    return None, spring if c.today.month <= 6 else autumn


# --- finding a deadline inside an action text ------------------------------------------------------

# Words that can open a deadline phrase; a phrase only counts if it parses as a whole.
_PREPOSITIONS = frozenset(
    {"innen", "innan", "før", "til", "senest", "seinast", "seinest", "frist", "fristen", "by", "om", "i",
     "på", "ved", "before", "until", "within", "in"}
)  # fmt: skip
_NEXT_WORDS = frozenset({"neste", "kommende", "førstkommende", "next"})
_KEEP_IN_TEXT = frozenset(
    {"legges", "legge", "leggast", "tas", "takast", "behandles", "handsamast", "presenteres", "rapporteres",
     "drøftes", "diskuteres"}
)  # fmt: skip
_TRIGGERS = frozenset(
    {*_PREPOSITIONS, *_NEXT_WORDS, *_KEEP_IN_TEXT, *_WEEKDAYS_FULL, "uke", "veke", "ultimo", "medio",
     "primo", "utgangen", "slutten", "midten", "begynnelsen"}
)  # fmt: skip
# Prepositions after which a date or meeting is the topic of the action, not its deadline.
_BINDING_WORDS = frozenset(
    {"om", "fra", "av", "for", "med", "etter", "mellom", "angående", "ang", "vedrørende", "rundt", "siden",
     "about", "from", "of", "after"}
)  # fmt: skip
# Words that may introduce a deadline in the middle of a sentence, not only at its end.
_STRONG_TRIGGERS = frozenset({"innen", "innan", "senest", "seinast", "seinest", "frist", "fristen"})
# At the very start of a text ("Innen fredag: ringe KS") these are clearly about time.
_LEADING_TRIGGERS = _STRONG_TRIGGERS | {"før", "til", "by", "ultimo", "medio", "primo", "before", "until"}
_REST_EDGE = " \t\n,;:-–—("
_SPLIT_MAX_WORDS = 10
# Any fixed day will do: `split_deadline` only asks whether a phrase is a date expression at all.
_SPLIT_TODAY = date(2000, 1, 3)


def _is_deadline(expression: str) -> bool:
    try:
        parse_date(expression, _SPLIT_TODAY, allow_past=True)
    except _NotUnderstood:
        return False
    except DateError:
        return True  # a deadline with a mistake in it: the caller's parse_date will say what
    return True
