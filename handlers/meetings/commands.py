"""Chat commands for the meeting calendar: neste møte, møter, møte ny/flytt/avlys, rapport.

A typed meeting reads `KIND [COUNTY] DATE [kl. HH[.MM][–HH[.MM]]] [i|på PLACE]`, for example
`høstmøte 21. oktober 2027 kl. 10 i Oslo` or `dialogmøte Agder vår 22. april 2027 kl. 9–15 i
Kristiansand`. The kind words come first, so the date parser only ever sees the date; the place is
whatever follows the date after "i", "på" or a comma. A meeting without a time is an all-day meeting.
"""

from __future__ import annotations

from datetime import date

from handlers.core.catalog import t
from handlers.core.clock import at_local, local_datetime
from handlers.core.context import Context
from handlers.core.errors import DateError, UserError
from handlers.core.registry import command
from handlers.core.replies import Reply, Section
from handlers.core.text import fold
from handlers.dates.parse import parse_date
from handlers.meetings import cycle, edits, labels, schedule, selectors
from handlers.meetings.forms import new_meeting_form
from handlers.meetings.times import _take_clock
from handlers.meetings.views import changed_reply, meeting_reply, not_scheduled_reply
from handlers.parties.resolver import normalise
from storage.models import Meeting

LIST_LIMIT = 20


# --- reading a typed meeting -----------------------------------------------------------------------

_PLACE_WORDS = ("i", "på", "pa", "hos", "ved")


def _is_kind_token(token: str, counties: set[tuple[str, ...]]) -> bool:
    words = normalise(token).split()
    if not words:
        return True  # punctuation such as "–" between the kind words
    for word in words:
        if not (selectors._NATIONAL_WORDS.match(word) or selectors._REGIONAL_WORDS.match(word)
                or selectors._AU_WORDS.match(word) or selectors._STEERING_WORDS.match(word)
                or selectors._MEETING_WORDS.match(word) or selectors._season(token.lower(), word)
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


def _kind_for(selector: selectors.Selector, day: date, said_meeting: bool) -> str:
    kinds = selector.kinds
    if kinds is None:
        if not said_meeting:
            raise UserError(t("meeting.missing_kind"))
        return "other"
    if len(kinds) == 1:
        return kinds[0]
    scope = "national" if kinds == cycle.NATIONAL_KINDS else "regional"
    return cycle.seasonal_kind(scope, cycle.season_of(day))


def parse_spec(ctx: Context, text: str) -> edits.MeetingSpec:
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
    selector = selectors.parse_selector(ctx, kind_text)
    said_meeting = any(selectors._MEETING_WORDS.match(w) for w in normalise(kind_text).split())
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
    region = selector.region if kind in cycle.REGIONAL_KINDS else None
    if selector.region is not None and kind not in cycle.REGIONAL_KINDS:
        raise UserError(t("meeting.county_not_regional"))
    if clock is None:
        start, end_at = edits.all_day_bounds(day, ctx)
        return edits.MeetingSpec(kind=kind, starts_at=start, ends_at=end_at, all_day=True,
                                    place=" ".join(place_tokens).strip(" ,."), region=region)
    start = at_local(day, clock.start, ctx.tz)
    end_at = at_local(day, clock.end, ctx.tz) if clock.end is not None else None
    return edits.MeetingSpec(kind=kind, starts_at=start, ends_at=end_at, place=" ".join(place_tokens).strip(" ,."),
                                region=region)


# --- replies ---------------------------------------------------------------------------------------


def _filter(ctx: Context, args: str) -> selectors.Selector:
    selector = selectors.parse_selector(ctx, args, places=selectors.known_places(ctx))
    understood = selector.kinds is not None or selector.place is not None or selector.year is not None
    if args.strip() and (selector.unknown or not understood):
        raise UserError(t("meeting.bad_filter", text=args.strip()))
    return selector


@command("neste møte")
def cmd_next(ctx: Context, args: str) -> Reply:
    selector = _filter(ctx, args)
    meeting = selectors.find(ctx, selectors.Selector(
        scope=selector.scope, season=selector.season, region=selector.region, place=selector.place))
    if meeting is None:
        return not_scheduled_reply(ctx, selector, t("meeting.next_title"))
    return meeting_reply(ctx, meeting, title=t("meeting.next_title"))


@command("møter")
def cmd_list(ctx: Context, args: str) -> Reply:
    words = [w for w in args.split() if fold(w) not in ("alle", "all")]
    show_all = len(words) != len(args.split())
    selector = _filter(ctx, " ".join(words))
    if selector.year is not None:
        rows = schedule.in_period(ctx, year=selector.year, month=selector.month, kinds=selector.kinds,
                                  region=selector.region)
    else:
        rows = schedule.coming(ctx, kinds=selector.kinds, region=selector.region)
    total = len(rows)
    shown = rows if show_all else rows[:LIST_LIMIT]
    label = " ".join(words).strip()
    title = t("meeting.list_title_filtered", what=label) if label else t("meeting.list_title")
    reply = Reply(title=title, data={"meeting_ids": [m.id for m in rows],
                                     "meetings": [labels.meeting_json(ctx, m) for m in shown]})
    if not rows:
        reply.lines.append(t("meeting.list_empty"))
        reply.lines += labels.expectations(ctx, selector.kinds, selector.region) if selector.kinds else []
        return reply
    for meeting in shown:
        # Each meeting with what a participant needs: facts, theme, and how much is due by then.
        lines = [line for line in labels.facts(ctx, meeting) if not line.startswith(t("meeting.id_line", id=""))]
        lines.append(t("meeting.due_count", count=len(schedule.due_before(ctx, meeting)), id=meeting.id))
        reply.sections.append(Section(title=f"{meeting.id}. {meeting.title}", lines=lines))
    if total > len(shown):
        reply.lines.append(t("meeting.list_more", shown=len(shown), total=total))
    return reply


@command("møte")
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
        meeting, changes = edits.add(ctx, spec)
        return changed_reply(ctx, meeting, t("meeting.created", id=meeting.id, title=meeting.title), changes)
    if word in ("flytt", "move", "endre", "utsett"):
        id_text, _, when = rest.partition(" ")
        meeting_id = schedule.parse_id(id_text)
        if not when.strip():
            raise UserError(t("meeting.missing_date"), suggestions=(t("meeting.usage"),))
        meeting = schedule.load(ctx, meeting_id)
        start, end, all_day = _new_time(ctx, meeting, when)
        meeting, moved, changes = edits.move(ctx, meeting_id, start, ends_at=end, all_day=all_day)
        if not moved:
            return meeting_reply(ctx, meeting, title=t("meeting.not_moved", id=meeting.id), with_due=False)
        return changed_reply(ctx, meeting, t("meeting.moved", id=meeting.id, when=labels.when_label(ctx, meeting)),
                             changes)
    if word in ("avlys", "cancel", "avlyst", "slett"):
        meeting_id = schedule.parse_id(rest.split()[0] if rest.split() else "")
        meeting, cancelled, changes = edits.cancel(ctx, meeting_id)
        key = "meeting.cancelled" if cancelled else "meeting.already_cancelled"
        reply = Reply(title=t(key, id=meeting.id, title=meeting.title), lines=changes.lines(), private=not cancelled,
                      data={"meeting_id": meeting.id, "meeting": labels.meeting_json(ctx, meeting),
                            "deadlines": changes.to_json()})
        return reply
    if word in ("vis", "show"):
        return meeting_reply(ctx, schedule.load(ctx, schedule.parse_id(rest)))
    if head.strip().lstrip("#").isdigit():
        return meeting_reply(ctx, schedule.load(ctx, schedule.parse_id(head)))
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
        start, end = edits.all_day_bounds(parsed.date, ctx)
        return start, end, True
    # Same time of day as before, on the new date.
    old = local_datetime(meeting.starts_at, ctx.tz)
    return at_local(parsed.date, old.time().replace(tzinfo=None), ctx.tz), None, None


@command("rapport")
def cmd_report(ctx: Context, args: str) -> Reply:
    from handlers.meetings import report

    meeting = report.target_meeting(ctx, args)
    return report.report_reply(ctx, report.build(ctx, meeting))


# --- the form --------------------------------------------------------------------------------------


