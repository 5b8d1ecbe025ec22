"""Protocol import, from preview to stored actions.

`extract.plan_import` reads a file into an `ImportPlan` and stores nothing. This module shows the
plan as a preview (kept as a `PendingImport` until **Importer** or **Avbryt**) and stores it in one
transaction: the meeting (and the next meeting the protocol announces), one action per planned
action, and ad-hoc groups for the unknown parties. Each action's `origin_key` is the plan's
fingerprint, so importing the same protocol twice adds nothing.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import select

from handlers.actions import lifecycle
from handlers.core import permissions
from handlers.core.audit import audit, meeting_audit
from handlers.core.catalog import t
from handlers.core.clock import at_local, local_date
from handlers.core.context import Context
from handlers.core.errors import NotFound, UserError
from handlers.core.replies import Button, Reply, Section
from handlers.core.text import fold
from handlers.dates.format import format_date
from handlers.dates.values import MEETING_KINDS, DeadlineParse, MeetingRef
from handlers.importing import duplicates
from handlers.importing.extract import ImportPlan, plan_import
from handlers.meetings.refs import KIND_FAMILIES, upcoming
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
    merged: list[int] = field(default_factory=list)


def make_plan(ctx: Context, data: bytes, filename: str, *, meeting_date: date | None = None,
              region: str | None = None, kind: str | None = None) -> ImportPlan:
    if len(data) > MAX_FILE:
        raise UserError(t("importing.too_large", mb=MAX_FILE // (1024 * 1024)))
    # "til høstmøtet" in a protocol means the autumn meeting after *that* meeting, not after today:
    # read the meeting date first, then plan with a lookup that counts from it.
    kind = normal_kind(kind) if kind else None
    first = plan_import(data, filename, resolver=ctx.resolver, meeting_date=meeting_date, region=region, kind=kind)
    held = first.meeting.date
    if held is None or not any(a.deadline_meeting for a in first.actions):
        return first
    return plan_import(data, filename, resolver=ctx.resolver, meeting_date=meeting_date, region=region, kind=kind,
                       meetings=_lookup_after(ctx, held))


# Meeting kinds as people type them (CLI --kind, "importer au" in chat) -> the kind's family.
_KIND_WORDS = {
    "national": "national", "nasjonal": "national", "nasjonalt": "national",
    "regional": "regional", "regionalt": "regional", "dialogmote": "regional",
    "au": "au", "arbeidsutvalg": "au", "arbeidsutvalget": "au",
    "steering-group": "steering-group", "styringsgruppe": "steering-group", "styringsgruppen": "steering-group",
}  # fmt: skip


def normal_kind(text: str) -> str:
    """A meeting kind from what a user typed; raises UserError for anything else."""
    word = fold(text.strip())
    if word in MEETING_KINDS:
        return word
    if word in _KIND_WORDS:
        return _KIND_WORDS[word]
    raise UserError(t("import.unknown_kind", kind=text.strip()))


def is_kind_word(text: str) -> bool:
    word = fold(text.strip())
    return word in _KIND_WORDS or word in MEETING_KINDS


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
        item["deadline_meeting"] = ref.to_json() if ref else None
        item["why"] = list(action.explanation)
        item["deadline_status"] = action.deadline_status
    stored["info"] = [{"text": i.text, "case": i.case, "why": i.reason} for i in plan.info]
    stored["layouts"] = list(plan.layouts)
    stored["unclear"] = list(plan.meeting.unclear)
    stored["evidence"] = list(plan.meeting.evidence)
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
        merged: list[int] = []
        for item in stored["actions"]:
            keys = tuple(dict.fromkeys(mapping[p[1:]] if p.startswith("?") else p for p in item["parties"]))
            if not keys:
                continue
            duplicate = item.get("duplicate")
            if duplicate and item.get("choice") == "skip":
                continue
            if duplicate and item.get("choice", "merge") == "merge":
                source = f" (sak {item['case']})" if item.get("case") else ""
                lifecycle.comment(ctx, duplicate["id"], t("importing.merged_comment", source=source, text=item["text"]))
                merged.append(duplicate["id"])
                continue
            deadline = None
            ref = item.get("deadline_meeting")
            if item.get("deadline") or ref:
                deadline = DeadlineParse(
                    date=date.fromisoformat(item["deadline"]) if item.get("deadline") else None,
                    meeting=MeetingRef.from_json(ref) if ref else None,
                    text=item.get("deadline_text") or "",
                )
            new = lifecycle.NewAction(
                text=item["text"], party_keys=keys, deadline=deadline,
                meeting_id=meeting.id if meeting else None, case_ref=item.get("case") or "",
                origin_key=f"import:{item['fingerprint']}",
            )
            action, was_created = lifecycle.create(ctx, new)
            (created if was_created else existing).append(action.id)
        return ImportResult(created, existing, meeting.id if meeting else None,
                            next_meeting.id if next_meeting else None, groups, merged)
    finally:
        ctx.source = previous_source


# --- preview and chat --------------------------------------------------------------------------


def preview_reply(ctx: Context, data: bytes, filename: str, *, meeting_date: date | None = None,
                  region: str | None = None, kind: str | None = None) -> Reply:
    """Read the file, keep the plan as a pending import and show it with Importer/Avbryt buttons.

    While the meeting's type or county is unclear there is no Importer button: the preview asks
    for them with buttons ("importer svar TOKEN type au", "importer svar TOKEN fylke Agder"), and
    the file is kept with the preview so the answer re-reads it without a new upload."""
    permissions.require(ctx, "import")
    plan, stored = _planned(ctx, data, filename, meeting_date=meeting_date, region=region, kind=kind)
    token = secrets.token_hex(8)
    ctx.session.add(PendingImport(token=token, filename=filename[:300], plan=stored, created_by_id=ctx.person.id,
                                  created_at=ctx.naive_now))
    ctx.session.flush()
    reply = render_plan(ctx, stored, title=t("importing.preview_title", file=filename), token=token)
    reply.buttons = _preview_buttons(stored, token)
    reply.data = {"token": token, "plan": plan.to_json()}
    return reply


def _planned(ctx: Context, data: bytes, filename: str, *, meeting_date: date | None,
             region: str | None, kind: str | None) -> tuple[ImportPlan, dict[str, Any]]:
    plan = make_plan(ctx, data, filename, meeting_date=meeting_date, region=region, kind=kind)
    stored = plan_to_stored(plan)
    duplicates.mark(ctx, stored)
    if stored["unclear"]:
        # Only an unclear preview keeps the file: answering its question plans the same bytes again.
        stored["source"] = {"data": base64.b64encode(data).decode("ascii"),
                            "meeting_date": meeting_date.isoformat() if meeting_date else None,
                            "region": region, "kind": kind}
    return plan, stored


def _preview_buttons(stored: dict[str, Any], token: str) -> list[Button]:
    unclear = stored.get("unclear") or []
    if "kind" in unclear:
        return [*(Button(t(f"importing.answer_kind_{kind}"), f"importer svar {token} type {kind}")
                  for kind in ("national", "regional", "au", "steering-group")),
                Button(t("importing.button_cancel"), f"importer avbryt {token}", style="danger")]
    if "region" in unclear:
        return [Button(t("importing.answer_region"), f"importer svar {token} fylke", ask="text",
                       ask_label=t("importing.answer_region_label")),
                Button(t("importing.button_cancel"), f"importer avbryt {token}", style="danger")]
    if not stored["actions"]:
        return []
    buttons = [
        Button(t("importing.button_import"), f"importer bekreft {token}", style="primary"),
        Button(t("importing.button_cancel"), f"importer avbryt {token}", style="danger"),
    ]
    for n, item in enumerate(stored["actions"], start=1):
        if item.get("duplicate"):
            for choice in duplicates.CHOICES:
                if choice != item["choice"]:
                    buttons.append(Button(t(f"importing.choice_{choice}_n", n=n), f"importer valg {token} {n} {choice}"))
    return buttons


def answer(ctx: Context, token: str, what: str, value: str) -> Reply:
    """"importer svar TOKEN type au|fylke Agder": the preview's question answered, the file read again.

    A bad answer (unknown type or county) is refused and the preview stays as it was."""
    permissions.require(ctx, "import")
    pending = _pending(ctx, token)
    if pending.status != "pending":
        return Reply(lines=[t(f"importing.already_{pending.status}")])
    source = (pending.plan or {}).get("source")
    if not source:
        raise UserError(t("importing.nothing_to_answer"))
    kind, region = source.get("kind"), source.get("region")
    field_name = fold(what)
    if field_name in ("type", "motetype"):
        kind = normal_kind(value)
        if not kind.startswith("regional"):
            region = None
    elif field_name in ("fylke", "region"):
        if not value.strip():
            raise UserError(t("importing.answer_region_missing"))
        region = value.strip()
        kind = kind or "regional"
    else:
        raise UserError(t("importing.bad_answer", what=what))
    meeting_date = date.fromisoformat(source["meeting_date"]) if source.get("meeting_date") else None
    plan, stored = _planned(ctx, base64.b64decode(source["data"]), pending.filename, meeting_date=meeting_date,
                            region=region, kind=kind)
    pending.plan = stored
    reply = render_plan(ctx, stored, title=t("importing.preview_title", file=pending.filename), token=token)
    reply.buttons = _preview_buttons(stored, token)
    reply.data = {"token": token, "plan": plan.to_json()}
    return reply


def render_plan(ctx: Context, stored: dict[str, Any], *, title: str, token: str | None = None) -> Reply:
    meeting = stored.get("meeting") or {}
    lines = [t("importing.meeting", title=meeting.get("title") or "–", date=meeting.get("date") or "–",
               place=meeting.get("place") or "–")]
    kind = meeting.get("kind") or "other"
    region = ctx.resolver.short_name(meeting["region"]) if meeting.get("region") else ""
    evidence = "; ".join(stored.get("evidence") or []) or t("importing.no_evidence")
    lines.append(t("importing.meeting_kind", kind=t(f"importing.kind_{kind.split('-')[0]}"),
                   region=f" {region}" if region else "", evidence=evidence))
    if stored.get("layouts"):
        lines.append(t("importing.layouts", layouts="; ".join(stored["layouts"])))
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
        if item.get("why"):
            action_lines.append(f"    ↳ {'; '.join(item['why'])}")
        if item.get("duplicate"):
            dup = item["duplicate"]
            action_lines.append("    ↳ " + t("importing.duplicate_line", id=dup["id"], text=_clip(dup["text"]),
                                              choice=t(f"importing.choice_{item.get('choice', 'merge')}")))
    sections = [Section(title=t("importing.actions", count=len(stored["actions"])),
                        lines=action_lines or [t("importing.none")])]
    questions = []
    if "kind" in (stored.get("unclear") or []):
        questions.append(t("import.kind_unclear"))
    if "region" in (stored.get("unclear") or []):
        questions.append(t("import.region_unclear"))
    if questions:
        sections.insert(0, Section(title=t("importing.questions"), lines=questions))
    if stored.get("info"):
        sections.append(Section(title=t("importing.not_actions"),
                                lines=[f"{i['text'][:120]} — {i.get('why') or ''}".rstrip(" —") for i in stored["info"]]))
    if unknown:
        sections.append(Section(title=t("importing.unknown_title"),
                                lines=[t("importing.unknown_explain", names=", ".join(sorted(unknown)))]))
    notes = [*stored.get("warnings", [])]
    if notes:
        sections.append(Section(title=t("importing.warnings"), lines=notes))
    return Reply(title=title, lines=lines, sections=sections)


def _clip(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def set_choice(ctx: Context, token: str, number: str, choice: str) -> Reply:
    """"importer valg TOKEN N slå-sammen|hopp-over|behold": what to do with duplicate row N."""
    permissions.require(ctx, "import")
    pending = _pending(ctx, token)
    if pending.status != "pending":
        return Reply(lines=[t(f"importing.already_{pending.status}")])
    wanted = _CHOICE_WORDS.get(fold(choice))
    plan = dict(pending.plan)
    actions = [dict(a) for a in plan["actions"]]
    if not number.isdigit() or not 1 <= int(number) <= len(actions) or not actions[int(number) - 1].get("duplicate"):
        raise UserError(t("importing.no_such_duplicate", n=number))
    if wanted is None:
        raise UserError(t("importing.bad_choice", choice=choice))
    actions[int(number) - 1]["choice"] = wanted
    plan["actions"] = actions
    pending.plan = plan  # a new dict, so the JSON column is written
    reply = render_plan(ctx, plan, title=t("importing.preview_title", file=pending.filename), token=token)
    reply.buttons = _preview_buttons(plan, token)
    return reply


_CHOICE_WORDS = {
    "merge": "merge", "sla-sammen": "merge", "sla sammen": "merge", "slasammen": "merge",
    "skip": "skip", "hopp-over": "skip", "hopp over": "skip",
    "keep": "keep", "behold": "keep", "behold-begge": "keep", "behold begge": "keep",
}  # fmt: skip


def _pending(ctx: Context, token: str) -> PendingImport:
    row = ctx.session.scalar(select(PendingImport).where(PendingImport.token == token.strip()))
    # A roster preview shares the table; its token is no protocol preview.
    if row is None or (row.plan or {}).get("kind") == "roster":
        raise NotFound(t("importing.no_such_preview"))
    return row


def result_reply(result: ImportResult) -> Reply:
    lines = [t("importing.done", created=len(result.created), existing=len(result.existing))]
    if result.merged:
        lines.append(t("importing.merged", count=len(result.merged)))
    if result.groups:
        lines.append(t("importing.groups_created", names=", ".join(result.groups)))
    if result.created:
        lines.append(t("importing.see_list", meeting=result.meeting_id or ""))
    return Reply(title=t("importing.done_title"), lines=lines, private=False,
                 data={"created": result.created, "existing": result.existing, "meeting": result.meeting_id,
                       "next_meeting": result.next_meeting_id, "groups": result.groups,
                       "merged": result.merged})


def import_now(ctx: Context, data: bytes, filename: str, *, meeting_date: date | None = None,
               region: str | None = None, kind: str | None = None,
               on_duplicate: str = "merge") -> tuple[ImportPlan, ImportResult]:
    """The CLI path: plan and store in one go (the caller's transaction).

    A meeting whose type or county is unclear is not stored: the caller must say (--kind,
    --region), as the chat preview asks."""
    plan = make_plan(ctx, data, filename, meeting_date=meeting_date, region=region, kind=kind)
    stored = plan_to_stored(plan)
    if stored["unclear"]:
        raise UserError(" ".join(t(f"import.{what}_unclear") for what in stored["unclear"]))
    duplicates.mark(ctx, stored, on_duplicate)
    return plan, store(ctx, stored)
