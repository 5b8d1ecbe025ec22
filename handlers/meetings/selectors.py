"""Which meeting a person means: the selector read from their words, and finding that meeting."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from handlers.core.context import Context
from handlers.meetings import cycle
from handlers.meetings.schedule import coming, has_ended, in_period, past
from handlers.parties.resolver import normalise
from storage.models import Meeting

# --- selecting meetings from what people write -------------------------------------------------------

_MONTH_NAMES = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
                "november", "desember")  # fmt: skip
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, start=1)}
# Matched against folded words (æ → ae, ø → o, å → a), so "hostmotet" works as well as "høstmøtet".
_NATIONAL_WORDS = re.compile(r"^(?:nasjonal\w*|samordningsmote\w*|samhandlingsmodell\w*|plenum\w*|toppleder\w*)$")
_REGIONAL_WORDS = re.compile(r"^(?:regional\w*|dialogmote\w*)$")
_AU_WORDS = re.compile(r"^(?:au|arbeidsutval\w*)$")
_STEERING_WORDS = re.compile(r"^(?:styringsgrupp\w*|missions\w*|mission)$")
_MEETING_WORDS = re.compile(r"^(?:\w*mote(?:t|ne|r|rne|s)?|\w*samling(?:en|er|ene)?)$")
_WORD = re.compile(r"[^\W_]+")
_PAST_WORDS = frozenset({"forrige", "sist", "siste", "var", "ble"})  # compared unfolded: "var" is not "vår"


def _season(lower: str, folded: str) -> str | None:
    # "vår" alone is also "our", but next to a meeting word it is the season; "var" (was) is not.
    if lower.startswith("vår") or folded.startswith(("varmot", "varsamling", "varhalv")):
        return "spring"
    if lower.startswith(("høst", "haust")) or folded.startswith(("hostmot", "hostsamling", "hosthalv")):
        return "autumn"
    return None


@dataclass(frozen=True)
class Selector:
    """Which meetings a text asks about."""

    scope: str | None = None  # national, regional, au, steering-group, or None (any)
    season: str | None = None  # spring, autumn
    region: str | None = None
    year: int | None = None
    month: int | None = None
    previous: bool = False
    mentioned: bool = False  # the text talks about meetings at all
    unknown: tuple[str, ...] = ()  # capitalised names that match no county, party or place
    place: str | None = None

    @property
    def kinds(self) -> tuple[str, ...] | None:
        scope = self.scope
        if scope is None and self.region is not None:
            scope = "regional"
        if scope is None and self.season is not None:
            scope = "national"
        if scope in ("au", "steering-group"):
            return (scope,)
        if scope in ("national", "regional"):
            if self.season is not None:
                return (cycle.seasonal_kind(scope, self.season),)
            return cycle.NATIONAL_KINDS if scope == "national" else cycle.REGIONAL_KINDS
        return None


def _party_index(ctx: Context) -> dict[tuple[str, ...], str]:
    """Every party name and alias as folded words -> key."""
    index: dict[tuple[str, ...], str] = {}
    # Parties valid today first, so a name shared by an old and a new county means the new one.
    for party in sorted(ctx.resolver.parties, key=lambda p: not p.valid_on(ctx.today)):
        for name in (party.name, party.short, *party.aliases):
            words = tuple(normalise(name).split())
            if words:
                index.setdefault(words, party.key)
    return index


_FILLER = frozenset(
    {"i", "for", "med", "til", "om", "pa", "og", "det", "den", "de", "er", "har", "skal", "neste", "hvem", "hva",
     "hvor", "nar", "hvilke", "hvilket", "hvilken", "vi", "jeg", "kommer", "kommende", "forrige", "alle", "ar",
     "var", "fjor", "ble", "sist", "siste", "hvordan", "hvorfor", "kan", "blir", "motes", "mote", "moter"}
)  # fmt: skip


def parse_selector(ctx: Context, text: str, *, places: Sequence[str] = ()) -> Selector:
    """Read meeting words, a county, a year or month and "forrige" from free text.

    `places` are known meeting places; a capitalised word that is neither a county, a party nor
    one of them is reported in `unknown`, so that a question about "Narnia" is never answered with
    some other county's meeting.
    """
    written = [m.group() for m in _WORD.finditer(text)]
    lower = [w.lower() for w in written]
    folded = [normalise(w) for w in written]
    used: set[int] = set()

    region: str | None = None
    region_span = (0, 0)
    index = _party_index(ctx)
    longest = max((len(k) for k in index), default=1)
    i = 0
    while i < len(folded):
        for size in range(min(longest, len(folded) - i), 0, -1):
            key = tuple(folded[i : i + size])
            if key in index and not (size == 1 and folded[i] in _FILLER):
                info = ctx.resolver.get(index[key])
                if info is not None and info.kind == "county" and region is None:
                    region, region_span = info.key, (i, i + size)
                used.update(range(i, i + size))
                i += size - 1
                break
        i += 1

    scope: str | None = None
    season: str | None = None
    previous = mentioned = False
    year: int | None = None
    month: int | None = None
    for position, (low, fold_) in enumerate(zip(lower, folded, strict=True)):
        before = lower[position - 1] if position else ""
        if _AU_WORDS.match(fold_):
            scope, mentioned = "au", True
        elif _STEERING_WORDS.match(fold_):
            scope, mentioned = "steering-group", True
        elif _REGIONAL_WORDS.match(fold_):
            scope = scope if scope in ("au", "steering-group") else "regional"
            mentioned = True
        elif _NATIONAL_WORDS.match(fold_):
            scope = scope or "national"
            mentioned = True
        after = folded[position + 1] if position + 1 < len(folded) else ""
        possessive = low == "vår" and (after == "neste" or bool(_MEETING_WORDS.match(after)))  # "vår neste samling"
        season = season if possessive else (_season(low, fold_) or season)
        if _MEETING_WORDS.match(fold_):
            mentioned = True
        if low in _PAST_WORDS:
            previous = True
        if re.fullmatch(r"(?:19|20)\d\d", low):
            year = int(low)
            used.add(position)
        elif fold_ in _MONTHS:
            month = _MONTHS[fold_]
            used.add(position)
        elif low in ("år", "ar") and before in ("i", "neste"):
            year = ctx.today.year + (before == "neste")
        elif low == "fjor" and before == "i":
            year, previous = ctx.today.year - 1, True

    if month is not None and year is None:
        # "i januar": the coming January, or the last one when asking about the past.
        year = ctx.today.year
        if previous and month > ctx.today.month:
            year -= 1
        elif not previous and month < ctx.today.month:
            year += 1

    unknown: list[str] = []
    place: str | None = None
    if region is not None and scope != "regional":
        # "neste møte i Oslo": a county that is also where meetings are held, with no word for a
        # regional meeting, is the place. "Oslos dialogmøte" stays the county.
        span = " ".join(folded[region_span[0] : region_span[1]])
        if any(f" {span} " in f" {normalise(p)} " for p in places):
            place, region = " ".join(written[region_span[0] : region_span[1]]), None
    for position, word in enumerate(written):
        fold_ = folded[position]
        if position in used or position == 0 or not word[:1].isupper() or fold_ in _FILLER:
            continue
        if (_AU_WORDS.match(fold_) or _STEERING_WORDS.match(fold_) or _NATIONAL_WORDS.match(fold_)
                or _REGIONAL_WORDS.match(fold_) or _MEETING_WORDS.match(fold_) or _season(lower[position], fold_)):
            continue
        if any(fold_ in normalise(p).split() for p in places):
            place = word
            continue
        unknown.append(word)
    return Selector(scope=scope, season=season, region=region, year=year, month=month, previous=previous,
                    mentioned=mentioned, unknown=tuple(unknown), place=place)


def known_places(ctx: Context) -> list[str]:
    rows = ctx.session.scalars(select(Meeting.place).where(Meeting.place != "").distinct())
    return [p for p in rows if p]


def find(ctx: Context, selector: Selector) -> Meeting | None:
    """The one meeting a selector points at: the next one, the previous one, or the one of a year."""
    kinds, region = selector.kinds, selector.region
    candidates: list[Meeting]
    if selector.year is not None:
        candidates = in_period(ctx, year=selector.year, month=selector.month, kinds=kinds, region=region)
        candidates = _at_place(candidates, selector.place)
        if not candidates:
            return None
        if selector.previous:
            before = [m for m in candidates if m.starts_at < ctx.naive_now]
            return before[-1] if before else candidates[-1]
        ahead = [m for m in candidates if not has_ended(ctx, m)]
        return ahead[0] if ahead else candidates[0]
    if selector.previous:
        candidates = _at_place(past(ctx, kinds=kinds, region=region, limit=None if selector.place else 1),
                               selector.place)
    else:
        candidates = _at_place(coming(ctx, kinds=kinds, region=region, limit=None if selector.place else 1),
                               selector.place)
    return candidates[0] if candidates else None


def _at_place(meetings: list[Meeting], place: str | None) -> list[Meeting]:
    if place is None:
        return meetings
    wanted = f" {normalise(place)} "
    return [m for m in meetings if wanted in f" {normalise(m.place)} "]
