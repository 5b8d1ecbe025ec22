"""The meeting calendar: finding, adding, moving and cancelling meetings, and what is due before them.

Deadlines tied to a meeting ("til vårmøtet", "til neste møte") are kept in `Action.deadline_meeting`
as {"kind", "year"}; once such a deadline has a date, this module also writes the id of the meeting
it resolved to ({"kind", "year", "meeting_id"}). That binding is what makes a moved meeting move
exactly the actions that depend on it, and nothing else:

- adding a meeting gives a date to the open actions still waiting for one (their reference now
  resolves through `handlers.meeting_refs.find_meeting`);
- moving a meeting moves the deadlines bound to it;
- cancelling a meeting re-resolves the deadlines bound to it (to another scheduled meeting, or
  back to "not scheduled yet").

Every such change is recorded as a 'deadline' event in the action's history. The binding lives
inside the JSON value rather than in a column of its own because `handlers.actions` replaces that
value whenever a user sets a new deadline, so a stale binding can never survive a manual change.
Actions whose meeting deadline was resolved before the binding existed (by `actions.create`) are
"adopted" first: bound to the meeting whose date they carry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import String, cast, exists, or_, select

from handlers import actions, agreement, permissions
from handlers.audit import audit, meeting_audit
from handlers.catalog import t
from handlers.clock import at_local, local_date, local_datetime
from handlers.context import Context
from handlers.dates import MeetingRef, format_date, format_date_long, format_datetime
from handlers.errors import NotFound, UserError
from handlers.meeting_refs import AGENCIES, find_meeting
from handlers.parties import normalise
from handlers.text import clean_input
from storage.models import OPEN_STATUSES, Action, ActionParty, Meeting, Party

MAX_TITLE = 300
MAX_PLACE = 300


# --- values ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingSpec:
    """A meeting to add, as validated input; instants are aware."""

    kind: str
    starts_at: datetime
    ends_at: datetime | None = None
    all_day: bool = False
    place: str = ""
    region: str | None = None
    title: str = ""
    uid: str | None = None
    notes: str = ""


@dataclass
class DeadlineChanges:
    """Actions whose deadline followed a meeting change, by what happened to them."""

    moved: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    unresolved: list[int] = field(default_factory=list)

    def extend(self, other: DeadlineChanges) -> None:
        self.moved += other.moved
        self.resolved += other.resolved
        self.unresolved += other.unresolved

    def lines(self) -> list[str]:
        out = []
        for key, ids in (("moved", self.moved), ("resolved", self.resolved), ("unresolved", self.unresolved)):
            if ids:
                out.append(t(f"meeting.deadlines_{key}", count=len(ids), ids=", ".join(f"#{i}" for i in ids)))
        return out

    def to_json(self) -> dict[str, list[int]]:
        return {"moved": self.moved, "resolved": self.resolved, "unresolved": self.unresolved}


# --- reading ---------------------------------------------------------------------------------------


def load(ctx: Context, meeting_id: int) -> Meeting:
    meeting = ctx.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(t("meetings.not_found", id=meeting_id))
    return meeting


def parse_id(text: str) -> int:
    cleaned = text.strip().lstrip("#").rstrip(".,:;")
    if not cleaned.isdigit() or len(cleaned) > 12:
        raise UserError(t("meeting.bad_id", value=text.strip() or "–"))
    return int(cleaned)


def _not_over(now: datetime):  # type: ignore[no-untyped-def]
    """A meeting that has not ended yet: it starts later, or it is going on right now."""
    naive = now.astimezone(UTC).replace(tzinfo=None)
    return or_(Meeting.starts_at >= naive, Meeting.ends_at > naive)


def _filtered(stmt, kinds: Sequence[str] | None, region: str | None):  # type: ignore[no-untyped-def]
    stmt = stmt.where(Meeting.status == "scheduled")
    if kinds:
        stmt = stmt.where(Meeting.kind.in_(list(kinds)))
    if region is not None:
        stmt = stmt.where(Meeting.region == region)
    return stmt


def coming(ctx: Context, *, kinds: Sequence[str] | None = None, region: str | None = None,
           limit: int | None = None) -> list[Meeting]:
    """Scheduled meetings that have not ended, soonest first."""
    stmt = _filtered(select(Meeting), kinds, region).where(_not_over(ctx.now))
    stmt = stmt.order_by(Meeting.starts_at, Meeting.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(ctx.session.scalars(stmt))


def past(ctx: Context, *, kinds: Sequence[str] | None = None, region: str | None = None,
         before: datetime | None = None, limit: int | None = None) -> list[Meeting]:
    """Scheduled meetings that started before `before` (default: now), latest first."""
    moment = (before or ctx.now).astimezone(UTC).replace(tzinfo=None)
    stmt = _filtered(select(Meeting), kinds, region).where(Meeting.starts_at < moment)
    stmt = stmt.order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(ctx.session.scalars(stmt))


def in_period(ctx: Context, *, year: int, month: int | None = None, kinds: Sequence[str] | None = None,
              region: str | None = None) -> list[Meeting]:
    """Scheduled meetings starting in a local year (or month of it), in order.

    The bounds are local midnights converted to UTC, so a meeting at 00:30 on 1 February in Oslo
    belongs to February even though it is still January in UTC.
    """
    if month is None:
        first, last = date(year, 1, 1), date(year + 1, 1, 1)
    else:
        first = date(year, month, 1)
        last = date(year + (month == 12), month % 12 + 1, 1)
    start = at_local(first, time(0), ctx.tz).replace(tzinfo=None)
    end = at_local(last, time(0), ctx.tz).replace(tzinfo=None)
    stmt = _filtered(select(Meeting), kinds, region).where(Meeting.starts_at >= start, Meeting.starts_at < end)
    return list(ctx.session.scalars(stmt.order_by(Meeting.starts_at, Meeting.id)))


def has_ended(ctx: Context, meeting: Meeting) -> bool:
    end = meeting.ends_at or meeting.starts_at
    return end <= ctx.naive_now and meeting.starts_at < ctx.naive_now


def series_kinds(meeting: Meeting) -> tuple[tuple[str, ...], str | None]:
    """The kinds and county that make up a meeting's series (whose protocols follow each other).

    The national spring and autumn meetings are one forum, so one series; each county's dialogue
    meetings are a series of their own; AU and the steering group each have theirs.
    """
    if meeting.kind in agreement.NATIONAL_KINDS:
        return agreement.NATIONAL_KINDS, None
    if meeting.kind in agreement.REGIONAL_KINDS:
        return agreement.REGIONAL_KINDS, meeting.region
    return (meeting.kind,), None


def involved_parties(meeting: Meeting) -> list[str] | None:
    """The party keys a meeting concerns; None means everyone (national meetings)."""
    if meeting.kind == "au":
        return ["au"]
    if meeting.kind in agreement.REGIONAL_KINDS:
        keys = ["fylkeskommunene", "partene", *AGENCIES]
        if meeting.region:
            keys.insert(0, meeting.region)
        return keys
    return None


def due_before(ctx: Context, meeting: Meeting) -> list[Action]:
    """Open actions of the parties involved whose deadline falls on or before the meeting day."""
    day = local_date(meeting.starts_at, ctx.tz)
    stmt = select(Action).where(
        Action.status.in_(list(OPEN_STATUSES)), Action.deadline.is_not(None), Action.deadline <= day
    )
    keys = involved_parties(meeting)
    if keys is not None:
        stmt = stmt.where(
            exists().where(ActionParty.action_id == Action.id, ActionParty.party_id == Party.id,
                           Party.key.in_(keys))
        )
    return list(ctx.session.scalars(stmt.order_by(Action.deadline, Action.id)))


# --- words -----------------------------------------------------------------------------------------


def county_name(ctx: Context, key: str | None) -> str:
    if key is None:
        return ""
    return ctx.resolver.short_name(key)


def convener_label(ctx: Context, kind: str, region: str | None) -> str:
    key = agreement.convener_key(kind, region)
    if key is not None:
        return ctx.resolver.label(key)
    if agreement.rule(kind).convener == agreement.COUNTY_CONVENER:
        return t("meeting.convener.each_county")
    return t("meeting.convener.nobody")


def when_label(ctx: Context, meeting: Meeting) -> str:
    """"torsdag 21. oktober 2027 kl. 10.00–15.00", or "…2027 (hele dagen)"."""
    start = local_datetime(meeting.starts_at, ctx.tz)
    if meeting.all_day:
        return t("meeting.all_day", date=format_date_long(start.date()))
    text = format_datetime(meeting.starts_at, ctx.tz)
    if meeting.ends_at is not None:
        end = local_datetime(meeting.ends_at, ctx.tz)
        if end.date() == start.date() and end > start:
            text = t("meeting.range", start=text, end=end.hour, end_minute=end.minute)
    return text


def default_title(ctx: Context, kind: str, region: str | None, day: date) -> str:
    return t(f"meeting.title.{kind if kind in agreement.RULES else 'other'}", year=day.year,
             county=county_name(ctx, region))


def subject(ctx: Context, kinds: Sequence[str] | None, region: str | None = None, year: int | None = None) -> str:
    """How to name what was asked for: "det nasjonale høstmøtet i 2027", "neste dialogmøte i Agder"."""
    if not kinds:
        text = t("meeting.subject.any")
    elif len(kinds) == 1:
        text = t(f"meeting.subject.{kinds[0]}")
    elif tuple(kinds) == agreement.NATIONAL_KINDS:
        text = t("meeting.subject.national")
    elif tuple(kinds) == agreement.REGIONAL_KINDS:
        text = t("meeting.subject.regional")
    else:
        text = t("meeting.subject.any")
    if region is not None:
        text = t("meeting.subject.in_county", subject=text, county=county_name(ctx, region))
    if year is not None:
        text = t("meeting.subject.year", subject=text, year=year)
    return text


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def expectations(ctx: Context, kinds: Sequence[str] | None, region: str | None) -> list[str]:
    """What the agreement expects for meetings nobody has scheduled yet, one sentence per kind."""
    wanted = list(kinds) if kinds else [*agreement.NATIONAL_KINDS]
    region_name = county_name(ctx, region) or None
    return [agreement.expectation(kind, region_name, convener_label(ctx, kind, region) if (
        agreement.rule(kind).convener != agreement.COUNTY_CONVENER or region) else None) for kind in wanted]


def facts(ctx: Context, meeting: Meeting) -> list[str]:
    """The lines that describe one meeting: when, where, kind, county, who convenes, theme."""
    lines = [
        t("meeting.when_line", when=when_label(ctx, meeting)),
        t("meeting.where_line", place=meeting.place or t("meeting.place_unknown")),
        t("meeting.kind_line", kind=agreement.kind_label(meeting.kind)),
    ]
    if meeting.region:
        lines.append(t("meeting.county_line", county=ctx.resolver.label(meeting.region)))
    convener = ctx.resolver.label(meeting.convener) if meeting.convener else convener_label(
        ctx, meeting.kind, meeting.region)
    lines.append(t("meeting.convener_line", convener=convener))
    theme = agreement.theme(meeting.kind)
    if theme:
        lines.append(t("meeting.theme_line", theme=theme))
    lines.append(t("meeting.id_line", id=meeting.id))
    return lines


def list_line(ctx: Context, meeting: Meeting) -> str:
    place = t("meeting.list_place", place=meeting.place) if meeting.place else ""
    line = t("meeting.list_line", id=meeting.id, when=when_label(ctx, meeting), title=meeting.title, place=place)
    if meeting.status == "cancelled":
        line = f"{line} ({t('meeting.cancelled_mark')})"
    return line


def meeting_json(ctx: Context, meeting: Meeting) -> dict[str, object]:
    start = local_datetime(meeting.starts_at, ctx.tz)
    end = local_datetime(meeting.ends_at, ctx.tz) if meeting.ends_at else None
    return {
        "id": meeting.id,
        "kind": meeting.kind,
        "title": meeting.title,
        "date": start.date().isoformat(),
        "starts_at": start.isoformat(),
        "ends_at": end.isoformat() if end else None,
        "all_day": meeting.all_day,
        "place": meeting.place,
        "county": meeting.region,
        "convener": meeting.convener or agreement.convener_key(meeting.kind, meeting.region),
        "status": meeting.status,
        "uid": meeting.uid,
    }


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
                return (agreement.seasonal_kind(scope, self.season),)
            return agreement.NATIONAL_KINDS if scope == "national" else agreement.REGIONAL_KINDS
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


# --- changing meetings -----------------------------------------------------------------------------


def validate(ctx: Context, spec: MeetingSpec) -> MeetingSpec:
    # Typed, from a form or from an .ics file: the same cleaning as every other text.
    spec = replace(spec, title=clean_input(spec.title), place=clean_input(spec.place), notes=clean_input(spec.notes))
    if spec.kind not in agreement.RULES:
        raise UserError(t("meeting.unknown_kind", text=spec.kind))
    if spec.kind in agreement.REGIONAL_KINDS and not spec.region:
        raise UserError(t("meeting.missing_county"))
    if spec.region is not None:
        if spec.kind not in agreement.REGIONAL_KINDS:
            raise UserError(t("meeting.county_not_regional"))
        info = ctx.resolver.get(spec.region)
        if info is None or info.kind != "county":
            raise UserError(t("meeting.unknown_county", name=spec.region))
    if spec.ends_at is not None and spec.ends_at <= spec.starts_at:
        raise UserError(t("meeting.end_before_start", text=format_datetime(spec.ends_at, ctx.tz)))
    if len(spec.title) > MAX_TITLE:
        raise UserError(t("meeting.too_long", field=t("meeting.field.title"), max=MAX_TITLE))
    if len(spec.place) > MAX_PLACE:
        raise UserError(t("meeting.too_long", field=t("meeting.field.place"), max=MAX_PLACE))
    return spec


def _naive(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None)


def add(ctx: Context, spec: MeetingSpec) -> tuple[Meeting, DeadlineChanges]:
    """Add a meeting (admins only) and give a date to the deadlines that were waiting for it."""
    permissions.require(ctx, "manage_meetings")
    spec = validate(ctx, spec)
    open_refs = _meeting_bound_actions(ctx)
    _adopt(ctx, open_refs)
    day = local_date(spec.starts_at, ctx.tz)
    meeting = Meeting(
        kind=spec.kind,
        title=spec.title.strip() or default_title(ctx, spec.kind, spec.region, day),
        starts_at=_naive(spec.starts_at),
        ends_at=_naive(spec.ends_at),
        all_day=spec.all_day,
        place=spec.place.strip(),
        region=spec.region,
        convener=agreement.convener_key(spec.kind, spec.region),
        status="scheduled",
        uid=spec.uid,
        source=ctx.source,
        notes=spec.notes,
        created_at=ctx.naive_now,
        updated_at=ctx.naive_now,
    )
    ctx.session.add(meeting)
    ctx.session.flush()
    audit(ctx, "meeting", meeting.id, "created", None, meeting_audit(meeting))
    changes = _resolve_pending(ctx, open_refs)
    return meeting, changes


def update(ctx: Context, meeting: Meeting, spec: MeetingSpec) -> tuple[bool, DeadlineChanges]:
    """Bring a meeting in line with `spec` (calendar re-import); moves bound deadlines if the time changed."""
    permissions.require(ctx, "manage_meetings")
    spec = validate(ctx, spec)
    open_refs = _meeting_bound_actions(ctx)
    _adopt(ctx, open_refs)
    day = local_date(spec.starts_at, ctx.tz)
    wanted = {
        "kind": spec.kind,
        "title": spec.title.strip() or default_title(ctx, spec.kind, spec.region, day),
        "starts_at": _naive(spec.starts_at),
        "ends_at": _naive(spec.ends_at),
        "all_day": spec.all_day,
        "place": spec.place.strip(),
        "region": spec.region,
        "convener": agreement.convener_key(spec.kind, spec.region),
        "status": "scheduled",
    }
    changed = {name: value for name, value in wanted.items() if getattr(meeting, name) != value}
    if not changed:
        return False, DeadlineChanges()
    before = meeting_audit(meeting)
    for name, value in changed.items():
        setattr(meeting, name, value)
    meeting.updated_at = ctx.naive_now
    ctx.session.flush()
    audit(ctx, "meeting", meeting.id, "changed", before, meeting_audit(meeting))
    changes = _follow(ctx, meeting, open_refs)
    changes.extend(_resolve_pending(ctx, open_refs))
    return True, changes


def move(ctx: Context, meeting_id: int, starts_at: datetime, *, all_day: bool | None = None,
         ends_at: datetime | None = None) -> tuple[Meeting, bool, DeadlineChanges]:
    """Move a meeting (admins only); its length is kept unless `ends_at` is given."""
    permissions.require(ctx, "manage_meetings")
    meeting = load(ctx, meeting_id)
    if meeting.status == "cancelled":
        raise UserError(t("meeting.is_cancelled", id=meeting.id))
    new_start = _naive(starts_at)
    assert new_start is not None
    if ends_at is not None:
        new_end = _naive(ends_at)
    elif meeting.ends_at is not None:
        new_end = new_start + (meeting.ends_at - meeting.starts_at)
    else:
        new_end = None
    if new_end is not None and new_end <= new_start:
        raise UserError(t("meeting.end_before_start", text=format_datetime(new_end, ctx.tz)))
    new_all_day = meeting.all_day if all_day is None else all_day
    if (new_start, new_end, new_all_day) == (meeting.starts_at, meeting.ends_at, meeting.all_day):
        return meeting, False, DeadlineChanges()
    open_refs = _meeting_bound_actions(ctx)
    _adopt(ctx, open_refs)
    before = meeting_audit(meeting)
    meeting.starts_at, meeting.ends_at, meeting.all_day = new_start, new_end, new_all_day
    meeting.updated_at = ctx.naive_now
    ctx.session.flush()
    audit(ctx, "meeting", meeting.id, "moved", before, meeting_audit(meeting))
    changes = _follow(ctx, meeting, open_refs)
    changes.extend(_resolve_pending(ctx, open_refs))
    return meeting, True, changes


def cancel(ctx: Context, meeting_id: int) -> tuple[Meeting, bool, DeadlineChanges]:
    """Cancel a meeting (admins only); deadlines bound to it look for another meeting."""
    permissions.require(ctx, "manage_meetings")
    meeting = load(ctx, meeting_id)
    return (meeting, *cancel_meeting(ctx, meeting))  # type: ignore[return-value]


def cancel_meeting(ctx: Context, meeting: Meeting) -> tuple[bool, DeadlineChanges]:
    permissions.require(ctx, "manage_meetings")
    if meeting.status == "cancelled":
        return False, DeadlineChanges()
    open_refs = _meeting_bound_actions(ctx)
    _adopt(ctx, open_refs)
    before = meeting_audit(meeting)
    meeting.status = "cancelled"
    meeting.updated_at = ctx.naive_now
    ctx.session.flush()
    audit(ctx, "meeting", meeting.id, "cancelled", before, meeting_audit(meeting))
    return True, _release(ctx, meeting, open_refs)


# --- deadlines that depend on meetings ---------------------------------------------------------------


def _meeting_bound_actions(ctx: Context) -> list[Action]:
    """Open actions whose deadline refers to a meeting."""
    stmt = select(Action).where(
        Action.status.in_(list(OPEN_STATUSES)),
        Action.deadline_meeting.is_not(None),
        # JSON null and SQL NULL are different things on PostgreSQL; both mean "no meeting".
        cast(Action.deadline_meeting, String) != "null",
    )
    return [a for a in ctx.session.scalars(stmt.order_by(Action.id)) if isinstance(a.deadline_meeting, dict)]


def _ref(action: Action) -> MeetingRef:
    value = action.deadline_meeting or {}
    year = value.get("year")
    return MeetingRef(value.get("kind"), int(year) if isinstance(year, int) else None)


def bound_meeting_id(action: Action) -> int | None:
    value = (action.deadline_meeting or {}).get("meeting_id")
    return value if isinstance(value, int) else None


def _bind(action: Action, meeting: Meeting | None) -> None:
    value = {k: v for k, v in (action.deadline_meeting or {}).items() if k != "meeting_id"}
    if meeting is not None:
        value["meeting_id"] = meeting.id
    action.deadline_meeting = value  # a new dict, so SQLAlchemy sees the change


def _adopt(ctx: Context, candidates: list[Action]) -> None:
    """Bind deadlines that were resolved without a binding to the meeting whose date they carry."""
    for action in candidates:
        bound = bound_meeting_id(action)
        if bound is not None and ctx.session.get(Meeting, bound) is not None:
            continue
        if action.deadline is None:
            continue
        meeting = find_meeting(ctx, _ref(action), action.party_keys)
        if meeting is not None and local_date(meeting.starts_at, ctx.tz) == action.deadline:
            _bind(action, meeting)


def _set_deadline(ctx: Context, action: Action, meeting: Meeting | None, why: str) -> None:
    old = actions.deadline_label(action)
    action.deadline = local_date(meeting.starts_at, ctx.tz) if meeting is not None else None
    _bind(action, meeting)
    action.updated_at = ctx.naive_now
    action.updated_by_id = ctx.person.id
    new = (t("meeting.deadline_event", date=format_date(action.deadline), meeting=why) if action.deadline
           else t("meeting.deadline_event_pending", meeting=why))
    actions.record(ctx, action, "deadline", old, new)


def _follow(ctx: Context, meeting: Meeting, candidates: list[Action]) -> DeadlineChanges:
    changes = DeadlineChanges()
    day = local_date(meeting.starts_at, ctx.tz)
    for action in candidates:
        if bound_meeting_id(action) == meeting.id and action.deadline != day:
            _set_deadline(ctx, action, meeting, meeting.title)
            changes.moved.append(action.id)
    ctx.session.flush()
    return changes


def _resolve_pending(ctx: Context, candidates: list[Action]) -> DeadlineChanges:
    changes = DeadlineChanges()
    for action in candidates:
        if action.deadline is not None or bound_meeting_id(action) is not None:
            continue
        meeting = find_meeting(ctx, _ref(action), action.party_keys)
        if meeting is not None:
            _set_deadline(ctx, action, meeting, meeting.title)
            changes.resolved.append(action.id)
    ctx.session.flush()
    return changes


def _release(ctx: Context, cancelled: Meeting, candidates: list[Action]) -> DeadlineChanges:
    changes = DeadlineChanges()
    for action in candidates:
        if bound_meeting_id(action) != cancelled.id:
            continue
        replacement = find_meeting(ctx, _ref(action), action.party_keys)
        if replacement is not None:
            _set_deadline(ctx, action, replacement, replacement.title)
            changes.moved.append(action.id)
        else:
            _set_deadline(ctx, action, None, cancelled.title)
            changes.unresolved.append(action.id)
    ctx.session.flush()
    return changes


def all_day_bounds(day: date, ctx: Context, days: int = 1) -> tuple[datetime, datetime]:
    """An all-day meeting runs from local midnight to the local midnight `days` later."""
    return at_local(day, time(0), ctx.tz), at_local(day + timedelta(days=days), time(0), ctx.tz)
