"""Named days and seasons: "sankthans", "skjærtorsdag", "2. påskedag", "julaften", "i løpet av våren".

Two kinds of names, read differently:

- A *day* is that day: sankthans / jonsok 24 June, sankthansaften 23 June, 17. mai /
  grunnlovsdagen, julaften 24 December, 1. and 2. juledag, nyttårsaften 31 December, 1. nyttårsdag
  1 January, palmesøndag, skjærtorsdag, langfredag, påskeaften, 1. and 2. påskedag, Kristi
  himmelfartsdag, pinseaften, 1. and 2. pinsedag (Easter from `dateutil.easter`).
- A *holiday period* ("før jul", "til påske", "før pinse", "før sommeren") is the last ordinary
  working day before it, handled with the other periods in `handlers.dates.rules` except pinse,
  which is here: the last working day before pinseaften.

"i løpet av våren", "i vår", "innen hausten" name a season whose end people read differently
(spring: the end of May or the end of June; autumn: the end of November or the last working days
before Christmas), so they are answered with a `DateQuestion`. "vårhalvåret"/"høsthalvåret" are
not seasons but half-years and are not asked about: 30 June and 31 December.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from dateutil.easter import easter

from handlers.core.catalog import t
from handlers.core.errors import DateError
from handlers.dates.format import format_date
from handlers.dates.values import DateQuestion
from handlers.dates.vocabulary import _Ctx, _roll, _year
from handlers.dates.workdays import NORWAY

_Build = Callable[[int], date]


def _fixed(month: int, day: int) -> _Build:
    return lambda year: date(year, month, day)


def _from_easter(days: int) -> _Build:
    return lambda year: easter(year) + timedelta(days=days)


def _before_whitsun(year: int) -> date:
    return NORWAY.on_or_before(easter(year) + timedelta(days=47))


_ORD1 = r"(?:1\.?|første|fyrste)\s*"
_ORD2 = r"(?:2\.?|andre|andre)\s*"

# (pattern, date for a year). Longer names first: "2. påskedag" before "påskedag".
_DAYS: tuple[tuple[str, _Build], ...] = (
    (r"sankthansaften|sankthansafta|jonsokaften|jonsokafta|midsummer\s+eve", _fixed(6, 23)),
    (r"sankthans|sankthansdag|sankthansdagen|st\.?\s*hans|jonsok|jonsokdagen", _fixed(6, 24)),
    (r"grunnlovsdagen|grunnlovsdag|nasjonaldagen|17\.?\s*mai", _fixed(5, 17)),
    (r"julaften|julafta|julekveld|christmas\s+eve", _fixed(12, 24)),
    (rf"{_ORD1}juledag|juledagen|juledag|christmas\s+day", _fixed(12, 25)),
    (rf"{_ORD2}juledag", _fixed(12, 26)),
    (r"nyttårsaften|nyttårsafta|new\s+year'?s\s+eve", _fixed(12, 31)),
    (rf"{_ORD1}nyttårsdag|nyttårsdag|nyttårsdagen|new\s+year'?s\s+day", _fixed(1, 1)),
    (r"palmesøndag|palmesundag", _from_easter(-7)),
    (r"skjærtorsdag|skjærtorsdagen|skirtorsdag|skjertorsdag|maundy\s+thursday", _from_easter(-3)),
    (r"langfredag|langfredagen|good\s+friday", _from_easter(-2)),
    (r"påskeaften|påskeafta", _from_easter(-1)),
    (rf"{_ORD1}påskedag|påskedag|påskedagen|påskesøndag|easter\s+sunday", _from_easter(0)),
    (rf"{_ORD2}påskedag|easter\s+monday", _from_easter(1)),
    (r"kristi\s+himmelfartsdag|kristi\s+himmelfart|himmelfartsdag|himmelfartsdagen|himmelfart|ascension\s+day",
     _from_easter(39)),
    (r"pinseaften|pinseafta", _from_easter(48)),
    (rf"{_ORD1}pinsedag|pinsedag|pinsedagen|whit\s+sunday", _from_easter(49)),
    (rf"{_ORD2}pinsedag|whit\s+monday", _from_easter(50)),
    (r"pinse|pinsen|pinsa|pinseferien|whitsun", _before_whitsun),
)
_LEAD = r"(?:(?:på|ved|til|innen|innan|før|i|on|by|before)\s+)?"
_YEAR = r"(?:\s+(?:i\s+)?(?P<y>[0-9]{4}))?"
_DAY_PATTERNS = tuple((re.compile(_LEAD + f"(?:{words})" + _YEAR), build) for words, build in _DAYS)


def named_day(s: str, c: _Ctx) -> date | None:
    for pattern, build in _DAY_PATTERNS:
        m = pattern.fullmatch(s)
        if m is not None:
            year = _year(m.group("y"), c)
            return build(year) if year is not None else _roll(c, build)
    return None


# Seasons whose end is read two ways: (first reading, second reading) per season.
_SEASONS = re.compile(
    r"(?:(?:i|innen|innan|in|by|ved)\s+)?(?:løpet\s+av\s+|slutten\s+av\s+|utgangen\s+av\s+)?"
    r"(?P<what>våren|vår|høsten|høst|hausten|haust|spring|autumn|fall)(?:\s+(?P<y>[0-9]{4}))?"
)
_VAGUE_START = re.compile(r"(?:før|etter|before|after)\s+(?:våren|høsten|hausten)|etter\s+\S+")


def season(s: str, c: _Ctx) -> date | None:
    m = _SEASONS.fullmatch(s)
    if m is None:
        return None
    if "før" in c.prefixes and not s.startswith(("i ", "løpet", "slutten", "utgangen")):
        # "før høsten": before it begins or before it ends? Neither reading is safe to ask about
        # as a date pair; the person is told to write a date.
        raise DateError(t("dates.season_vague", text=c.original))
    spring = m.group("what") in ("våren", "vår", "spring")
    year = _year(m.group("y"), c)

    def readings(y: int) -> tuple[date, date]:
        if spring:
            return date(y, 6, 30), date(y, 5, 31)
        return date(y, 12, 20), date(y, 11, 30)

    if year is None:
        year = _roll(c, lambda y: readings(y)[1]).year
    first, second = readings(year)
    options = tuple(d for d in (first, second) if d >= c.today or c.allow_past)
    if not options:
        raise DateError(t("dates.past", date=format_date(first), today=format_date(c.today)))
    labels = tuple(
        (d, t("dates.season_label", date=format_date(d), reading=t(f"dates.season_reading.{'spring' if spring else 'autumn'}.{i}")))
        for i, d in enumerate(options)
    )
    raise DateQuestion(question_text(c.original, [label for _, label in labels]), labels, c.original)


def question_text(text: str, labels: list[str]) -> str:
    """"«i vår» kan bety mer enn én dato. Mente du A eller B?"."""
    return t("dates.question", text=text, options=_options(labels))


def options_question(labels: list[str]) -> str:
    """"Mente du A eller B?"."""
    return t("dates.question_short", options=_options(labels))


def _options(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} {t('dates.or')} {labels[-1]}"
