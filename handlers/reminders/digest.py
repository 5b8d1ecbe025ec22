"""The weekly digest per party and the overview for the secretariat / AU.

A party's digest lists its open actions (including those of the groups it belongs to) as
forfalt / denne uken / neste 30 dager / uten frist, says how many lie further ahead, and names the
next meeting that concerns it. Long digests are split into numbered parts ("del 2 av 5") of a
bounded number of items and characters, so each part fits a Slack message (50 blocks) and a Teams
card; every item appears in exactly one part and nothing is cut off silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, select

from handlers.actions import views
from handlers.actions.buckets import deadline_bucket, week_end
from handlers.actions.commands import related_keys
from handlers.core.catalog import t
from handlers.core.clock import at_local
from handlers.core.context import Context
from handlers.core.replies import ActionItem, Reply, Section
from handlers.dates.format import format_datetime
from handlers.meetings.refs import concerns, upcoming
from handlers.reminders.claims import notification_key
from handlers.reminders.coverage import waiting_by_party, waiting_lines
from handlers.reminders.due import Plan, Planned, Unroutable, drop_claimed
from handlers.reminders.policy import ReminderPolicy
from handlers.reminders.routing import Destination, Router
from storage import queries
from storage.models import OPEN_STATUSES, ActionParty, Party

MAX_ITEM_TEXT = 280
BUCKETS = ("overdue", "this_week", "soon", "no_deadline")


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_instant(day: date, policy: ReminderPolicy, tz) -> datetime | None:  # type: ignore[no-untyped-def]
    """When the digest of `day`'s week goes out: the first working day of the week at 08:00 local."""
    first = policy.workdays.first_of_week(day)
    return None if first is None else at_local(first, policy.digest_at, tz)


# --- splitting ---------------------------------------------------------------------------------------


def _cost(item: ActionItem) -> int:
    return len(item.text) + len(item.deadline_label) + sum(len(p) for p in item.parties) + len(item.meeting or "") + 40


def split(reply: Reply, max_items: int, max_chars: int) -> list[Reply]:
    """`reply` as parts of at most `max_items` items and about `max_chars` characters each.

    The title, lines and the first section heading open part 1; a section that continues in the
    next part repeats its heading marked "(forts.)"; the closing lines (`data["footer"]`) end the
    last part. Parts are titled "… (del i av n)".
    """
    footer = list((reply.data or {}).get("footer", []))
    parts: list[list[Section]] = [[]]
    budget = {"items": 0, "chars": sum(len(line) for line in reply.lines) + len(reply.title)}

    def new_part() -> None:
        parts.append([])
        budget["items"], budget["chars"] = 0, len(reply.title)

    for section in reply.sections:
        if budget["items"] >= max_items:
            new_part()  # never leave a heading alone at the end of a full part
        chunk = Section(title=section.title, lines=list(section.lines))
        parts[-1].append(chunk)
        budget["chars"] += len(section.title) + sum(len(line) for line in section.lines)
        for item in section.items:
            cost = _cost(item)
            if chunk.items and (budget["items"] >= max_items or budget["chars"] + cost > max_chars):
                new_part()
                chunk = Section(title=t("reminders.digest.continued", title=section.title) if section.title else "")
                parts[-1].append(chunk)
            chunk.items.append(item)
            budget["items"] += 1
            budget["chars"] += cost
    count = len(parts)
    out: list[Reply] = []
    for n, sections in enumerate(parts, start=1):
        title = reply.title if count == 1 else t("reminders.digest.part", title=reply.title, part=n, parts=count)
        data = dict(reply.data or {})
        data.pop("footer", None)
        data.update({"part": n, "parts": count, "ids": [i.id for s in sections for i in s.items]})
        out.append(
            replace(
                reply,
                title=title,
                lines=list(reply.lines) if n == 1 else [],
                sections=[s for s in sections if s.items or s.lines],
                buttons=list(reply.buttons) if n == count else [],
                data=data,
            )
        )
        if n == count and footer:
            out[-1].sections.append(Section(title="", lines=footer))
    return out


def _shortened(item: ActionItem) -> ActionItem:
    if len(item.text) <= MAX_ITEM_TEXT:
        return item
    return replace(item, text=t("reminders.digest.shortened", text=item.text[:MAX_ITEM_TEXT].rstrip(), id=item.id))


# --- one party's digest ------------------------------------------------------------------------------


def bucket_of(deadline: date | None, today: date, horizon: date) -> str | None:
    bucket = deadline_bucket(deadline, today)
    if bucket != "later":
        return bucket
    if deadline is not None and deadline <= horizon:
        return "soon"
    return None  # further ahead: counted, not listed


def next_meeting_line(ctx: Context, party: str) -> str:
    def expand(key: str) -> list[str]:
        try:
            return ctx.resolver.expand(key, ctx.today)
        except KeyError:
            return [key]

    for meeting in upcoming(ctx):
        if concerns(meeting, [party], expand):
            return t("reminders.digest.next_meeting", title=meeting.title, when=format_datetime(meeting.starts_at, ctx.tz))
    return t("reminders.digest.no_meeting")


def _digest_filters(ctx: Context, party: str, policy: ReminderPolicy) -> dict[str, queries.ActionFilter]:
    """The party's open actions per digest section (and "later": counted, not listed)."""
    today = ctx.today
    keys = related_keys(ctx, [party])
    end = week_end(today)
    horizon = today + timedelta(days=policy.digest_horizon_days)
    flt = queries.ActionFilter(party_keys=keys)
    return {
        "overdue": replace(flt, overdue_on=today),
        "this_week": replace(flt, deadline_after=today - timedelta(days=1), deadline_until=end),
        "soon": replace(flt, deadline_after=end, deadline_until=horizon),
        "no_deadline": replace(flt, without_deadline=True),
        "later": replace(flt, deadline_after=max(end, horizon)),
    }


def _section_counts(ctx: Context, party: str, policy: ReminderPolicy) -> dict[str, int]:
    """How many of the party's open actions fall in each section, counted in SQL (one statement)."""
    today = ctx.today
    end = week_end(today)
    horizon = today + timedelta(days=policy.digest_horizon_days)
    def groups(deadline: ColumnElement[date]) -> dict[str, ColumnElement[bool]]:
        return {
            "overdue": deadline < today,
            "this_week": and_(deadline >= today, deadline <= end),
            "soon": and_(deadline > end, deadline <= horizon),
            "no_deadline": deadline.is_(None),
            "later": deadline > max(end, horizon),
        }

    return queries.count_deadlines(ctx.session, queries.ActionFilter(party_keys=related_keys(ctx, [party])), groups)


def party_digest(ctx: Context, party: str, policy: ReminderPolicy) -> Reply | None:
    """The whole digest of `party` as one reply (None when it has no open actions).

    The sections are counted in SQL and only the actions a section lists are loaded (at most
    `digest_section_max` each, most urgent first), so a digest holds a bounded number of actions
    whatever the table holds. With `digest_section_max` 0 every open action is listed, and loaded.
    """
    counted = _section_counts(ctx, party, policy)
    later = counted.pop("later")
    total = later + sum(counted.values())
    if not total:
        return None
    limit = policy.digest_section_max
    filters = _digest_filters(ctx, party, policy)
    grouped: dict[str, list[ActionItem]] = {b: [] for b in BUCKETS}
    for bucket in BUCKETS:
        if counted[bucket]:
            # Most urgent first: the oldest deadline (the longest overdue), then the lowest number.
            rows = queries.list_actions(ctx.session, filters[bucket], limit=limit or None)
            grouped[bucket] = [_shortened(views.item(ctx, action, buttons=False)) for action in rows]
    counts = counted
    label = ctx.resolver.label(party)
    lines = [
        t("reminders.digest.summary", open=total, overdue=counts["overdue"], this_week=counts["this_week"],
          soon=counts["soon"], days=policy.digest_horizon_days, none=counts["no_deadline"]),
        next_meeting_line(ctx, party),
    ]
    sections = []
    for bucket in BUCKETS:
        if not grouped[bucket]:
            continue
        title = (t("reminders.digest.soon", days=policy.digest_horizon_days, count=counts[bucket]) if bucket == "soon"
                 else t(f"reminders.digest.{bucket}", count=counts[bucket]))
        sections.append(Section(title=title, items=grouped[bucket]))
        if limit and counts[bucket] > limit:
            command = f"liste {party} forfalt" if bucket == "overdue" else f"liste {party}"
            sections.append(Section(title="", lines=[t("reminders.digest.more", count=counts[bucket] - limit,
                                                       command=command)]))
    footer = [t("reminders.digest.footer")]
    if later:
        footer.insert(0, t("reminders.digest.later", count=later, days=policy.digest_horizon_days, party=party))
    return Reply(
        title=t("reminders.digest.title", party=label, week=today_week(ctx)),
        lines=lines,
        sections=sections,
        private=False,
        data={"kind": "digest", "party": party, "week": week_label(ctx.today), "counts": {**counts, "later": later},
              "open": total, "footer": footer},
    )


def today_week(ctx: Context) -> int:
    return ctx.today.isocalendar()[1]


# --- the overview for the secretariat ---------------------------------------------------------------


def overview(ctx: Context, policy: ReminderPolicy, router: Router) -> Reply:
    today = ctx.today
    # The links carry their action's status and deadline (migration 0009): no action is read.
    overdue_case = case((ActionParty.deadline < today, 1), else_=0)
    rows = ctx.session.execute(
        select(Party.key, func.count(ActionParty.action_id), func.sum(overdue_case))
        .join(ActionParty, ActionParty.party_id == Party.id)
        .where(ActionParty.status.in_(list(OPEN_STATUSES)))
        .group_by(Party.key)
    ).all()
    per_party = sorted(((key, int(n), int(late or 0)) for key, n, late in rows), key=lambda r: (-r[2], -r[1], r[0]))
    totals = queries.bucket_counts(ctx.session, queries.ActionFilter(), today, week_end(today))
    open_total = sum(n for b, n in totals.items() if b != "closed")
    reply = Reply(
        title=t("reminders.overview.title", week=today.isocalendar()[1]),
        lines=[t("reminders.overview.totals", open=open_total, overdue=totals.get("overdue", 0))
               if open_total else t("reminders.overview.empty")],
        private=False,
        data={"kind": "overview", "week": week_label(today),
              "parties": {key: {"open": n, "overdue": late} for key, n, late in per_party}},
    )
    if per_party:
        reply.sections.append(Section(
            title=t("reminders.overview.per_party"),
            lines=[t("reminders.overview.party_line", party=ctx.resolver.short_name(k), open=n, overdue=late)
                   for k, n, late in per_party],
        ))
    oldest = queries.list_actions(ctx.session, queries.ActionFilter(overdue_on=today), limit=policy.overview_oldest)
    if oldest:
        reply.sections.append(Section(title=t("reminders.overview.oldest"),
                                      items=[_shortened(views.item(ctx, a, buttons=False)) for a in oldest]))
    elif open_total:
        reply.lines.append(t("reminders.overview.none_overdue"))
    waiting = waiting_by_party(ctx)
    if waiting:
        reply.data["waiting"] = {k: len(v) for k, v in waiting.items()}  # type: ignore[index]
        reply.sections.append(Section(title=t("reminders.overview.waiting"), lines=waiting_lines(ctx, waiting)))
    router.load(k for k, _, _ in per_party)
    silent = [k for k, _, _ in per_party if not router.routes(k)]
    if silent:
        reply.data["unroutable"] = silent  # type: ignore[index]
        reply.data["footer"] = [t("reminders.overview.unroutable",  # type: ignore[index]
                                  parties=", ".join(ctx.resolver.short_name(k) for k in silent))]
    return reply


# --- planning -------------------------------------------------------------------------------------------


def digest_parties(ctx: Context, router: Router, only: str | None = None) -> list[str]:
    """Parties that get a digest: those (or the one asked for) with somewhere to send it."""
    keys = [only] if only else [p.key for p in ctx.resolver.parties if p.valid_on(ctx.today)]
    router.load(keys)
    return [key for key in keys if router.own_routes(key)]


def plan_weekly(ctx: Context, now: datetime, policy: ReminderPolicy, router: Router,
                overview_destination: Destination | None, *, party: str | None = None,
                include_overview: bool = True, only: Sequence[str] | None = None) -> Plan:
    """The digests of every party (or `party`, or the batch `only` of `digest_parties`), and the overview."""
    today = ctx.today
    week = week_label(today)
    plan = Plan(now=now, in_hours=True, digest_week=week)
    if only is not None:
        router.load(only)
    for key in digest_parties(ctx, router, party) if only is None else only:
        reply = party_digest(ctx, key, policy)
        if reply is None:
            continue
        _add_parts(plan, reply, "digest", week, key, [route.destination for route in router.own_routes(key)],
                   policy, today, via="subscription")
    if party and not router.own_routes(party):
        plan.unroutable.append(Unroutable("digest", party))
    if include_overview and party is None and overview_destination is not None:
        _add_parts(plan, overview(ctx, policy, router), "overview", week, None, [overview_destination], policy, today,
                   via="overview")
    drop_claimed(ctx, plan)
    return plan


def _add_parts(plan: Plan, reply: Reply, category: str, week: str, party: str | None,
               destinations: Sequence[Destination], policy: ReminderPolicy, today: date, via: str) -> None:
    parts = split(reply, policy.digest_max_items, policy.digest_max_chars)
    for destination in destinations:
        group = notification_key([category, week, party or "-"], destination)
        for n, part in enumerate(parts, start=1):
            plan.items.append(
                Planned(
                    # Part 1 carries the plain key: whoever claims it owns the whole digest.
                    key=group if n == 1 else f"{group}:part{n}",
                    category=category,
                    kind=category,
                    destination=destination,
                    reply=part,
                    send_on=today,
                    party=party,
                    due_on=today - timedelta(days=today.weekday()),
                    via=via,
                    group=group,
                    part=n,
                    parts=len(parts),
                )
            )
