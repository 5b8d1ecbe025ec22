"""Chat commands for the meeting calendar: neste møte, møter, møte ny/flytt/avlys, rapport.

A typed meeting reads `KIND [COUNTY] DATE [kl. HH[.MM][–HH[.MM]]] [i|på PLACE]`, for example
`høstmøte 21. oktober 2027 kl. 10 i Oslo` or `dialogmøte Agder vår 22. april 2027 kl. 9–15 i
Kristiansand`. The kind words come first, so the date parser only ever sees the date; the place is
whatever follows the date after "i", "på" or a comma. A meeting without a time is an all-day meeting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from handlers import agreement, meetings, views
from handlers.catalog import t
from handlers.clock import at_local, local_datetime
from handlers.commands import command
from handlers.context import Context
from handlers.dates import parse_date
from handlers.errors import DateError, UserError
from handlers.parties import normalise
from handlers.replies import Button, Form, FormField, Option, Reply, Section
from handlers.text import fold
from storage.models import Meeting

DUE_SHOWN = 10
LIST_LIMIT = 20


# --- reading a typed meeting -----------------------------------------------------------------------

_CLOCK = r"(?P<{h}>\d{{1,2}})(?:[.:](?P<{m}>\d{{2}}))?"
_TIME = re.compile(
    r"(?:,\s*)?\b(?:kl\.?|klokka|klokken)\s*" + _CLOCK.format(h="h", m="m")
    + r"(?:\s*(?:-|–|—|til)\s*(?:kl\.?\s*)?" + _CLOCK.format(h="h2", m="m2") + r")?(?![\d.:])",
    re.IGNORECASE,
)
_COLON_TIME = re.compile(
    r"(?:,\s*)?\b(?P<h>\d{1,2}):(?P<m>\d{2})(?:\s*(?:-|–|—|til)\s*(?P<h2>\d{1,2}):(?P<m2>\d{2}))?(?![\d.:])"
)
_FORM_TIME = re.compile(
    r"^\s*(?:kl\.?\s*)?" + _CLOCK.format(h="h", m="m") + r"(?:\s*(?:-|–|—|til)\s*(?:kl\.?\s*)?"
    + _CLOCK.format(h="h2", m="m2") + r")?\s*$",
    re.IGNORECASE,
)
_PLACE_WORDS = ("i", "på", "pa", "hos", "ved")


@dataclass(frozen=True)
class Clock:
    start: time
    end: time | None


def _clock_from(match: re.Match[str], text: str) -> Clock:
    def one(h: str | None, m: str | None) -> time | None:
        if h is None:
            return None
        hour, minute = int(h), int(m or 0)
        if hour > 23 or minute > 59:
            raise UserError(t("meeting.bad_time", text=text.strip()))
        return time(hour, minute)

    start = one(match.group("h"), match.group("m"))
    assert start is not None
    end = one(match.group("h2"), match.group("m2"))
    if end is not None and end <= start:
        raise UserError(t("meeting.end_before_start", text=text.strip()))
    return Clock(start, end)


def parse_clock(text: str) -> Clock:
    """A time field: "10", "9.30", "kl. 9.30–15", "10:00-15:00"."""
    match = _FORM_TIME.match(text)
    if match is None:
        raise UserError(t("meeting.bad_time", text=text.strip()))
    return _clock_from(match, text)


def _take_clock(text: str) -> tuple[Clock | None, str]:
    for pattern in (_TIME, _COLON_TIME):
        match = pattern.search(text)
        if match is not None:
            return _clock_from(match, match.group()), f"{text[: match.start()]} {text[match.end() :]}"
    return None, text


def _is_kind_token(token: str, counties: set[tuple[str, ...]]) -> bool:
    words = normalise(token).split()
    if not words:
        return True  # punctuation such as "–" between the kind words
    for word in words:
        if not (meetings._NATIONAL_WORDS.match(word) or meetings._REGIONAL_WORDS.match(word)
                or meetings._AU_WORDS.match(word) or meetings._STEERING_WORDS.match(word)
                or meetings._MEETING_WORDS.match(word) or meetings._season(token.lower(), word)
                or word in ("annet", "moteserie") or (word,) in counties or word in _COUNTY_WORDS):
            return False
    return True


# Words that can be part of a county's name ("Møre og Romsdal", "Troms og Finnmark").
_COUNTY_WORDS = frozenset({"og", "fylkeskommune", "fylkeskommunen", "fk"})


def _county_names(ctx: Context) -> set[tuple[str, ...]]:
    names: set[tuple[str, ...]] = set()
    for party in ctx.resolver.parties:
        if party.kind == "county":
            for name in (party.name, party.short, *party.aliases):
                words = tuple(normalise(name).split())
                names.add(words)
                names.update((w,) for w in words)
    return names


def _kind_for(selector: meetings.Selector, day: date, said_meeting: bool) -> str:
    kinds = selector.kinds
    if kinds is None:
        if not said_meeting:
            raise UserError(t("meeting.missing_kind"))
        return "other"
    if len(kinds) == 1:
        return kinds[0]
    scope = "national" if kinds == agreement.NATIONAL_KINDS else "regional"
    return agreement.seasonal_kind(scope, agreement.season_of(day))


def parse_spec(ctx: Context, text: str) -> meetings.MeetingSpec:
    """`høstmøte 21. oktober 2027 kl. 10 i Oslo` -> a MeetingSpec; raises UserError on anything unclear."""
    clock, rest = _take_clock(text)
    tokens = rest.split()
    counties = _county_names(ctx)
    cut = 0
    while cut < len(tokens) and _is_kind_token(tokens[cut], counties):
        cut += 1
    kind_text = " ".join(tokens[:cut])
    if not kind_text.strip():
        raise UserError(t("meeting.missing_kind"))
    selector = meetings.parse_selector(ctx, kind_text)
    said_meeting = any(meetings._MEETING_WORDS.match(w) for w in normalise(kind_text).split())
    remaining = tokens[cut:]
    if not remaining:
        raise UserError(t("meeting.missing_date"))

    day: date | None = None
    place_tokens: list[str] = []
    for end in range(len(remaining), 0, -1):
        after = remaining[end:]
        if after and fold(after[0]) not in _PLACE_WORDS and not remaining[end - 1].endswith(","):
            continue
        candidate = " ".join(remaining[:end]).rstrip(",")
        try:
            parsed = parse_date(candidate, ctx.today, allow_past=True)
        except DateError:
            continue
        if parsed.meeting is not None or parsed.date is None:
            raise UserError(t("meeting.date_is_meeting", text=candidate))
        day = parsed.date
        place_tokens = after[1:] if after and fold(after[0]) in _PLACE_WORDS else after
        break
    if day is None:
        guess = " ".join(remaining)
        for word in _PLACE_WORDS:
            guess = guess.split(f" {word} ")[0]
        raise UserError(t("meeting.bad_date", text=guess.strip()))

    kind = _kind_for(selector, day, said_meeting)
    region = selector.region if kind in agreement.REGIONAL_KINDS else None
    if selector.region is not None and kind not in agreement.REGIONAL_KINDS:
        raise UserError(t("meeting.county_not_regional"))
    if clock is None:
        start, end_at = meetings.all_day_bounds(day, ctx)
        return meetings.MeetingSpec(kind=kind, starts_at=start, ends_at=end_at, all_day=True,
                                    place=" ".join(place_tokens).strip(" ,."), region=region)
    start = at_local(day, clock.start, ctx.tz)
    end_at = at_local(day, clock.end, ctx.tz) if clock.end is not None else None
    return meetings.MeetingSpec(kind=kind, starts_at=start, ends_at=end_at, place=" ".join(place_tokens).strip(" ,."),
                                region=region)


# --- replies ---------------------------------------------------------------------------------------


def meeting_reply(ctx: Context, meeting: Meeting, *, title: str | None = None, with_due: bool = True) -> Reply:
    reply = Reply(title=title or meeting.title, lines=meetings.facts(ctx, meeting),
                  data={"meeting_id": meeting.id, "meeting": meetings.meeting_json(ctx, meeting)})
    if title:
        reply.lines.insert(0, meeting.title)
    if with_due:
        due = meetings.due_before(ctx, meeting)
        section = Section(title=t("meeting.due_title", count=len(due)))
        section.items = views.items(ctx, due[:DUE_SHOWN])
        if not due:
            section.lines.append(t("meeting.due_none"))
        elif len(due) > DUE_SHOWN:
            section.lines.append(t("meeting.due_more", count=len(due) - DUE_SHOWN))
        reply.sections.append(section)
        assert reply.data is not None
        reply.data["due"] = [a.id for a in due]
    reply.buttons.append(Button(t("meeting.button.report"), f"rapport {meeting.id}"))
    return reply


def not_scheduled_reply(ctx: Context, selector: meetings.Selector, title: str) -> Reply:
    kinds = selector.kinds
    subject = meetings.subject(ctx, kinds, selector.region)
    lines = [t("meeting.none_scheduled", subject=meetings.capital(subject))]
    lines += meetings.expectations(ctx, kinds, selector.region)
    return Reply(title=title, lines=lines, data={"meeting_id": None, "kinds": list(kinds or []),
                                                 "county": selector.region})


def _filter(ctx: Context, args: str) -> meetings.Selector:
    selector = meetings.parse_selector(ctx, args, places=meetings.known_places(ctx))
    understood = selector.kinds is not None or selector.place is not None or selector.year is not None
    if args.strip() and (selector.unknown or not understood):
        raise UserError(t("meeting.bad_filter", text=args.strip()))
    return selector


@command("neste møte", "neste møter", "next meeting", "nestemøte", help_key="meeting.help.next")
def cmd_next(ctx: Context, args: str) -> Reply:
    selector = _filter(ctx, args)
    meeting = meetings.find(ctx, meetings.Selector(
        scope=selector.scope, season=selector.season, region=selector.region, place=selector.place))
    if meeting is None:
        return not_scheduled_reply(ctx, selector, t("meeting.next_title"))
    return meeting_reply(ctx, meeting, title=t("meeting.next_title"))


@command("møter", "meetings", "kalender", "calendar", "møteplan", help_key="meeting.help.list")
def cmd_list(ctx: Context, args: str) -> Reply:
    words = [w for w in args.split() if fold(w) not in ("alle", "all")]
    show_all = len(words) != len(args.split())
    selector = _filter(ctx, " ".join(words))
    if selector.year is not None:
        rows = meetings.in_period(ctx, year=selector.year, month=selector.month, kinds=selector.kinds,
                                  region=selector.region)
    else:
        rows = meetings.coming(ctx, kinds=selector.kinds, region=selector.region)
    total = len(rows)
    shown = rows if show_all else rows[:LIST_LIMIT]
    label = " ".join(words).strip()
    title = t("meeting.list_title_filtered", what=label) if label else t("meeting.list_title")
    reply = Reply(title=title, data={"meeting_ids": [m.id for m in rows],
                                     "meetings": [meetings.meeting_json(ctx, m) for m in shown]})
    if not rows:
        reply.lines.append(t("meeting.list_empty"))
        reply.lines += meetings.expectations(ctx, selector.kinds, selector.region) if selector.kinds else []
        return reply
    for meeting in shown:
        # Each meeting with what a participant needs: facts, theme, and how much is due by then.
        lines = [line for line in meetings.facts(ctx, meeting) if not line.startswith(t("meeting.id_line", id=""))]
        lines.append(t("meeting.due_count", count=len(meetings.due_before(ctx, meeting)), id=meeting.id))
        reply.sections.append(Section(title=f"{meeting.id}. {meeting.title}", lines=lines))
    if total > len(shown):
        reply.lines.append(t("meeting.list_more", shown=len(shown), total=total))
    return reply


@command("møte", "meeting", "mote", help_key="meeting.help.manage")
def cmd_meeting(ctx: Context, args: str) -> Reply:
    head, _, rest = args.strip().partition(" ")
    word = fold(head)
    rest = rest.strip()
    if word in ("ny", "new", "add", "legg"):
        if fold(rest).startswith("til "):  # "møte legg til …"
            rest = rest[4:]
        if not rest:
            return Reply(title=t("meeting.form.title"), form=new_meeting_form(ctx), lines=[t("meeting.form.usage")])
        spec = parse_spec(ctx, rest)
        meeting, changes = meetings.add(ctx, spec)
        return changed_reply(ctx, meeting, t("meeting.created", id=meeting.id, title=meeting.title), changes)
    if word in ("flytt", "move", "endre", "utsett"):
        id_text, _, when = rest.partition(" ")
        meeting_id = meetings.parse_id(id_text)
        if not when.strip():
            raise UserError(t("meeting.missing_date"), suggestions=(t("meeting.usage"),))
        meeting = meetings.load(ctx, meeting_id)
        start, end, all_day = _new_time(ctx, meeting, when)
        meeting, moved, changes = meetings.move(ctx, meeting_id, start, ends_at=end, all_day=all_day)
        if not moved:
            return meeting_reply(ctx, meeting, title=t("meeting.not_moved", id=meeting.id), with_due=False)
        return changed_reply(ctx, meeting, t("meeting.moved", id=meeting.id, when=meetings.when_label(ctx, meeting)),
                             changes)
    if word in ("avlys", "cancel", "avlyst", "slett"):
        meeting_id = meetings.parse_id(rest.split()[0] if rest.split() else "")
        meeting, cancelled, changes = meetings.cancel(ctx, meeting_id)
        key = "meeting.cancelled" if cancelled else "meeting.already_cancelled"
        reply = Reply(title=t(key, id=meeting.id, title=meeting.title), lines=changes.lines(), private=not cancelled,
                      data={"meeting_id": meeting.id, "meeting": meetings.meeting_json(ctx, meeting),
                            "deadlines": changes.to_json()})
        return reply
    if word in ("vis", "show"):
        return meeting_reply(ctx, meetings.load(ctx, meetings.parse_id(rest)))
    if head.strip().lstrip("#").isdigit():
        return meeting_reply(ctx, meetings.load(ctx, meetings.parse_id(head)))
    raise UserError(t("meeting.usage"))


def _new_time(ctx: Context, meeting: Meeting, text: str):  # type: ignore[no-untyped-def]
    clock, rest = _take_clock(text)
    try:
        parsed = parse_date(rest.strip(" ,"), ctx.today, allow_past=True)
    except DateError as exc:
        raise UserError(t("meeting.bad_date", text=rest.strip()), suggestions=(exc.message,)) from exc
    if parsed.meeting is not None or parsed.date is None:
        raise UserError(t("meeting.date_is_meeting", text=rest.strip()))
    if clock is not None:
        end = at_local(parsed.date, clock.end, ctx.tz) if clock.end is not None else None
        return at_local(parsed.date, clock.start, ctx.tz), end, False
    if meeting.all_day:
        start, end = meetings.all_day_bounds(parsed.date, ctx)
        return start, end, True
    # Same time of day as before, on the new date.
    old = local_datetime(meeting.starts_at, ctx.tz)
    return at_local(parsed.date, old.time().replace(tzinfo=None), ctx.tz), None, None


def changed_reply(ctx: Context, meeting: Meeting, title: str, changes: meetings.DeadlineChanges) -> Reply:
    reply = meeting_reply(ctx, meeting, title=title, with_due=False)
    reply.private = False
    if local_datetime(meeting.starts_at, ctx.tz).date() < ctx.today:
        reply.lines.append(t("meeting.past_note"))
    reply.lines += changes.lines()
    assert reply.data is not None
    reply.data["deadlines"] = changes.to_json()
    return reply


@command("rapport", "report", "oppfølgingsrapport", help_key="meeting.help.report")
def cmd_report(ctx: Context, args: str) -> Reply:
    from handlers import report

    meeting = report.target_meeting(ctx, args)
    return report.report_reply(ctx, report.build(ctx, meeting))


# --- the form --------------------------------------------------------------------------------------


def new_meeting_form(ctx: Context) -> Form:
    kinds = [Option(kind, meetings.capital(agreement.kind_label(kind))) for kind in agreement.KINDS]
    counties = sorted(
        (Option(p.key, p.short or p.name) for p in ctx.resolver.parties if p.kind == "county" and p.valid_on(ctx.today)),
        key=lambda o: o.label,
    )
    return Form(
        id="new_meeting",
        title=t("meeting.form.title"),
        submit_label=t("form.save"),
        fields=[
            FormField("kind", t("meeting.form.kind"), kind="select", required=True, options=kinds),
            FormField("date", t("meeting.form.date"), kind="date", required=True),
            FormField("time", t("meeting.form.time"), hint=t("meeting.form.time_hint"), placeholder="10–15"),
            FormField("place", t("meeting.form.place"), max_length=meetings.MAX_PLACE),
            FormField("county", t("meeting.form.county"), kind="select", options=counties),
            FormField("title", t("meeting.form.title_field"), max_length=meetings.MAX_TITLE),
        ],
    )


def submit_new_meeting(ctx: Context, values: Mapping[str, Any], form_context: Mapping[str, Any]) -> Reply:
    errors: dict[str, str] = {}
    kind = str(values.get("kind") or "").strip()
    if kind not in agreement.RULES:
        errors["kind"] = t("meeting.form.missing") if not kind else t("meeting.unknown_kind", text=kind)
    day: date | None = None
    raw_date = str(values.get("date") or "").strip()
    if not raw_date:
        errors["date"] = t("meeting.form.missing")
    else:
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            try:
                parsed = parse_date(raw_date, ctx.today, allow_past=True)
                day = parsed.date
            except DateError:
                day = None
            if day is None:
                errors["date"] = t("meeting.bad_date", text=raw_date)
    clock: Clock | None = None
    raw_time = str(values.get("time") or "").strip()
    if raw_time:
        try:
            clock = parse_clock(raw_time)
        except UserError as exc:
            errors["time"] = exc.message
    county = str(values.get("county") or "").strip() or None
    if kind in agreement.REGIONAL_KINDS and county is None:
        errors["county"] = t("meeting.missing_county")
    elif county is not None and kind in agreement.RULES and kind not in agreement.REGIONAL_KINDS:
        errors["county"] = t("meeting.county_not_regional")
    elif county is not None and (ctx.resolver.get(county) is None or ctx.resolver.get(county).kind != "county"):  # type: ignore[union-attr]
        errors["county"] = t("meeting.unknown_county", name=county)
    place = str(values.get("place") or "").strip()
    title = str(values.get("title") or "").strip()
    if len(place) > meetings.MAX_PLACE:
        errors["place"] = t("meeting.too_long", field=t("meeting.field.place"), max=meetings.MAX_PLACE)
    if len(title) > meetings.MAX_TITLE:
        errors["title"] = t("meeting.too_long", field=t("meeting.field.title"), max=meetings.MAX_TITLE)
    if errors or day is None:
        return Reply(title=t("form.invalid"), lines=list(errors.values()), error=True, field_errors=errors)
    if clock is None:
        start, end = meetings.all_day_bounds(day, ctx)
        spec = meetings.MeetingSpec(kind=kind, starts_at=start, ends_at=end, all_day=True, place=place,
                                    region=county, title=title)
    else:
        spec = meetings.MeetingSpec(
            kind=kind, starts_at=at_local(day, clock.start, ctx.tz),
            ends_at=at_local(day, clock.end, ctx.tz) if clock.end else None, place=place, region=county, title=title,
        )
    meeting, changes = meetings.add(ctx, spec)
    return changed_reply(ctx, meeting, t("meeting.created", id=meeting.id, title=meeting.title), changes)
