"""The overview's pages as values for the templates: the list with its filters, chart and meetings,
one action with its history and origin, and the one change the page allows ("Ferdig").

Who sees what: everyone may read every action (`permissions.RULES["read"]`), so a personal link
shows all actions, except a link made for one meeting, which shows only that meeting. "Ferdig" is
offered only on actions the holder may complete (`permissions.require`), and checked again when used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.actions import lifecycle, views
from handlers.actions.commands import detail_reply
from handlers.core import permissions
from handlers.core.catalog import t
from handlers.core.clock import local_datetime
from handlers.core.context import Actor, Context
from handlers.core.errors import NotFound, UserError
from handlers.core.replies import ActionItem, Reply
from handlers.core.text import clean_input
from handlers.dates.format import format_date, format_datetime
from handlers.overview import filters, links, listing
from handlers.overview.links import Grant, LinkRefused, LinkSettings
from storage import queries
from storage.models import Meeting, Person

MEETING_CHOICES = 200
# The CSRF value of the "new action" form is bound to the link and to this id (no action has id 0).
ADD_FORM = 0


def context_for(session: Session, grant: Grant, now: datetime, tz: ZoneInfo, admins: frozenset[str]) -> Context:
    """The holder of a verified link as the acting user, as if they had typed in chat."""
    person = session.get(Person, grant.person_id)
    if person is None:
        raise LinkRefused(403, t("overview.refused.unknown_person"))
    ctx = Context(session=session, actor=Actor(person.platform, person.external_id, person.display_name),
                  now=now, tz=tz, admins=admins, source="web")
    return ctx


def may_complete(ctx: Context, action) -> bool:  # type: ignore[no-untyped-def]
    if action.status not in ("open", "in_progress"):
        return False
    try:
        permissions.require(ctx, "complete", action)
    except UserError:
        return False
    return True


@dataclass(frozen=True)
class Row:
    item: ActionItem
    can_complete: bool
    csrf: str


@dataclass
class OverviewPage:
    query: filters.OverviewQuery
    page: listing.Page
    rows: list[Row]
    chart: listing.Chart
    since: str | None
    meetings: list[listing.MeetingStatus]
    meeting_choices: list[tuple[int, str]]
    party_choices: list[tuple[str, str]]
    status_choices: list[tuple[str, str]]
    sort_choices: list[tuple[str, str]]
    viewer: str
    expires: str
    title: str
    scope_meeting: Meeting | None
    notes: list[str] = field(default_factory=list)
    add_csrf: str = ""


def _status_label(key: str) -> str:
    return t(f"overview.status.{key}")


def _sort_label(key: str) -> str:
    return t(f"overview.sort.{key.replace('-', 'desc_')}")


def meeting_label(ctx: Context, meeting: Meeting) -> str:
    return t("meetings.short_label", title=meeting.title, date=format_date(local_datetime(meeting.starts_at,
                                                                                          ctx.tz).date()))


def overview(ctx: Context, settings: LinkSettings, grant: Grant, params: Mapping[str, str]) -> OverviewPage:
    query = filters.parse(params, ctx.resolver, ctx.today, meeting_scope=grant.meeting_id)
    result = listing.page(ctx.session, query, ctx.resolver, ctx.today)
    rows = [
        Row(item=views.item(ctx, action, buttons=False), can_complete=may_complete(ctx, action),
            csrf=links.csrf_token(ctx.session, settings, grant, action.id))
        for action in result.actions
    ]
    last = listing.last_meeting(ctx.session, ctx.now)
    counts = listing.party_counts(ctx.session, ctx.resolver, ctx.today, last.starts_at if last else None,
                                  meeting_id=grant.meeting_id)
    scope = ctx.session.get(Meeting, grant.meeting_id) if grant.meeting_id is not None else None
    stmt = select(Meeting).order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(MEETING_CHOICES)
    if scope is not None:
        stmt = stmt.where(Meeting.id == scope.id)
    meetings = list(ctx.session.scalars(stmt))
    parties = sorted(((p.key, p.short or p.name) for p in ctx.resolver.parties
                      if p.valid_to is None or p.valid_to >= ctx.today), key=lambda kv: kv[1].lower())
    notes = list(query.notes)
    if notes:
        notes.append(t("overview.note.empty"))
    title = t("overview.meeting_title", meeting=scope.title) if scope is not None else t("overview.title")
    return OverviewPage(
        query=query, page=result, rows=rows, chart=listing.chart(counts),
        since=meeting_label(ctx, last) if last else None,
        meetings=listing.meeting_statuses(ctx.session, ctx.today, meeting_id=grant.meeting_id),
        meeting_choices=[(m.id, meeting_label(ctx, m)) for m in meetings],
        party_choices=parties,
        status_choices=[(k, _status_label(k)) for k in filters.STATUS_CHOICES],
        sort_choices=[(k, _sort_label(k)) for k in filters.SORTS],
        viewer=ctx.person.label, expires=format_datetime(grant.expires, ctx.tz), title=title,
        scope_meeting=scope, notes=notes,
        add_csrf=links.csrf_token(ctx.session, settings, grant, ADD_FORM) if scope is not None else "",
    )


@dataclass
class ActionPage:
    item: ActionItem
    reply: Reply
    can_complete: bool
    csrf: str
    viewer: str
    expires: str
    source_link: str | None
    imported: bool
    meeting: str | None


def _visible_action(ctx: Context, grant: Grant, action_id: int):  # type: ignore[no-untyped-def]
    action = queries.get_action(ctx.session, action_id)
    if action is None:
        raise NotFound(t("overview.not_found", id=action_id))
    if grant.meeting_id is not None and action.meeting_id != grant.meeting_id:
        raise LinkRefused(403, t("overview.refused.scope"))
    return action


def action_page(ctx: Context, settings: LinkSettings, grant: Grant, action_id: int) -> ActionPage:
    action = _visible_action(ctx, grant, action_id)
    return ActionPage(
        item=views.item(ctx, action, buttons=False, full=True), reply=detail_reply(ctx, action),
        can_complete=may_complete(ctx, action), csrf=links.csrf_token(ctx.session, settings, grant, action.id),
        viewer=ctx.person.label, expires=format_datetime(grant.expires, ctx.tz), source_link=action.source_link,
        imported=action.source == "import" or (action.origin_key or "").startswith("import:"),
        meeting=meeting_label(ctx, action.meeting) if action.meeting else None,
    )


def complete(ctx: Context, settings: LinkSettings, grant: Grant, action_id: int, csrf: str | None) -> str:
    """"Ferdig" from the page: the CSRF value must match this link and action; the same rule as in chat."""
    if not links.csrf_ok(ctx.session, settings, grant, action_id, csrf):
        raise LinkRefused(403, t("overview.refused.csrf"))
    _visible_action(ctx, grant, action_id)
    _, changed = lifecycle.set_status(ctx, action_id, "done")
    return t("overview.done.ok" if changed else "overview.done.same", id=action_id)


def add_to_meeting(ctx: Context, settings: LinkSettings, grant: Grant, values: Mapping[str, str],
                   csrf: str | None) -> int:
    """A new action for the link's meeting, from the meeting side panel (issue 15): the same parsing
    and rules as `/oppfølging ny`; only a link made for one meeting can add, and only to it."""
    if grant.meeting_id is None:
        raise LinkRefused(403, t("overview.add.no_meeting"))
    if not links.csrf_ok(ctx.session, settings, grant, ADD_FORM, csrf):
        raise LinkRefused(403, t("overview.refused.csrf"))
    permissions.require(ctx, "add")
    text = clean_input(values.get("tekst") or "")
    if not text:
        raise UserError(t("actions.no_text"))
    if len(text) > lifecycle.MAX_TEXT:
        raise UserError(t("overview.add.too_long", limit=lifecycle.MAX_TEXT))
    keys = lifecycle.resolve_parties(ctx, clean_input(values.get("ansvarlig") or ""))
    expression = clean_input(values.get("frist") or "")
    deadline = lifecycle.parse_deadline(ctx, expression, keys) if expression else None
    action, _ = lifecycle.create(ctx, lifecycle.NewAction(text=text, party_keys=keys, deadline=deadline,
                                                          meeting_id=grant.meeting_id))
    return action.id
