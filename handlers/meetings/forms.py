"""The new-meeting form (a Slack modal or a Teams card) and its validation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from handlers.core.catalog import t
from handlers.core.clock import at_local
from handlers.core.context import Context
from handlers.core.errors import DateError, UserError
from handlers.core.registry import form
from handlers.core.replies import Form, FormField, Option, Reply
from handlers.dates.parse import parse_date
from handlers.meetings import cycle, edits, labels
from handlers.meetings.times import Clock, parse_clock
from handlers.meetings.views import changed_reply


def new_meeting_form(ctx: Context) -> Form:
    kinds = [Option(kind, labels.capital(cycle.kind_label(kind))) for kind in cycle.KINDS]
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
            FormField("place", t("meeting.form.place"), max_length=edits.MAX_PLACE),
            FormField("county", t("meeting.form.county"), kind="select", options=counties),
            FormField("title", t("meeting.form.title_field"), max_length=edits.MAX_TITLE),
        ],
    )


@form("new_meeting")
def submit_new_meeting(ctx: Context, values: Mapping[str, Any], form_context: Mapping[str, Any]) -> Reply:
    errors: dict[str, str] = {}
    kind = str(values.get("kind") or "").strip()
    if kind not in cycle.RULES:
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
    if kind in cycle.REGIONAL_KINDS and county is None:
        errors["county"] = t("meeting.missing_county")
    elif county is not None and kind in cycle.RULES and kind not in cycle.REGIONAL_KINDS:
        errors["county"] = t("meeting.county_not_regional")
    elif county is not None and (ctx.resolver.get(county) is None or ctx.resolver.get(county).kind != "county"):  # type: ignore[union-attr]
        errors["county"] = t("meeting.unknown_county", name=county)
    place = str(values.get("place") or "").strip()
    title = str(values.get("title") or "").strip()
    if len(place) > edits.MAX_PLACE:
        errors["place"] = t("meeting.too_long", field=t("meeting.field.place"), max=edits.MAX_PLACE)
    if len(title) > edits.MAX_TITLE:
        errors["title"] = t("meeting.too_long", field=t("meeting.field.title"), max=edits.MAX_TITLE)
    if errors or day is None:
        return Reply(title=t("form.invalid"), lines=list(errors.values()), error=True, field_errors=errors)
    if clock is None:
        start, end = edits.all_day_bounds(day, ctx)
        spec = edits.MeetingSpec(kind=kind, starts_at=start, ends_at=end, all_day=True, place=place,
                                    region=county, title=title)
    else:
        spec = edits.MeetingSpec(
            kind=kind, starts_at=at_local(day, clock.start, ctx.tz),
            ends_at=at_local(day, clock.end, ctx.tz) if clock.end else None, place=place, region=county, title=title,
        )
    meeting, changes = edits.add(ctx, spec)
    return changed_reply(ctx, meeting, t("meeting.created", id=meeting.id, title=meeting.title), changes)
