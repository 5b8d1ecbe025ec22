"""How meetings are named and described to users: titles, conveners, when, facts, list lines, JSON."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from handlers.core.catalog import t
from handlers.core.clock import local_datetime
from handlers.core.context import Context
from handlers.dates.format import format_date_long, format_datetime
from handlers.meetings import cycle
from storage.models import Meeting

# --- words -----------------------------------------------------------------------------------------


def county_name(ctx: Context, key: str | None) -> str:
    if key is None:
        return ""
    return ctx.resolver.short_name(key)


def convener_label(ctx: Context, kind: str, region: str | None) -> str:
    key = cycle.convener_key(kind, region)
    if key is not None:
        return ctx.resolver.label(key)
    if cycle.rule(kind).convener == cycle.COUNTY_CONVENER:
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
    return t(f"meeting.title.{kind if kind in cycle.RULES else 'other'}", year=day.year,
             county=county_name(ctx, region))


def subject(ctx: Context, kinds: Sequence[str] | None, region: str | None = None, year: int | None = None) -> str:
    """How to name what was asked for: "det nasjonale høstmøtet i 2027", "neste dialogmøte i Agder"."""
    if not kinds:
        text = t("meeting.subject.any")
    elif len(kinds) == 1:
        text = t(f"meeting.subject.{kinds[0]}")
    elif tuple(kinds) == cycle.NATIONAL_KINDS:
        text = t("meeting.subject.national")
    elif tuple(kinds) == cycle.REGIONAL_KINDS:
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
    wanted = list(kinds) if kinds else [*cycle.NATIONAL_KINDS]
    region_name = county_name(ctx, region) or None
    return [cycle.expectation(kind, region_name, convener_label(ctx, kind, region) if (
        cycle.rule(kind).convener != cycle.COUNTY_CONVENER or region) else None) for kind in wanted]


def facts(ctx: Context, meeting: Meeting) -> list[str]:
    """The lines that describe one meeting: when, where, kind, county, who convenes, theme."""
    lines = [
        t("meeting.when_line", when=when_label(ctx, meeting)),
        t("meeting.where_line", place=meeting.place or t("meeting.place_unknown")),
        t("meeting.kind_line", kind=cycle.kind_label(meeting.kind)),
    ]
    if meeting.region:
        lines.append(t("meeting.county_line", county=ctx.resolver.label(meeting.region)))
    convener = ctx.resolver.label(meeting.convener) if meeting.convener else convener_label(
        ctx, meeting.kind, meeting.region)
    lines.append(t("meeting.convener_line", convener=convener))
    theme = cycle.theme(meeting.kind)
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
        "convener": meeting.convener or cycle.convener_key(meeting.kind, meeting.region),
        "status": meeting.status,
        "uid": meeting.uid,
    }
