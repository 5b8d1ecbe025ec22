"""Deadlines named after a meeting: "til neste møte", "til vårmøtet 2027", "før dialogmøtet"."""

from __future__ import annotations

import re
from datetime import date

from handlers.core.catalog import t
from handlers.core.errors import DateError
from handlers.dates.format import format_date, format_meeting_ref
from handlers.dates.values import MAX_YEARS_AHEAD, DeadlineParse, MeetingRef
from handlers.dates.vocabulary import _Ctx, _year

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
