"""iCalendar import (Outlook/Exchange, Google, Apple, …) into the meeting calendar.

- Time zones: `icalendar` resolves TZIDs itself: a VTIMEZONE in the file is used as written (that
  is how Outlook describes "W. Europe Standard Time"), and a Windows name without one is mapped to
  its Olson zone by icalendar's own table (`icalendar.timezone.windows_to_olson`). Times without a
  zone ("floating") are read in the bot's zone. All-day events run from local midnight to local
  midnight.
- Recurring events are expanded with `dateutil.rrule` (RRULE, RDATE, EXDATE), within a window from
  two years back to five years ahead; an instance changed in Outlook (a VEVENT with RECURRENCE-ID)
  replaces the instance it names. Each instance becomes one meeting whose uid is
  "<UID>/<recurrence id>", so re-importing updates instances instead of duplicating them, and a
  future instance that has vanished from its series is cancelled.
- The same UID twice in one file: the highest SEQUENCE (then the latest DTSTAMP) wins.
- Kind and county come from the title, then the place ("Dialogmøte Agder fylkeskommune –
  virkemiddelaktørene, vår" is Agder's regional spring meeting); a season word decides spring or
  autumn, else the month does. Our own feed carries X-OPPFOLGING-KIND/-COUNTY, which win. Events
  that are clearly no meeting of the forum are reported, not imported (unless asked to import them
  as "other").
- Every change goes through `handlers.meetings.edits`, so deadlines bound to a meeting follow it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import icalendar
from dateutil.rrule import rruleset, rrulestr
from sqlalchemy import select

from handlers.core import permissions
from handlers.core.catalog import t
from handlers.core.clock import local_date
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.replies import Reply
from handlers.dates.format import format_date
from handlers.meetings import cycle, deadlines, edits, selectors
from handlers.parties.resolver import normalise
from storage.models import Meeting

PAST_WINDOW = timedelta(days=2 * 366)
FUTURE_WINDOW = timedelta(days=5 * 366)
MAX_INSTANCES = 500  # per series; a daily rule without end must not flood the calendar
MAX_BYTES = 5 * 1024 * 1024
OWN_UID = re.compile(r"^oppfolging-meeting-(\d+)$")
PRODID = "-//Oppfølging//Nasjonal samhandlingsmodell//NO"


# --- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    uid: str
    title: str
    place: str
    start: datetime  # aware
    end: datetime | None  # aware
    all_day: bool
    cancelled: bool
    series: str | None  # the master UID for instances of a recurring event
    kind_hint: str | None = None
    county_hint: str | None = None


def _aware(value: date | datetime, tz: tzinfo) -> tuple[datetime, bool]:
    """(aware instant, all_day); a date is local midnight, a floating time is local time."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0), tzinfo=tz), True
    if value.tzinfo is None:
        return value.replace(tzinfo=tz), False
    return value, False


def _rid(value: date | datetime) -> str:
    """A recurrence id as text: UTC instant for timed events, the date for all-day ones."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%d")


def _text(component: icalendar.Component, name: str) -> str:
    value = component.get(name)
    return str(value).strip() if value is not None else ""


def _dt_list(component: icalendar.Component, name: str) -> list[date | datetime]:
    values = component.get(name)
    if values is None:
        return []
    if not isinstance(values, list):
        values = [values]
    out: list[date | datetime] = []
    for value in values:
        out.extend(item.dt for item in getattr(value, "dts", [value]))
    return out


def _occurrence(event: icalendar.Component, uid: str, start: date | datetime, tz: tzinfo, *,
                series: str | None, cancelled_calendar: bool, duration: timedelta | None) -> Occurrence:
    begin, all_day = _aware(start, tz)
    end_value = event.get("DTEND")
    if end_value is not None and series is None:
        end, _ = _aware(end_value.dt, tz)
    elif duration is not None:
        end = begin + duration
    elif event.get("DURATION") is not None:
        end = begin + event.decoded("DURATION")
    else:
        end = begin + timedelta(days=1) if all_day else None
    if all_day and end is not None:
        # Whole days stay whole days across DST: re-anchor the end at local midnight.
        end = datetime.combine(end.date(), time(0), tzinfo=tz)
    status = _text(event, "STATUS").upper()
    return Occurrence(
        uid=uid, title=_text(event, "SUMMARY"), place=_text(event, "LOCATION"), start=begin,
        end=end if end is None or end > begin else None, all_day=all_day,
        cancelled=cancelled_calendar or status == "CANCELLED", series=series,
        kind_hint=_text(event, "X-OPPFOLGING-KIND") or None, county_hint=_text(event, "X-OPPFOLGING-COUNTY") or None,
    )


def _best(events: list[icalendar.Component]) -> icalendar.Component:
    def rank(event: icalendar.Component) -> tuple[int, str]:
        sequence = event.get("SEQUENCE")
        stamp = event.get("LAST-MODIFIED") or event.get("DTSTAMP")
        return (int(sequence) if sequence is not None else 0, _rid(stamp.dt) if stamp is not None else "")

    return max(events, key=rank)


MAX_UID = 200  # Meeting.uid holds 300; an instance adds "/<recurrence id>"


def _fit_uid(uid: str) -> str:
    """A UID too long for the database, as a digest: the same file gives the same uid every time."""
    if len(uid) <= MAX_UID:
        return uid
    return "sha256:" + hashlib.sha256(uid.encode("utf-8", "surrogatepass")).hexdigest()


def read_calendar(data: bytes, tz: tzinfo, now: datetime) -> tuple[list[Occurrence], list[str]]:
    """All occurrences in the file within the window, and the titles of events without a start."""
    if len(data) > MAX_BYTES:
        raise UserError(t("meeting.ics.bad_file", error=f"> {MAX_BYTES // (1024 * 1024)} MB"))
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, KeyError, IndexError) as exc:
        raise UserError(t("meeting.ics.bad_file", error=str(exc)[:120] or exc.__class__.__name__)) from exc
    if not isinstance(calendar, icalendar.Calendar):
        raise UserError(t("meeting.ics.bad_file", error="VCALENDAR"))
    cancelled_calendar = _text(calendar, "METHOD").upper() == "CANCEL"
    window_start, window_end = now - PAST_WINDOW, now + FUTURE_WINDOW

    masters: dict[str, list[icalendar.Component]] = {}
    overrides: dict[str, dict[str, list[icalendar.Component]]] = {}
    missing: list[str] = []
    for event in calendar.walk("VEVENT"):
        if event.get("DTSTART") is None:
            missing.append(_text(event, "SUMMARY") or "?")
            continue
        uid = _fit_uid(_text(event, "UID")
                       or f"nouid-{_rid(event.decoded('DTSTART'))}-{normalise(_text(event, 'SUMMARY'))}")
        rid = event.get("RECURRENCE-ID")
        if rid is not None:
            overrides.setdefault(uid, {}).setdefault(_rid(rid.dt), []).append(event)
        else:
            masters.setdefault(uid, []).append(event)

    found: list[Occurrence] = []
    for uid, candidates in masters.items():
        master = _best(candidates)
        start = master.decoded("DTSTART")
        changed = {rid: _best(events) for rid, events in overrides.get(uid, {}).items()}
        if master.get("RRULE") is None and master.get("RDATE") is None:
            found.append(_occurrence(master, uid, start, tz, series=None, cancelled_calendar=cancelled_calendar,
                                     duration=None))
            continue
        duration = _duration(master, start, tz)
        for instance in _expand(master, start, tz, window_start, window_end):
            rid = _rid(instance)
            event = changed.pop(rid, None)
            if event is not None:
                found.append(_occurrence(event, f"{uid}/{rid}", event.decoded("DTSTART"), tz, series=uid,
                                         cancelled_calendar=cancelled_calendar, duration=_duration(event, event.decoded("DTSTART"), tz)))
            else:
                found.append(_occurrence(master, f"{uid}/{rid}", instance, tz, series=uid,
                                         cancelled_calendar=cancelled_calendar, duration=duration))
        for rid, event in changed.items():  # instances moved in from outside the rule
            found.append(_occurrence(event, f"{uid}/{rid}", event.decoded("DTSTART"), tz, series=uid,
                                     cancelled_calendar=cancelled_calendar, duration=_duration(event, event.decoded("DTSTART"), tz)))
    for uid, by_rid in overrides.items():
        if uid in masters:
            continue
        # An update of single instances without their series (Outlook sends those on their own).
        for rid, events in by_rid.items():
            event = _best(events)
            found.append(_occurrence(event, f"{uid}/{rid}", event.decoded("DTSTART"), tz, series=None,
                                     cancelled_calendar=cancelled_calendar, duration=_duration(event, event.decoded("DTSTART"), tz)))
    found.sort(key=lambda o: (o.start, o.uid))
    return found, missing


def _duration(event: icalendar.Component, start: date | datetime, tz: tzinfo) -> timedelta | None:
    if event.get("DTEND") is not None:
        begin, _ = _aware(start, tz)
        end, _ = _aware(event.decoded("DTEND"), tz)
        return end - begin
    if event.get("DURATION") is not None:
        return event.decoded("DURATION")
    return None


def _expand(master: icalendar.Component, start: date | datetime, tz: tzinfo, window_start: datetime,
            window_end: datetime) -> list[date | datetime]:
    all_day = not isinstance(start, datetime)
    first: datetime = datetime.combine(start, time(0)) if all_day else start  # type: ignore[arg-type]
    if not all_day and first.tzinfo is None:
        first = first.replace(tzinfo=tz)
    rules = rruleset()
    recur = master.get("RRULE")
    for value in recur if isinstance(recur, list) else [recur]:
        text = value.to_ical().decode()
        if all_day:
            # A floating start needs a floating UNTIL; "UNTIL=20271231" is read as a date anyway.
            text = re.sub(r"(UNTIL=\d{8})T\d{6}Z?", r"\1", text)
        elif first.tzinfo is not None and "UNTIL=" in text and not re.search(r"UNTIL=\d{8}T\d{6}Z", text):
            text = re.sub(r"UNTIL=(\d{8})(?:T(\d{6}))?", lambda m: f"UNTIL={m.group(1)}T{m.group(2) or '235959'}Z", text)
        rules.rrule(rrulestr(text, dtstart=first))  # type: ignore[arg-type]
    for extra in _dt_list(master, "RDATE"):
        rules.rdate(_as_series_value(extra, all_day, tz))
    for excluded in _dt_list(master, "EXDATE"):
        rules.exdate(_as_series_value(excluded, all_day, tz))
    lower = window_start.replace(tzinfo=None) if all_day else window_start
    upper = window_end.replace(tzinfo=None) if all_day else window_end
    instances: list[date | datetime] = []
    for instance in rules.between(lower, upper, inc=True):
        instances.append(instance.date() if all_day else instance)
        if len(instances) >= MAX_INSTANCES:
            break
    return instances


def _as_series_value(value: date | datetime, all_day: bool, tz: tzinfo) -> datetime:
    if all_day:
        return datetime.combine(value.date() if isinstance(value, datetime) else value, time(0))
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0), tzinfo=tz)
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


# --- classifying -----------------------------------------------------------------------------------


def classify(ctx: Context, title: str, place: str, day: date) -> tuple[str | None, str | None, str | None]:
    """(kind, county, problem): problem is a text key when the event cannot be placed."""
    by_title = selectors.parse_selector(ctx, title)
    by_place = selectors.parse_selector(ctx, place)
    region = by_title.region or by_place.region
    scope = by_title.scope
    season = by_title.season or cycle.season_of(day)
    if scope in ("au", "steering-group"):
        return scope, None, None
    if scope == "regional" or (scope is None and region is not None and by_title.mentioned):
        if region is None:
            return None, None, "meeting.ics.no_county"
        return cycle.seasonal_kind("regional", season), region, None
    if scope == "national" or (by_title.season is not None and by_title.mentioned):
        return cycle.seasonal_kind("national", season), None, None
    return None, None, "meeting.ics.unclassified"


# --- importing -------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unclassified: list[str] = field(default_factory=list)
    deadlines: deadlines.DeadlineChanges = field(default_factory=deadlines.DeadlineChanges)
    dry_run: bool = False

    def to_json(self) -> dict[str, object]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "cancelled": self.cancelled, "skipped": self.skipped, "unclassified": self.unclassified,
                "deadlines": self.deadlines.to_json(), "dry_run": self.dry_run}

    def reply(self) -> Reply:
        lines = [t("meeting.ics.summary", created=len(self.created), updated=len(self.updated),
                   unchanged=len(self.unchanged), cancelled=len(self.cancelled), skipped=len(self.skipped))]
        lines += self.skipped
        lines += self.deadlines.lines()
        if self.dry_run:
            lines.append(t("meeting.ics.dry_run"))
        return Reply(title=t("meeting.ics.title"), lines=lines, data=self.to_json())


def _existing(ctx: Context, occurrence: Occurrence) -> Meeting | None:
    meeting = ctx.session.scalar(select(Meeting).where(Meeting.uid == occurrence.uid))
    if meeting is not None:
        return meeting
    own = OWN_UID.match(occurrence.uid)
    if own is not None:
        # Our own feed, for a meeting added before it had a uid: the same id, kind and start.
        candidate = ctx.session.get(Meeting, int(own.group(1)))
        if candidate is not None and candidate.uid is None and candidate.kind == occurrence.kind_hint:
            return candidate
    return None


def import_calendar(ctx: Context, data: bytes, *, dry_run: bool = False,
                    include_unclassified: bool = False) -> ImportResult:
    """Import (or update from) an .ics file; with `dry_run`, report what would happen and change nothing."""
    permissions.require(ctx, "manage_meetings")
    occurrences, missing = read_calendar(data, ctx.tz, ctx.now)
    result = ImportResult(dry_run=dry_run, skipped=[t("meeting.ics.no_start", title=title) for title in missing])
    savepoint = ctx.session.begin_nested()
    seen_series: dict[str, set[str]] = {}
    for occurrence in occurrences:
        if occurrence.series is not None:
            seen_series.setdefault(occurrence.series, set()).add(occurrence.uid)
        _import_one(ctx, occurrence, result, include_unclassified)
    _cancel_vanished(ctx, seen_series, result)
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
    return result


def _spec(ctx: Context, occurrence: Occurrence, kind: str, region: str | None) -> edits.MeetingSpec:
    return edits.MeetingSpec(
        kind=kind, starts_at=occurrence.start.astimezone(UTC),
        ends_at=occurrence.end.astimezone(UTC) if occurrence.end else None, all_day=occurrence.all_day,
        place=occurrence.place[: edits.MAX_PLACE], region=region, title=occurrence.title[: edits.MAX_TITLE],
        uid=occurrence.uid,
    )


def _import_one(ctx: Context, occurrence: Occurrence, result: ImportResult, include_unclassified: bool) -> None:
    day = local_date(occurrence.start, ctx.tz)
    existing = _existing(ctx, occurrence)
    if occurrence.cancelled:
        if existing is not None:
            changed, changes = edits.cancel_meeting(ctx, existing)
            (result.cancelled if changed else result.unchanged).append(existing.id)
            result.deadlines.extend(changes)
        return
    kind, region, problem = _hinted(ctx, occurrence)
    if kind is None:
        kind, region, problem = classify(ctx, occurrence.title, occurrence.place, day)
    if kind is None and include_unclassified and problem == "meeting.ics.unclassified":
        kind, problem = "other", None
    if kind is None:
        assert problem is not None
        line = t(problem, title=occurrence.title or "?", date=format_date(day))
        result.skipped.append(line)
        result.unclassified.append(occurrence.title)
        return
    spec = _spec(ctx, occurrence, kind, region)
    if existing is None:
        meeting, changes = edits.add(ctx, spec)
        result.created.append(meeting.id)
    else:
        if existing.uid is None:
            existing.uid = occurrence.uid
        changed, changes = edits.update(ctx, existing, spec)
        (result.updated if changed else result.unchanged).append(existing.id)
    result.deadlines.extend(changes)


def _hinted(ctx: Context, occurrence: Occurrence) -> tuple[str | None, str | None, str | None]:
    """Kind and county from our own X- properties, when they are valid."""
    kind = occurrence.kind_hint
    if kind not in cycle.RULES:
        return None, None, None
    county = occurrence.county_hint
    info = ctx.resolver.get(county) if county else None
    if kind in cycle.REGIONAL_KINDS:
        if info is None or info.kind != "county":
            return None, None, None
        return kind, county, None
    return kind, None, None


def _cancel_vanished(ctx: Context, seen: dict[str, set[str]], result: ImportResult) -> None:
    """Future instances of a re-imported series that the series no longer has are cancelled."""
    for series, uids in seen.items():
        prefix = f"{series}/"
        rows = ctx.session.scalars(
            select(Meeting).where(Meeting.uid.startswith(prefix, autoescape=True), Meeting.status == "scheduled",
                                  Meeting.starts_at >= ctx.naive_now)
        )
        for meeting in list(rows):
            if meeting.uid not in uids:
                _, changes = edits.cancel_meeting(ctx, meeting)
                result.cancelled.append(meeting.id)
                result.deadlines.extend(changes)
