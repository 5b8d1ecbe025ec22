"""The governance cycle of Nasjonal samhandlingsmodell as data (seed 003, restated in our own words).

One `KindRule` per meeting kind says who convenes it, when in the year the agreement places it,
and what it is about. The Norwegian wording lives in `handlers/catalog/nb_meetings.py`
(`meeting.kind.*`, `meeting.theme.*`); this module only holds the structure, so
questions, the calendar import and the reports all read the same rules.

Choices worth knowing:

- Spring is January–June and autumn July–December. The agreement ties the meetings to the
  budget processes and gives April and November as examples for the regional ones; a meeting with
  no season word in its title is placed by its month.
- KS convenes the national spring and autumn meetings (4.1); each county council convenes its own
  regional spring and autumn dialogue meetings (4.2). The working committee (AU) plans the meetings
  and calls both its own meetings and the steering group's, which meet as needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from handlers.core.catalog import t

NATIONAL_KINDS = ("national-spring", "national-autumn")
REGIONAL_KINDS = ("regional-spring", "regional-autumn")
KINDS = (*NATIONAL_KINDS, *REGIONAL_KINDS, "au", "steering-group", "other")

# Convener marker for the meeting's own county council.
COUNTY_CONVENER = "*county"


@dataclass(frozen=True)
class KindRule:
    kind: str
    scope: str  # national, regional, committee, other
    convener: str | None  # a party key, COUNTY_CONVENER, or None (nobody named)
    season: str | None  # spring, autumn, or None (as needed)
    example_month: int | None = None  # the agreement's example month, if it gives one


RULES: dict[str, KindRule] = {
    "national-spring": KindRule("national-spring", "national", "ks", "spring"),
    "national-autumn": KindRule("national-autumn", "national", "ks", "autumn"),
    "regional-spring": KindRule("regional-spring", "regional", COUNTY_CONVENER, "spring", 4),
    "regional-autumn": KindRule("regional-autumn", "regional", COUNTY_CONVENER, "autumn", 11),
    "au": KindRule("au", "committee", "au", None),
    "steering-group": KindRule("steering-group", "national", "au", None),
    "other": KindRule("other", "other", None, None),
}


def rule(kind: str) -> KindRule:
    return RULES.get(kind, RULES["other"])


def season_of(day: date) -> str:
    """The half-year a meeting on `day` belongs to."""
    return "spring" if day.month <= 6 else "autumn"


def seasonal_kind(scope: str, season: str) -> str:
    """("national", "spring") -> "national-spring"."""
    return f"{scope}-{season}"


def convener_key(kind: str, region: str | None) -> str | None:
    """The party that calls the meeting, as a key; None for a regional meeting without a county."""
    convener = rule(kind).convener
    if convener == COUNTY_CONVENER:
        return region
    return convener


def kind_label(kind: str) -> str:
    """"nasjonalt vårmøte", "møte i arbeidsutvalget (AU)"."""
    return t(f"meeting.kind.{kind if kind in RULES else 'other'}")


def theme(kind: str) -> str | None:
    """What the agreement says the meeting is about, in our own words; None when it says nothing."""
    if kind not in RULES or kind == "other":
        return None
    return t(f"meeting.theme.{kind}")


def expectation(kind: str, region_name: str | None, convener_name: str | None) -> str:
    """"Etter avtalen holdes vårmøtet om våren, og KS kaller inn." — for meetings nobody has set yet."""
    who = convener_name or t("meeting.convener.each_county")
    return t(f"meeting.expect.{kind if kind in RULES else 'other'}", convener=who,
             county=region_name or t("meeting.expect.each_county"))
