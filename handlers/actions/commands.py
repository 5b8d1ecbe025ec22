"""Chat commands on follow-up actions: liste, mine, ny, vis, ferdig, utsett, frist, kommenter, …"""

from __future__ import annotations

from datetime import date

from handlers.actions import lifecycle, views
from handlers.actions.buckets import deadline_bucket, week_end
from handlers.actions.date_questions import asks_about_dates
from handlers.actions.views import created_reply
from handlers.core.catalog import t
from handlers.core.clock import local_datetime
from handlers.core.context import Context
from handlers.core.errors import UserError
from handlers.core.registry import command
from handlers.core.replies import Button, Reply, Section
from handlers.core.text import fold
from handlers.dates.format import format_date
from storage import queries
from storage.models import ACTION_STATUSES, OPEN_STATUSES

PAGE_SIZE = 20
BUCKETS = ("overdue", "this_week", "later", "no_deadline", "closed")


def _id_and_rest(args: str, usage_key: str) -> tuple[int, str]:
    parts = args.split(None, 1)
    if not parts:
        raise UserError(t("actions.missing_id"), suggestions=(t(usage_key),))
    action_id = lifecycle.parse_id(parts[0])
    return action_id, parts[1].strip() if len(parts) > 1 else ""


# --- lists -------------------------------------------------------------------------------------


def _parse_list_args(ctx: Context, args: str) -> tuple[queries.ActionFilter, int, str]:
    include_closed = False
    overdue = False
    page = 1
    meeting_id: int | None = None
    names: list[str] = []
    words = args.split()
    i = 0
    while i < len(words):
        word = fold(words[i])
        if word in ("alle", "all"):
            include_closed = True
        elif word in ("forfalt", "forfalte", "overdue"):
            overdue = True
        elif word in ("side", "page") and i + 1 < len(words):
            i += 1
            page = max(1, lifecycle.parse_id(words[i]))
        elif word in ("mote", "meeting") and i + 1 < len(words):
            i += 1
            meeting_id = lifecycle.parse_id(words[i])
        else:
            names.append(words[i])
        i += 1
    party_keys: list[str] | None = None
    label = ""
    if names:
        keys = lifecycle.resolve_parties(ctx, " ".join(names))
        party_keys = related_keys(ctx, keys)
        label = ", ".join(ctx.resolver.short_name(k) for k in keys)
    flt = queries.ActionFilter(
        statuses=ACTION_STATUSES if include_closed else OPEN_STATUSES,
        party_keys=party_keys,
        meeting_id=meeting_id,
        overdue_on=ctx.today if overdue else None,
    )
    return flt, page, label


def related_keys(ctx: Context, keys: tuple[str, ...] | list[str]) -> list[str]:
    """A party's actions include those of the groups it belongs to, and a group's those of its members."""
    related: list[str] = []
    groups = [p.key for p in ctx.resolver.parties if p.kind == "group"]
    for key in keys:
        containing = [g for g in groups if key in ctx.resolver.expand(g, ctx.today)]
        for candidate in [key, *ctx.resolver.expand(key, ctx.today), *containing]:
            if candidate not in related:
                related.append(candidate)
    return related


def without_page(args: str) -> str:
    """The list arguments without "side N", so "next page" can repeat the same list one page on."""
    words = args.split()
    kept: list[str] = []
    i = 0
    while i < len(words):
        if fold(words[i]) in ("side", "page") and i + 1 < len(words):
            i += 2
            continue
        kept.append(words[i])
        i += 1
    return " ".join(kept)


def list_reply(ctx: Context, flt: queries.ActionFilter, page: int, title: str, empty_text: str,
               command: str = "liste") -> Reply:
    """One page of a list; `command` is the list as typed (without its page), for the next-page button."""
    today = ctx.today
    counts = queries.bucket_counts(ctx.session, flt, today, week_end(today))
    total = sum(counts.values())
    if total == 0:
        return Reply(title=title, lines=[empty_text], data={"actions": [], "counts": counts, "total": 0})
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(page, pages)
    rows = queries.list_actions(ctx.session, flt, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    sections: dict[str, Section] = {}
    for row in rows:
        bucket = deadline_bucket(row.deadline, today) if row.status in OPEN_STATUSES else "closed"
        if bucket not in sections:
            sections[bucket] = Section(title=t(f"list.bucket.{bucket}", count=counts.get(bucket, 0)))
        sections[bucket].items.append(views.item(ctx, row))
    reply = Reply(
        title=title,
        sections=[sections[b] for b in BUCKETS if b in sections],
        data={"actions": [views.action_json(r) for r in rows], "counts": counts, "total": total, "page": page},
    )
    summary = [t(f"list.count.{b}", count=counts[b]) for b in BUCKETS if counts.get(b)]
    reply.lines.append(", ".join(summary))
    if pages > 1:
        reply.lines.append(t("list.page", page=page, pages=pages, shown=len(rows), total=total))
        if page < pages:
            reply.buttons.append(Button(t("button.next_page"), f"{command} side {page + 1}"))
    return reply


@command("liste")
def cmd_list(ctx: Context, args: str) -> Reply:
    flt, page, label = _parse_list_args(ctx, args)
    title = t("list.title_for", parties=label) if label else t("list.title")
    if flt.meeting_id is not None:
        title += " " + t("list.title_meeting", id=flt.meeting_id)
    return list_reply(ctx, flt, page, title, t("list.empty"), command=f"liste {without_page(args)}".strip())


@command("mine")
def cmd_mine(ctx: Context, args: str) -> Reply:
    keys = list(ctx.my_party_keys)
    if not keys:
        return Reply(title=t("mine.title"), lines=[t("mine.no_parties")])
    args = " ".join(w for w in args.split() if fold(w) in ("alle", "all", "forfalt", "side", "page") or w.isdigit())
    flt, page, _ = _parse_list_args(ctx, args)
    flt = queries.ActionFilter(
        statuses=flt.statuses, party_keys=related_keys(ctx, keys), overdue_on=flt.overdue_on
    )
    names = ", ".join(ctx.resolver.short_name(k) for k in keys)
    return list_reply(ctx, flt, page, t("mine.title_for", parties=names), t("mine.empty", parties=names),
                      command=f"mine {without_page(args)}".strip())


# --- one action --------------------------------------------------------------------------------


@command("ny")
@asks_about_dates("ny")
def cmd_new(ctx: Context, args: str) -> Reply:
    if not args.strip():
        from handlers.actions.forms import new_action_form

        return Reply(title=t("form.new_action.title"), form=new_action_form(ctx), lines=[t("actions.new_usage")])
    new = lifecycle.parse_quick_add(ctx, args)
    if ctx.request_key:
        new = lifecycle.NewAction(**{**new.__dict__, "origin_key": f"req:{ctx.request_key}"})
    action, created = lifecycle.create(ctx, new)
    return created_reply(ctx, action, created)


@command("vis")
def cmd_show(ctx: Context, args: str) -> Reply:
    action_id, _ = _id_and_rest(args, "help.show")
    action = lifecycle.load(ctx, action_id)
    return detail_reply(ctx, action)


def detail_reply(ctx: Context, action, title: str | None = None) -> Reply:  # type: ignore[no-untyped-def]
    item = views.item(ctx, action, full=True)
    facts = [
        t("show.parties", parties=", ".join(ctx.resolver.name(k) for k in action.party_keys)),
        t("show.deadline", deadline=item.deadline_label),
        t("show.status", status=item.status_label),
    ]
    if item.meeting:
        facts.append(t("show.meeting", meeting=item.meeting))
    if action.case_ref:
        facts.append(t("show.case", case=action.case_ref))
    facts.extend(origin_facts(ctx, action))
    if action.snoozed_until and action.snoozed_until > ctx.naive_now:
        facts.append(t("show.snoozed", until=format_date(local_datetime(action.snoozed_until, ctx.tz).date())))
    history_lines = [_history_line(ctx, event) for event in queries.history(ctx.session, action.id)]
    reply = Reply(
        title=title or t("show.title", id=action.id),
        sections=[
            Section(title="", items=[item]),
            Section(title=t("show.facts"), lines=facts),
            Section(title=t("show.history"), lines=history_lines or [t("show.no_history")]),
        ],
        data={"action": views.action_json(action), "source_link": action.source_link, "history": [
            {"at": e.at.isoformat(), "kind": e.kind, "old": e.old_value, "new": e.new_value,
             "by": e.actor.label if e.actor else None, "source": e.source}
            for e in queries.history(ctx.session, action.id)
        ]},
    )
    return reply


def origin_facts(ctx: Context, action) -> list[str]:  # type: ignore[no-untyped-def]
    """Where the action came from: the message it was captured from, or the protocol it was imported from."""
    facts = []
    if action.source_link:
        facts.append(t("capture.show.link", link=action.source_link))
    if action.source == "import" or (action.origin_key or "").startswith("import:"):
        facts.append(t("capture.show.protocol"))
    return facts


def _history_line(ctx: Context, event) -> str:  # type: ignore[no-untyped-def]
    when = local_datetime(event.at, ctx.tz).strftime("%d.%m.%Y %H.%M")
    who = event.actor.label if event.actor else t("history.unknown_person")
    source = t(f"source.{event.source}") if event.source in ("console", "slack", "teams", "import", "scheduler") else event.source
    if event.kind == "status":
        what = t("history.status", old=t(f"status.{event.old_value}"), new=t(f"status.{event.new_value}"))
    elif event.kind == "comment":
        what = t("history.comment", text=event.new_value)
    elif event.kind == "deadline":
        what = t("history.deadline", old=event.old_value, new=event.new_value)
    elif event.kind == "created":
        what = t("history.created")
    elif event.kind == "text":
        what = t("history.text", old=event.old_value)
    elif event.kind == "parties":
        what = t("history.parties", old=event.old_value, new=event.new_value)
    elif event.kind == "snooze":
        what = t("history.snooze", new=event.new_value)
    elif event.kind == "reminder_snooze":
        what = t("capture.history.snooze", where=event.old_value,
                 day=format_date(date.fromisoformat(event.new_value)) if event.new_value else "-")
    else:
        what = event.kind
    return t("history.line", when=when, who=who, source=source, what=what)


def _status_command(ctx: Context, args: str, status: str, usage: str, done_key: str, same_key: str) -> Reply:
    action_id, rest = _id_and_rest(args, usage)
    action, changed = lifecycle.set_status(ctx, action_id, status, reason=rest)
    reply = detail_reply(ctx, action, title=t(done_key if changed else same_key, id=action.id))
    reply.private = not changed
    return reply


@command("ferdig")
def cmd_done(ctx: Context, args: str) -> Reply:
    return _status_command(ctx, args, "done", "help.done", "actions.done", "actions.already_done")


@command("gjenåpne")
def cmd_reopen(ctx: Context, args: str) -> Reply:
    return _status_command(ctx, args, "open", "help.reopen", "actions.reopened", "actions.already_open")


@command("påbegynt")
def cmd_start(ctx: Context, args: str) -> Reply:
    return _status_command(ctx, args, "in_progress", "help.start", "actions.started", "actions.already_started")


@command("avbryt")
def cmd_cancel(ctx: Context, args: str) -> Reply:
    return _status_command(ctx, args, "cancelled", "help.cancel", "actions.cancelled", "actions.already_cancelled")


@command("utsett")
@asks_about_dates("utsett")
def cmd_postpone(ctx: Context, args: str) -> Reply:
    action_id, rest = _id_and_rest(args, "help.postpone")
    if not rest:
        raise UserError(t("actions.missing_date"), suggestions=(t("help.postpone"),))
    action = lifecycle.change_deadline(ctx, action_id, rest, operation="postpone")
    reply = detail_reply(ctx, action, title=t("actions.postponed", id=action.id, deadline=lifecycle.deadline_label(action)))
    reply.private = False
    return reply


@command("frist")
@asks_about_dates("frist")
def cmd_deadline(ctx: Context, args: str) -> Reply:
    action_id, rest = _id_and_rest(args, "help.deadline")
    if not rest:
        raise UserError(t("actions.missing_date"), suggestions=(t("help.deadline"),))
    action = lifecycle.change_deadline(ctx, action_id, rest, operation="deadline")
    reply = detail_reply(ctx, action, title=t("actions.deadline_set", id=action.id, deadline=lifecycle.deadline_label(action)))
    reply.private = False
    return reply


@command("kommenter")
def cmd_comment(ctx: Context, args: str) -> Reply:
    action_id, rest = _id_and_rest(args, "help.comment")
    if not rest:
        raise UserError(t("actions.empty_comment"), suggestions=(t("help.comment"),))
    action = lifecycle.comment(ctx, action_id, rest)
    reply = detail_reply(ctx, action, title=t("actions.commented", id=action.id))
    reply.private = False
    return reply


@command("endre")
def cmd_edit(ctx: Context, args: str) -> Reply:
    action_id, rest = _id_and_rest(args, "help.edit")
    action = lifecycle.edit_text(ctx, action_id, rest)
    return detail_reply(ctx, action, title=t("actions.edited", id=action.id))


@command("ansvar")
def cmd_assign(ctx: Context, args: str) -> Reply:
    action_id, rest = _id_and_rest(args, "help.assign")
    action = lifecycle.set_parties(ctx, action_id, rest)
    return detail_reply(ctx, action, title=t("actions.assigned", id=action.id))
