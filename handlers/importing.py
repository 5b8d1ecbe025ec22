"""Protocol import, from preview to stored actions.

`handlers.protocol` reads a file into an `ImportPlan` and stores nothing. This module shows the
plan as a preview (kept as a `PendingImport` until **Importer** or **Avbryt**) and stores it in one
transaction: the meeting (and the next meeting the protocol announces), one action per planned
action, and ad-hoc groups for the unknown parties. Each action's `origin_key` is the plan's
fingerprint, so importing the same protocol twice adds nothing.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import select

from handlers import actions, permissions
from handlers.audit import audit, meeting_audit
from handlers.catalog import t
from handlers.clock import at_local, local_date
from handlers.commands import command
from handlers.context import Context
from handlers.dates import DeadlineParse, MeetingRef, format_date
from handlers.errors import NotFound, UserError
from handlers.meeting_refs import KIND_FAMILIES, upcoming
from handlers.protocol import ImportPlan, plan_import
from handlers.replies import Button, Reply, Section
from handlers.text import fold
from storage.models import Meeting, Party, PendingImport

MAX_FILE = 20 * 1024 * 1024
CONVENERS = {"national-spring": "ks", "national-autumn": "ks", "au": "au", "steering-group": "au"}


@dataclass(frozen=True)
class ImportResult:
    created: list[int]
    existing: list[int]
    meeting_id: int | None
    next_meeting_id: int | None
    groups: list[str]


def make_plan(ctx: Context, data: bytes, filename: str, *, meeting_date: date | None = None,
              region: str | None = None) -> ImportPlan:
    if len(data) > MAX_FILE:
        raise UserError(t("importing.too_large", mb=MAX_FILE // (1024 * 1024)))
    # "til høstmøtet" in a protocol means the autumn meeting after *that* meeting, not after today:
    # read the meeting date first, then plan with a lookup that counts from it.
    first = plan_import(data, filename, resolver=ctx.resolver, meeting_date=meeting_date, region=region)
    held = first.meeting.date
    if held is None or not any(a.deadline_meeting for a in first.actions):
        return first
    return plan_import(data, filename, resolver=ctx.resolver, meeting_date=meeting_date, region=region,
                       meetings=_lookup_after(ctx, held))


def _lookup_after(ctx: Context, held: date) -> Callable[[MeetingRef], date | None]:
    after = at_local(held + timedelta(days=1), time(0, 0), ctx.tz)

    def lookup(ref: MeetingRef) -> date | None:
        kinds = KIND_FAMILIES.get(ref.kind or "")
        for meeting in upcoming(ctx, kinds=kinds, year=ref.year, after=after):
            if local_date(meeting.starts_at, ctx.tz) > held:
                return local_date(meeting.starts_at, ctx.tz)
        return None

    return lookup


def plan_to_stored(plan: ImportPlan) -> dict[str, Any]:
    """The plan as JSON for `PendingImport`, with what storing needs beyond the public shape."""
    stored = plan.to_json(fingerprints=True)
    for item, action in zip(stored["actions"], plan.actions, strict=True):  # type: ignore[arg-type]
        ref = action.deadline_meeting
        item["deadline_meeting"] = {"kind": ref.kind, "year": ref.year} if ref else None
    stored["info"] = [{"text": i.text, "case": i.case} for i in plan.info]
    return stored


# --- storing -----------------------------------------------------------------------------------


def _meeting_row(ctx: Context, info: dict[str, Any]) -> Meeting | None:
    if not info or not info.get("date"):
        return None
    day = date.fromisoformat(info["date"])
    start = time.fromisoformat(info["start"]) if info.get("start") else time(9, 0)
    end = time.fromisoformat(info["end"]) if info.get("end") else None
    kind = info.get("kind") or "other"
    region = info.get("region")
    starts_at = at_local(day, start, ctx.tz).replace(tzinfo=None)
    # The same meeting may already be in the calendar (typed in, or from an .ics import).
    candidates = ctx.session.scalars(select(Meeting).where(Meeting.kind == kind))
    for meeting in candidates:
        if local_date(meeting.starts_at, ctx.tz) == day and (meeting.region or None) == (region or None):
            return meeting
    meeting = Meeting(
        kind=kind,
        title=info.get("title") or t("importing.meeting_title", date=format_date(day)),
        starts_at=starts_at,
        ends_at=at_local(day, end, ctx.tz).replace(tzinfo=None) if end else None,
        place=info.get("place") or "",
        region=region,
        convener=CONVENERS.get(kind, region),
        uid=f"protocol:{kind}:{region or 'national'}:{day.isoformat()}",
        source="import",
        created_at=ctx.naive_now,
        updated_at=ctx.naive_now,
    )
    ctx.session.add(meeting)
    ctx.session.flush()
    audit(ctx, "meeting", meeting.id, "created", None, meeting_audit(meeting))
    return meeting


def _group_key(ctx: Context, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:60] or "gruppe"
    key, n = base, 2
    while ctx.session.scalar(select(Party.id).where(Party.key == key)) is not None:
        key, n = f"{base}-{n}", n + 1
    return key


def _resolve_unknown(ctx: Context, names: list[str], created: list[str]) -> dict[str, str]:
    """Unknown parties become ad-hoc groups (or the group a user created since the preview)."""
    mapping: dict[str, str] = {}
    for name in names:
        key = ctx.resolver.lookup(name, on=ctx.today)
        if key is None:
            key = _group_key(ctx, name)
            ctx.session.add(Party(key=key, name=name, short=name, kind="adhoc", aliases=[], members=[],
                                  created_at=ctx.naive_now))
            ctx.session.flush()
            audit(ctx, "party", key, "created", None, {"name": name, "kind": "adhoc"})
            ctx.__dict__.pop("resolver", None)
            created.append(name)
        mapping[name] = key
    return mapping


def store(ctx: Context, stored: dict[str, Any]) -> ImportResult:
    """Store a plan (as from `plan_to_stored`) in the current transaction."""
    permissions.require(ctx, "import")
    previous_source = ctx.source
    ctx.source = "import"
    try:
        meeting = _meeting_row(ctx, stored.get("meeting") or {})
        next_meeting = _meeting_row(ctx, stored.get("next_meeting") or {})
        unknown = sorted({p[1:] for a in stored["actions"] for p in a["parties"] if p.startswith("?")})
        groups: list[str] = []
        mapping = _resolve_unknown(ctx, unknown, groups)
        created: list[int] = []
        existing: list[int] = []
        for item in stored["actions"]:
            keys = tuple(dict.fromkeys(mapping[p[1:]] if p.startswith("?") else p for p in item["parties"]))
            if not keys:
                continue
            deadline = None
            ref = item.get("deadline_meeting")
            if item.get("deadline") or ref:
                deadline = DeadlineParse(
                    date=date.fromisoformat(item["deadline"]) if item.get("deadline") else None,
                    meeting=MeetingRef(ref["kind"], ref["year"]) if ref else None,
                    text=item.get("deadline_text") or "",
                )
            new = actions.NewAction(
                text=item["text"], party_keys=keys, deadline=deadline,
                meeting_id=meeting.id if meeting else None, case_ref=item.get("case") or "",
                origin_key=f"import:{item['fingerprint']}",
            )
            action, was_created = actions.create(ctx, new)
            (created if was_created else existing).append(action.id)
        return ImportResult(created, existing, meeting.id if meeting else None,
                            next_meeting.id if next_meeting else None, groups)
    finally:
        ctx.source = previous_source


# --- preview and chat --------------------------------------------------------------------------


def preview_reply(ctx: Context, data: bytes, filename: str, *, meeting_date: date | None = None,
                  region: str | None = None) -> Reply:
    """Read the file, keep the plan as a pending import and show it with Importer/Avbryt buttons."""
    permissions.require(ctx, "import")
    plan = make_plan(ctx, data, filename, meeting_date=meeting_date, region=region)
    stored = plan_to_stored(plan)
    token = secrets.token_hex(8)
    ctx.session.add(PendingImport(token=token, filename=filename[:300], plan=stored, created_by_id=ctx.person.id,
                                  created_at=ctx.naive_now))
    ctx.session.flush()
    reply = render_plan(ctx, stored, title=t("importing.preview_title", file=filename))
    if stored["actions"]:
        reply.buttons = [
            Button(t("importing.button_import"), f"importer bekreft {token}", style="primary"),
            Button(t("importing.button_cancel"), f"importer avbryt {token}", style="danger"),
        ]
    reply.data = {"token": token, "plan": plan.to_json()}
    return reply


def render_plan(ctx: Context, stored: dict[str, Any], *, title: str) -> Reply:
    meeting = stored.get("meeting") or {}
    lines = [t("importing.meeting", title=meeting.get("title") or "–", date=meeting.get("date") or "–",
               place=meeting.get("place") or "–")]
    if stored.get("next_meeting"):
        nxt = stored["next_meeting"]
        lines.append(t("importing.next_meeting", title=nxt.get("title") or "–", date=nxt.get("date") or "–"))
    action_lines = []
    unknown: set[str] = set()
    for n, item in enumerate(stored["actions"], start=1):
        names = []
        for key in item["parties"]:
            if key.startswith("?"):
                unknown.add(key[1:])
                names.append(t("importing.unknown_party", name=key[1:]))
            else:
                names.append(ctx.resolver.short_name(key))
        deadline = item["deadline"] and format_date(date.fromisoformat(item["deadline"]))
        deadline = deadline or item.get("deadline_text") or t("actions.no_deadline")
        case = f"[{item['case']}] " if item.get("case") else ""
        action_lines.append(f"{n}. {case}{item['text']} — {', '.join(names)} · {deadline}")
    sections = [Section(title=t("importing.actions", count=len(stored["actions"])),
                        lines=action_lines or [t("importing.none")])]
    if unknown:
        sections.append(Section(title=t("importing.unknown_title"),
                                lines=[t("importing.unknown_explain", names=", ".join(sorted(unknown)))]))
    notes = [*stored.get("warnings", [])]
    if notes:
        sections.append(Section(title=t("importing.warnings"), lines=notes))
    return Reply(title=title, lines=lines, sections=sections)


def _pending(ctx: Context, token: str) -> PendingImport:
    row = ctx.session.scalar(select(PendingImport).where(PendingImport.token == token.strip()))
    if row is None:
        raise NotFound(t("importing.no_such_preview"))
    return row


@command("importer", "import", help_key="help.import")
def cmd_import(ctx: Context, args: str) -> Reply:
    words = args.split()
    if len(words) == 2 and fold(words[0]) in ("bekreft", "confirm"):
        permissions.require(ctx, "import")
        pending = _pending(ctx, words[1])
        if pending.status != "pending":
            return Reply(lines=[t(f"importing.already_{pending.status}")])
        result = store(ctx, pending.plan)
        pending.status = "imported"
        audit(ctx, "import", pending.token, "imported", None,
              {"file": pending.filename, "created": result.created, "existing": result.existing})
        return result_reply(result)
    if len(words) == 2 and fold(words[0]) in ("avbryt", "cancel"):
        # Only those who may import may throw away someone's preview (the button is in a shared message).
        permissions.require(ctx, "import")
        pending = _pending(ctx, words[1])
        if pending.status == "pending":
            pending.status = "cancelled"
            audit(ctx, "import", pending.token, "cancelled", "pending", {"file": pending.filename})
            return Reply(title=t("importing.cancelled"), lines=[t("importing.nothing_saved")])
        return Reply(lines=[t(f"importing.already_{pending.status}")])
    return Reply(title=t("importing.how_title"), lines=[t("importing.how")])


def result_reply(result: ImportResult) -> Reply:
    lines = [t("importing.done", created=len(result.created), existing=len(result.existing))]
    if result.groups:
        lines.append(t("importing.groups_created", names=", ".join(result.groups)))
    if result.created:
        lines.append(t("importing.see_list", meeting=result.meeting_id or ""))
    return Reply(title=t("importing.done_title"), lines=lines, private=False,
                 data={"created": result.created, "existing": result.existing, "meeting": result.meeting_id,
                       "next_meeting": result.next_meeting_id, "groups": result.groups})


def import_now(ctx: Context, data: bytes, filename: str, *, meeting_date: date | None = None,
               region: str | None = None) -> tuple[ImportPlan, ImportResult]:
    """The CLI path: plan and store in one go (the caller's transaction)."""
    plan = make_plan(ctx, data, filename, meeting_date=meeting_date, region=region)
    return plan, store(ctx, plan_to_stored(plan))
