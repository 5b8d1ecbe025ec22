"""Norwegian deadline expressions (`handlers/dates/`), table-driven.

Most tables use TODAY, Sunday 22 November 2026: late enough in the year that every date without a
year rolls over, and a Sunday so that "this week" is already over.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.core.catalog import keys, t
from handlers.core.errors import DateError
from handlers.dates.format import (
    format_date,
    format_date_long,
    format_date_short,
    format_datetime,
    format_deadline,
    format_meeting_ref,
)
from handlers.dates.parse import parse_date, parse_duration
from handlers.dates.sentence import split_deadline
from handlers.dates.values import DeadlineParse, MeetingRef

TODAY = date(2026, 11, 22)  # a Sunday
assert TODAY.weekday() == 6


def d(year: int, month: int, day: int) -> date:
    return date(year, month, day)


# --- expressions that must parse --------------------------------------------------------------------

VALID: list[tuple[str, date]] = [
    # numeric forms; no year means the next occurrence, which here is always next year or December
    ("15.06", d(2027, 6, 15)),
    ("15.06.", d(2027, 6, 15)),
    ("15.06.2027", d(2027, 6, 15)),
    ("1.2.27", d(2027, 2, 1)),
    ("15/6", d(2027, 6, 15)),
    ("15/06/2027", d(2027, 6, 15)),
    ("15-06-2027", d(2027, 6, 15)),
    ("2027-06-15", d(2027, 6, 15)),
    ("1.12", d(2026, 12, 1)),
    ("22.11", d(2026, 11, 22)),  # today itself is still allowed
    ("21.11", d(2027, 11, 21)),  # yesterday without a year is next year's
    # month names
    ("15. juni", d(2027, 6, 15)),
    ("15 juni", d(2027, 6, 15)),
    ("15.juni", d(2027, 6, 15)),
    ("1. desember 2026", d(2026, 12, 1)),
    ("1. desember", d(2026, 12, 1)),
    ("den 3. mars", d(2027, 3, 3)),
    ("15. jun", d(2027, 6, 15)),
    ("15. jun.", d(2027, 6, 15)),
    ("1. jan", d(2027, 1, 1)),
    ("2. feb 2027", d(2027, 2, 2)),
    ("3 apr", d(2027, 4, 3)),
    ("4. mai", d(2027, 5, 4)),
    ("5. jul", d(2027, 7, 5)),
    ("6. aug", d(2027, 8, 6)),
    ("7. sep", d(2027, 9, 7)),
    ("8. sept.", d(2027, 9, 8)),
    ("9. okt", d(2027, 10, 9)),
    ("10. nov", d(2027, 11, 10)),
    ("11. des", d(2026, 12, 11)),
    ("1. des 26", d(2026, 12, 1)),
    ("15 June 2027", d(2027, 6, 15)),
    ("June 15, 2027", d(2027, 6, 15)),
    ("march 1st", d(2027, 3, 1)),
    # words for days
    ("i dag", TODAY),
    ("idag", TODAY),
    ("i morgen", d(2026, 11, 23)),
    ("imorgen", d(2026, 11, 23)),
    ("i morgon", d(2026, 11, 23)),
    ("i overmorgen", d(2026, 11, 24)),
    ("tomorrow", d(2026, 11, 23)),
    # weekdays (today is Sunday, so this week and next coincide for "neste")
    ("fredag", d(2026, 11, 27)),
    ("på fredag", d(2026, 11, 27)),
    ("neste fredag", d(2026, 11, 27)),
    ("fredag neste uke", d(2026, 11, 27)),
    ("fredag i neste uke", d(2026, 11, 27)),
    ("mandag", d(2026, 11, 23)),
    ("søndag", TODAY),
    ("kommende søndag", d(2026, 11, 29)),
    ("tysdag", d(2026, 11, 24)),
    ("friday", d(2026, 11, 27)),
    ("tirsdag 1. desember 2026", d(2026, 12, 1)),
    ("tirsdag 1.12", d(2026, 12, 1)),
    ("tirs. 1. desember", d(2026, 12, 1)),
    ("fredag den 4. desember", d(2026, 12, 4)),
    ("på fredag 4. desember", d(2026, 12, 4)),
    # offsets
    ("om to uker", d(2026, 12, 6)),
    ("om 3 dager", d(2026, 11, 25)),
    ("om en måned", d(2026, 12, 22)),
    ("om én uke", d(2026, 11, 29)),
    ("om ei uke", d(2026, 11, 29)),
    ("om ett år", d(2027, 11, 22)),
    ("om tolv måneder", d(2027, 11, 22)),
    ("om elleve dager", d(2026, 12, 3)),
    ("om fjorten dager", d(2026, 12, 6)),
    ("om 14 dager", d(2026, 12, 6)),
    ("om 2 mnd", d(2027, 1, 22)),
    ("om to veker", d(2026, 12, 6)),
    ("om en ukes tid", d(2026, 11, 29)),
    ("om 14 dagers tid", d(2026, 12, 6)),
    ("innen 14 dager", d(2026, 12, 6)),
    ("innen to uker", d(2026, 12, 6)),
    ("i løpet av tre uker", d(2026, 12, 13)),
    ("in 2 weeks", d(2026, 12, 6)),
    # weeks: the Friday of the ISO week
    ("uke 35", d(2027, 9, 3)),
    ("uke 35 2027", d(2027, 9, 3)),
    ("i uke 35", d(2027, 9, 3)),
    ("uke 35, 2027", d(2027, 9, 3)),
    ("uke 35/2027", d(2027, 9, 3)),
    ("veke 49", d(2026, 12, 4)),
    ("uke 47", d(2027, 11, 26)),  # this week's Friday is over, so next year's week 47
    ("uke 48", d(2026, 11, 27)),
    ("uke 53", d(2027, 1, 1)),  # 2026 has 53 ISO weeks; its Friday is in January
    ("uke 1", d(2027, 1, 8)),
    ("neste uke", d(2026, 11, 27)),
    ("i neste uke", d(2026, 11, 27)),
    # parts of months, years and quarters
    ("innen utgangen av mai", d(2027, 5, 31)),
    ("utgangen av mai", d(2027, 5, 31)),
    ("slutten av mars", d(2027, 3, 31)),
    ("i slutten av mars", d(2027, 3, 31)),
    ("ultimo mars", d(2027, 3, 31)),
    ("ultimo februar 2028", d(2028, 2, 29)),
    ("ultimo november", d(2026, 11, 30)),
    ("medio januar", d(2027, 1, 15)),
    ("midten av januar", d(2027, 1, 15)),
    ("medio november", d(2027, 11, 15)),  # the 15th of this month has passed
    ("primo februar", d(2027, 2, 1)),
    ("begynnelsen av februar", d(2027, 2, 1)),
    ("primo desember", d(2026, 12, 1)),
    ("i løpet av mai", d(2027, 5, 31)),
    ("innen utgangen av året", d(2026, 12, 31)),
    ("utgangen av neste år", d(2027, 12, 31)),
    ("utgangen av 2027", d(2027, 12, 31)),
    ("utgangen av måneden", d(2026, 11, 30)),
    ("utgangen av neste måned", d(2026, 12, 31)),
    ("første kvartal", d(2027, 3, 31)),
    ("innen 1. kvartal 2027", d(2027, 3, 31)),
    ("utgangen av andre kvartal 2027", d(2027, 6, 30)),
    ("fjerde kvartal", d(2026, 12, 31)),
    ("q3 2027", d(2027, 9, 30)),
    ("første halvår", d(2027, 6, 30)),
    ("andre halvår 2027", d(2027, 12, 31)),
    # seasons and holidays
    ("ved årsskiftet", d(2026, 12, 31)),
    ("årsskiftet", d(2026, 12, 31)),
    ("til årsskiftet", d(2026, 12, 31)),
    ("årsskiftet 2027/2028", d(2027, 12, 31)),
    ("årsskiftet 2027/28", d(2027, 12, 31)),
    ("til nyttår", d(2026, 12, 31)),
    ("før sommeren", d(2027, 6, 30)),
    ("før sommerferien 2027", d(2027, 6, 30)),
    ("før jul", d(2026, 12, 20)),
    ("innen jul", d(2026, 12, 20)),
    ("før påske", d(2027, 3, 24)),  # Easter Sunday 2027 is 28 March
    # prefixes, case, spacing and punctuation
    ("innen 1. mars 2027", d(2027, 3, 1)),
    ("INNEN 15. JUNI.", d(2027, 6, 15)),
    ("  senest   fredag!  ", d(2026, 11, 27)),
    ("frist: 15.06", d(2027, 6, 15)),
    ("Frist 15.06.2027", d(2027, 6, 15)),
    ("fristen er 15.06", d(2027, 6, 15)),
    ("til 15. juni", d(2027, 6, 15)),
    ("før 15. juni", d(2027, 6, 15)),
    ("senest innen 15. juni", d(2027, 6, 15)),
    ("by friday", d(2026, 11, 27)),
    ("«15. juni»", d(2027, 6, 15)),
    ("(innen fredag)", d(2026, 11, 27)),
    ("innen 15.\u00a0juni", d(2027, 6, 15)),
    ("fredag kl. 12", d(2026, 11, 27)),
    ("15.06.2027 kl 14.30", d(2027, 6, 15)),
]


@pytest.mark.parametrize(("text", "expected"), VALID)
def test_valid_expressions(text: str, expected: date) -> None:
    parsed = parse_date(text, TODAY)
    assert parsed == DeadlineParse(expected, None, text.strip())


# --- rollover, leap years and the weekday rules on other days ----------------------------------------

OTHER_DAYS: list[tuple[date, str, date]] = [
    # 15 June when today is 20 June is next year's; today's own date is not
    (d(2026, 6, 20), "15. juni", d(2027, 6, 15)),
    (d(2026, 6, 20), "20. juni", d(2026, 6, 20)),
    (d(2026, 6, 20), "15.06", d(2027, 6, 15)),
    (d(2026, 6, 20), "ultimo juni", d(2026, 6, 30)),
    (d(2026, 6, 20), "medio juni", d(2027, 6, 15)),
    (d(2026, 6, 20), "før sommeren", d(2026, 6, 30)),
    (d(2026, 12, 21), "før jul", d(2027, 12, 20)),
    # the turn of the year
    (d(2026, 12, 30), "i morgen", d(2026, 12, 31)),
    (d(2026, 12, 30), "om 3 dager", d(2027, 1, 2)),
    (d(2026, 12, 30), "1. januar", d(2027, 1, 1)),
    (d(2026, 12, 30), "uke 1", d(2027, 1, 8)),
    (d(2026, 12, 30), "uke 53", d(2027, 1, 1)),
    (d(2026, 12, 30), "medio januar", d(2027, 1, 15)),
    (d(2026, 12, 30), "neste uke", d(2027, 1, 8)),
    (d(2026, 12, 31), "årsskiftet", d(2026, 12, 31)),
    # leap days
    (TODAY, "29. februar", d(2028, 2, 29)),
    (d(2028, 2, 1), "29. februar", d(2028, 2, 29)),
    (d(2028, 3, 1), "29.02", d(2032, 2, 29)),
    (TODAY, "29.02.2028", d(2028, 2, 29)),
    (d(2027, 1, 31), "om en måned", d(2027, 2, 28)),
    (d(2028, 1, 31), "om en måned", d(2028, 2, 29)),
    (d(2028, 2, 10), "ultimo februar", d(2028, 2, 29)),
    # weekdays from a Monday and from a Friday
    (d(2026, 11, 23), "fredag", d(2026, 11, 27)),
    (d(2026, 11, 23), "neste fredag", d(2026, 12, 4)),
    (d(2026, 11, 23), "neste mandag", d(2026, 11, 30)),
    (d(2026, 11, 23), "neste uke", d(2026, 12, 4)),
    (d(2026, 11, 23), "utgangen av uka", d(2026, 11, 27)),
    (d(2026, 11, 23), "fredag denne uka", d(2026, 11, 27)),
    (d(2026, 11, 27), "fredag", d(2026, 11, 27)),
    (d(2026, 11, 27), "kommende fredag", d(2026, 12, 4)),
    (d(2026, 11, 27), "førstkommende fredag", d(2026, 12, 4)),
    (d(2026, 11, 27), "mandag", d(2026, 11, 30)),
    (d(2026, 11, 27), "uke 48", d(2026, 11, 27)),
    # the week of a week number in another year
    (d(2026, 1, 5), "uke 35", d(2026, 8, 28)),
    (d(2026, 1, 5), "uke 53", d(2027, 1, 1)),
]


@pytest.mark.parametrize(("today", "text", "expected"), OTHER_DAYS)
def test_relative_to_other_days(today: date, text: str, expected: date) -> None:
    assert parse_date(text, today).date == expected


def test_allow_past_for_protocol_import() -> None:
    # Importing the Frosta protocol of 11 May 2023: its deadlines are relative to that day.
    meeting_day = d(2023, 5, 11)
    assert parse_date("9. juni", meeting_day, allow_past=True).date == d(2023, 6, 9)
    assert parse_date("15.06.2022", meeting_day, allow_past=True).date == d(2022, 6, 15)
    assert parse_date("15.06.2025", TODAY, allow_past=True).date == d(2025, 6, 15)
    assert parse_date("uke 35 2024", TODAY, allow_past=True).date == d(2024, 8, 30)
    assert parse_date("fredag denne uka", TODAY, allow_past=True).date == d(2026, 11, 20)


def test_explicit_year_this_year_but_earlier_is_past() -> None:
    with pytest.raises(DateError, match="har allerede vært"):
        parse_date("1.11.2026", TODAY)


# --- errors: every one says what is wrong ------------------------------------------------------------

ERRORS: list[tuple[str, list[str]]] = [
    ("31.02.2027", ["31.02.2027", "februar 2027", "28 dager"]),
    ("31.04", ["april", "30 dager"]),
    ("32. mai", ["32. mai", "mai", "31 dager"]),
    ("30. februar", ["februar", "29 dager"]),
    ("29.02.2027", ["2027", "skuddår"]),
    ("0.5", ["begynner på 1"]),
    ("13.13", ["måned 13", "tolv måneder"]),
    ("15.13.2027", ["måned 13"]),
    ("uke 54", ["Uke 54 finnes ikke", "52", "53"]),
    ("uke 0", ["Uke 0 finnes ikke"]),
    ("uke 53 2027", ["2027", "52 uker"]),
    ("15.06.2025", ["15. juni 2025", "har allerede vært", "22. november 2026"]),
    ("innen 1. mars 2024", ["1. mars 2024", "har allerede vært"]),
    ("2025-01-01", ["1. januar 2025", "har allerede vært"]),
    ("uke 35 2025", ["29. august 2025", "har allerede vært"]),
    ("ultimo mars 2025", ["31. mars 2025", "har allerede vært"]),
    ("mandag 1. desember 2026", ["1. desember 2026", "tirsdag", "ikke en mandag"]),
    ("fredag 1.12", ["tirsdag", "ikke en fredag"]),
    ("fredag denne uka", ["20. november 2026", "har allerede vært"]),
    ("utgangen av uka", ["Fredag denne uka", "20. november 2026", "neste uke"]),
    ("15.06.2207", ["15. juni 2207", "10 år", "årstallet"]),
    ("15. juni 1066", ["1066", "ser ikke riktig ut"]),
    ("fredag kl. 25", ["Klokkeslettet"]),
    ("om 99999 dager", ["for lang"]),
    ("innen mai", ["bare hvilken måned", "utgangen av mai", "medio mai", "1. mai"]),
    ("før desember 2027", ["bare hvilken måned", "desember"]),
    ("14 dager", ["varighet", "om 14 dager", "innen 14 dager"]),
    ("15. desmber", ["desmber", "desember"]),
    ("15. jinu", ["jinu", "juni"]),
    ("", ["mangler", "15. juni"]),
    ("   ", ["mangler"]),
    ("snart", ["snart", "15. juni", "om to uker", "uke 35", "til neste møte"]),
    ("asap", ["asap", "fredag"]),
    ("til KDD", ["til KDD", "skjønte ikke"]),
    ("15", ["skjønte ikke"]),
    ("2027", ["skjønte ikke"]),
    ("juni", ["bare hvilken måned", "utgangen av juni"]),
    ("neste måned", ["skjønte ikke"]),
    ("årsskiftet 2026/2028", ["skjønte ikke"]),
    ("om 3 personer", ["skjønte ikke"]),
    ("til møtet", ["skjønte ikke"]),
    ("til vårmøtet 2024", ["Vårmøtet 2024", "passert"]),
    ("til høstmøtet 2099", ["2099", "10 år"]),
    ("x" * 500, ["skjønte ikke"]),
]


@pytest.mark.parametrize(("text", "fragments"), ERRORS)
def test_errors_say_what_is_wrong(text: str, fragments: list[str]) -> None:
    with pytest.raises(DateError) as caught:
        parse_date(text, TODAY)
    for fragment in fragments:
        assert fragment in caught.value.message
    assert caught.value.message == str(caught.value)


def test_not_understood_lists_examples() -> None:
    with pytest.raises(DateError) as caught:
        parse_date("en gang i blant", TODAY)
    message = caught.value.message
    for example in ("«15. juni»", "«15.06.2027»", "«om to uker»", "«uke 35»", "«til neste møte»"):
        assert example in message


# --- meeting references ------------------------------------------------------------------------------

SCHEDULED = {
    MeetingRef(None, None): d(2026, 12, 3),
    MeetingRef("national-spring", None): d(2027, 5, 11),
    MeetingRef("national-autumn", None): d(2026, 12, 9),
    MeetingRef("national-spring", 2027): d(2027, 5, 11),
    MeetingRef("national-spring", 2024): d(2024, 5, 14),
    MeetingRef("regional-spring", None): d(2027, 4, 20),
    MeetingRef("regional-autumn", None): d(2026, 11, 26),
    MeetingRef("au", None): d(2026, 12, 1),
}


def lookup(ref: MeetingRef) -> date | None:
    return SCHEDULED.get(ref)


def nothing_scheduled(ref: MeetingRef) -> date | None:
    return None


MEETINGS: list[tuple[str, MeetingRef]] = [
    ("til neste møte", MeetingRef(None, None)),
    ("til neste møtet", MeetingRef(None, None)),
    ("neste møte", MeetingRef(None, None)),
    ("på neste møte", MeetingRef(None, None)),
    ("til førstkommende møte", MeetingRef(None, None)),
    ("til vårmøtet", MeetingRef("national-spring", None)),
    ("til høstmøtet", MeetingRef("national-autumn", None)),
    ("til haustmøtet", MeetingRef("national-autumn", None)),
    ("til det nasjonale vårmøtet", MeetingRef("national-spring", None)),
    ("til vårmøtet 2027", MeetingRef("national-spring", 2027)),
    ("til vårmøtet i 2027", MeetingRef("national-spring", 2027)),
    ("til høstmøtet i år", MeetingRef("national-autumn", 2026)),
    ("til vårmøtet neste år", MeetingRef("national-spring", 2027)),
    ("legges fram på høstmøtet", MeetingRef("national-autumn", None)),
    ("Legges frem på vårmøtet.", MeetingRef("national-spring", None)),
    ("tas opp på neste møte", MeetingRef(None, None)),
    ("til neste AU-møte", MeetingRef("au", None)),
    ("til AU-møtet", MeetingRef("au", None)),
    ("til neste møte i AU", MeetingRef("au", None)),
    ("til neste møte i arbeidsutvalget", MeetingRef("au", None)),
    ("legges fram for AU", MeetingRef("au", None)),
    ("til styringsgruppemøtet", MeetingRef("steering-group", None)),
    ("til neste møte i styringsgruppen", MeetingRef("steering-group", None)),
    ("legges fram for styringsgruppen", MeetingRef("steering-group", None)),
    ("til det regionale vårmøtet", MeetingRef("regional-spring", None)),
    ("til regionalt høstmøte", MeetingRef("regional-autumn", None)),
    ("til vårens dialogmøte", MeetingRef("regional-spring", None)),
    ("til dialogmøtet i vår", MeetingRef("regional-spring", None)),
    ("til neste møte i Plan- og næringskollegiet", MeetingRef("other", None)),
    ("legges fram på statssekretærmøtet", MeetingRef("other", None)),
]


@pytest.mark.parametrize(("text", "ref"), MEETINGS)
def test_meeting_references_without_lookup(text: str, ref: MeetingRef) -> None:
    assert parse_date(text, TODAY) == DeadlineParse(None, ref, text.strip())
    assert parse_date(text, TODAY, meetings=nothing_scheduled) == DeadlineParse(None, ref, text.strip())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("til neste møte", DeadlineParse(d(2026, 12, 3), MeetingRef(None, None), "til neste møte")),
        ("til vårmøtet", DeadlineParse(d(2027, 5, 11), MeetingRef("national-spring", None), "til vårmøtet")),
        ("til vårmøtet 2027", DeadlineParse(d(2027, 5, 11), MeetingRef("national-spring", 2027), "til vårmøtet 2027")),
        ("til neste AU-møte", DeadlineParse(d(2026, 12, 1), MeetingRef("au", None), "til neste AU-møte")),
        # a family: the earliest scheduled of its spring and autumn meetings
        ("til dialogmøtet", DeadlineParse(d(2026, 11, 26), MeetingRef("regional-autumn", None), "til dialogmøtet")),
        (
            "til neste nasjonale møte",
            DeadlineParse(d(2026, 12, 9), MeetingRef("national-autumn", None), "til neste nasjonale møte"),
        ),
        # scheduled nothing: the ref is kept and the date waits
        ("til høstmøtet 2027", DeadlineParse(None, MeetingRef("national-autumn", 2027), "til høstmøtet 2027")),
    ],
)
def test_meeting_references_with_lookup(text: str, expected: DeadlineParse) -> None:
    assert parse_date(text, TODAY, meetings=lookup) == expected


def test_meeting_family_falls_back_on_the_half_year() -> None:
    spring_day, autumn_day = d(2027, 3, 1), d(2027, 8, 1)
    assert parse_date("til dialogmøtet", spring_day).meeting == MeetingRef("regional-spring", None)
    assert parse_date("til dialogmøtet", autumn_day).meeting == MeetingRef("regional-autumn", None)
    assert parse_date("neste nasjonale møte", spring_day).meeting == MeetingRef("national-spring", None)
    assert parse_date("til dialogmøtet 2028", autumn_day).meeting == MeetingRef("regional-spring", 2028)


def test_past_meetings() -> None:
    with pytest.raises(DateError, match="Vårmøtet 2024 er allerede passert"):
        parse_date("til vårmøtet 2024", TODAY, meetings=lookup)
    with pytest.raises(DateError, match=re.escape("14. mai 2024")):
        parse_date("til vårmøtet", TODAY, meetings=lambda ref: d(2024, 5, 14))
    with pytest.raises(DateError, match="Dialogmøtet 2024 er allerede passert"):
        parse_date("til dialogmøtet 2024", TODAY)
    with pytest.raises(DateError, match="Høstmøtet 2025 er allerede passert"):
        parse_date("til høstmøtet i fjor", TODAY)
    allowed = parse_date("til vårmøtet 2024", TODAY, allow_past=True, meetings=lookup)
    assert allowed == DeadlineParse(d(2024, 5, 14), MeetingRef("national-spring", 2024), "til vårmøtet 2024")


def test_lookup_receives_the_reference() -> None:
    seen: list[MeetingRef] = []

    def spy(ref: MeetingRef) -> date | None:
        seen.append(ref)
        return None

    parse_date("legges fram for styringsgruppen", TODAY, meetings=spy)
    assert seen == [MeetingRef("steering-group", None)]


# --- finding the deadline in an action text -----------------------------------------------------------

SPLITS: list[tuple[str, tuple[str, str | None]]] = [
    (
        "Sende brev til KDD om statssekretærmøte innen 15. juni",
        ("Sende brev til KDD om statssekretærmøte", "innen 15. juni"),
    ),
    ("Sende brev innen 15. juni", ("Sende brev", "innen 15. juni")),
    ("Sende brev til KDD innen 15. juni.", ("Sende brev til KDD", "innen 15. juni")),
    ("Sende brev til KDD, frist: 15.06.", ("Sende brev til KDD", "frist: 15.06")),
    ("Lage plan (frist 1. mars 2027)", ("Lage plan", "frist 1. mars 2027")),
    ("Oppdatere nettsiden senest fredag", ("Oppdatere nettsiden", "senest fredag")),
    ("Rapportere innen utgangen av mai", ("Rapportere", "innen utgangen av mai")),
    ("Sende innspill til neste møte", ("Sende innspill", "til neste møte")),
    ("Gi innspill til vårmøtet 2027", ("Gi innspill", "til vårmøtet 2027")),
    ("Sende innspill til vårmøtet innen 1. mars", ("Sende innspill til vårmøtet", "innen 1. mars")),
    ("Ringe KS på fredag", ("Ringe KS", "på fredag")),
    ("Ringe KS neste fredag", ("Ringe KS", "neste fredag")),
    ("Ringe KS fredag", ("Ringe KS", "fredag")),
    ("Sende referat i morgen", ("Sende referat", "i morgen")),
    ("Legge ut på hjemmesidene i dag", ("Legge ut på hjemmesidene", "i dag")),
    ("Følge opp om to uker", ("Følge opp", "om to uker")),
    ("Lage budsjett før jul", ("Lage budsjett", "før jul")),
    ("Evaluere ordningen ved årsskiftet", ("Evaluere ordningen", "ved årsskiftet")),
    ("Levere rapport ultimo mars", ("Levere rapport", "ultimo mars")),
    ("Levere rapport uke 35", ("Levere rapport", "uke 35")),
    ("Sende brev til KDD til dialogmøtet", ("Sende brev til KDD", "til dialogmøtet")),
    # a deadline at the start or in the middle
    ("Innen fredag: ringe KS", ("ringe KS", "Innen fredag")),
    ("innen 15. juni sende brev", ("sende brev", "innen 15. juni")),
    ("Rapportere til KS i uke 35 om status", ("Rapportere til KS om status", "i uke 35")),
    ("Sende brev innen 15. juni til KDD", ("Sende brev til KDD", "innen 15. juni")),
    # a verb phrase that names the meeting stays in the text
    (
        "AU arbeider videre med forslag som legges fram for styringsgruppen.",
        ("AU arbeider videre med forslag som legges fram for styringsgruppen.", "legges fram for styringsgruppen"),
    ),
    # a deadline with a mistake is still a deadline: parse_date will explain the mistake
    ("Sende brev til KDD innen 31.02", ("Sende brev til KDD", "innen 31.02")),
    ("Lage rapport innen mai", ("Lage rapport", "innen mai")),
    # "til" traps and other words that only look like deadlines
    ("Sende brev til KDD", ("Sende brev til KDD", None)),
    ("Sende brev til KDD.", ("Sende brev til KDD.", None)),
    ("Sende brev til Mai", ("Sende brev til Mai", None)),
    ("Sende forslag til styringsgruppen", ("Sende forslag til styringsgruppen", None)),
    ("Sende brev til AU", ("Sende brev til AU", None)),
    ("Invitere til oppstartsmøtet", ("Invitere til oppstartsmøtet", None)),
    ("Sende brev til KDD om statssekretærmøte", ("Sende brev til KDD om statssekretærmøte", None)),
    ("Øke rammen til 14 dager", ("Øke rammen til 14 dager", None)),
    ("Planlegge neste møte", ("Planlegge neste møte", None)),
    ("Sende brev om neste møte i AU", ("Sende brev om neste møte i AU", None)),
    ("Lage plan for slutten av mai", ("Lage plan for slutten av mai", None)),
    ("Orientere om 3 dager med fagdager", ("Orientere om 3 dager med fagdager", None)),
    ("Neste møte i AU skal planlegges", ("Neste møte i AU skal planlegges", None)),
    ("Arrangere fagdag i mai", ("Arrangere fagdag i mai", "i mai")),
    ("Viktig å få lagt dette ut på partenes hjemmesider.", ("Viktig å få lagt dette ut på partenes hjemmesider.", None)),
    ("", ("", None)),
    ("innen fredag", ("", "innen fredag")),
]


@pytest.mark.parametrize(("text", "expected"), SPLITS)
def test_split_deadline(text: str, expected: tuple[str, str | None]) -> None:
    assert split_deadline(text) == expected


@pytest.mark.parametrize("text", [text for text, (_, expression) in SPLITS if expression])
def test_split_expressions_are_what_parse_date_reads(text: str) -> None:
    _, expression = split_deadline(text)
    assert expression is not None
    try:
        parse_date(expression, TODAY)
    except DateError as error:
        assert "skjønte ikke" not in error.message


# --- durations ----------------------------------------------------------------------------------------

DURATIONS: list[tuple[str, relativedelta]] = [
    ("1 uke", relativedelta(weeks=1)),
    ("en uke", relativedelta(weeks=1)),
    ("ei uke", relativedelta(weeks=1)),
    ("2 uker", relativedelta(weeks=2)),
    ("to uker", relativedelta(weeks=2)),
    ("3 dager", relativedelta(days=3)),
    ("14 dager", relativedelta(days=14)),
    ("fjorten dager", relativedelta(days=14)),
    ("1 dag", relativedelta(days=1)),
    ("0 dager", relativedelta()),
    ("1 måned", relativedelta(months=1)),
    ("tre måneder", relativedelta(months=3)),
    ("2 mnd", relativedelta(months=2)),
    ("ett år", relativedelta(years=1)),
    ("2 Weeks", relativedelta(weeks=2)),
    (" 3  dager. ", relativedelta(days=3)),
]


@pytest.mark.parametrize(("text", "expected"), DURATIONS)
def test_parse_duration(text: str, expected: relativedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "skjønte ikke varigheten"),
        ("uke", "skjønte ikke varigheten"),
        ("mange dager", "«mange dager»"),
        ("-3 dager", "skjønte ikke varigheten"),
        ("15. juni", "«3 dager»"),
        ("99999 dager", "for lang"),
        ("11 år", "for lang"),
    ],
)
def test_parse_duration_errors(text: str, fragment: str) -> None:
    with pytest.raises(DateError) as caught:
        parse_duration(text)
    assert fragment in caught.value.message


# --- formatting ---------------------------------------------------------------------------------------


def test_format_date() -> None:
    assert format_date(d(2027, 6, 15)) == "15. juni 2027"
    assert format_date(d(2026, 1, 1)) == "1. januar 2026"
    assert format_date_short(d(2027, 6, 15)) == "15.06.2027"
    assert format_date_short(d(2027, 1, 5)) == "05.01.2027"
    assert format_date_long(d(2027, 6, 15)) == "tirsdag 15. juni 2027"


def test_format_datetime_in_oslo() -> None:
    oslo = ZoneInfo("Europe/Oslo")
    assert format_datetime(datetime(2027, 6, 15, 8, 0, tzinfo=UTC), oslo) == "tirsdag 15. juni 2027 kl. 10.00"
    assert format_datetime(datetime(2027, 1, 5, 8, 5, tzinfo=UTC), oslo) == "tirsdag 5. januar 2027 kl. 09.05"
    # naive values are UTC, as the database stores them
    assert format_datetime(datetime(2027, 6, 15, 8, 0), oslo) == "tirsdag 15. juni 2027 kl. 10.00"
    assert format_datetime(datetime(2027, 6, 15, 8, 0, tzinfo=UTC)) == "tirsdag 15. juni 2027 kl. 10.00"


def test_format_meetings_and_deadlines() -> None:
    assert format_meeting_ref(MeetingRef("national-spring", 2024)) == "vårmøtet 2024"
    assert format_meeting_ref(MeetingRef(None, None)) == "neste møte"
    assert format_meeting_ref(MeetingRef("au", None)) == "neste AU-møte"
    spring = MeetingRef("national-spring", None)
    assert format_deadline(DeadlineParse(d(2027, 5, 11), spring, "til vårmøtet")) == "vårmøtet (11. mai 2027)"
    assert format_deadline(DeadlineParse(None, spring, "til vårmøtet")) == "vårmøtet (ikke berammet ennå)"
    assert format_deadline(DeadlineParse(d(2027, 6, 15), None, "15.06")) == "15. juni 2027"


def test_every_dates_text_renders() -> None:
    date_keys = [key for key in keys() if key.startswith("dates.")]
    assert len(date_keys) > 40
    for key in date_keys:
        assert t(key)


# --- robustness ---------------------------------------------------------------------------------------

_WORDS = [
    "innen", "til", "før", "senest", "frist", "om", "i", "på", "neste", "uke", "utgangen", "av", "ultimo",
    "medio", "primo", "juni", "feb", "mars", "des", "fredag", "man", "dag", "morgen", "dager", "uker",
    "måned", "to", "en", "tolv", "møte", "vårmøtet", "AU-møte", "dialogmøtet", "2027", "2024", "29", "31",
    "15.06", "1.2.27", "29.02", "2027-02-31", "35", "53", "54", "0", "kl.", "12", "årsskiftet", "jul",
    "kvartal", "første", "legges", "fram", "for", "styringsgruppen", ".", ",", "/", "-", "9999", "99999",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.dates())
def test_parse_date_never_raises_anything_else(text: str, today: date) -> None:
    try:
        result = parse_date(text, today)
    except DateError as error:
        assert error.message
    else:
        assert isinstance(result, DeadlineParse)
        assert result.date is not None or result.meeting is not None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(_WORDS), min_size=1, max_size=6).map(" ".join),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    st.booleans(),
)
def test_word_soup_never_raises_anything_else(text: str, today: date, allow_past: bool) -> None:
    try:
        result = parse_date(text, today, allow_past=allow_past, meetings=lookup)
    except DateError as error:
        assert error.message
    else:
        if result.date is not None and result.meeting is None and not allow_past:
            assert today <= result.date <= today + relativedelta(years=10)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_split_deadline_never_raises(text: str) -> None:
    rest, expression = split_deadline(text)
    assert isinstance(rest, str)
    assert expression is None or expression.lower() in text.lower()
