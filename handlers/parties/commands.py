"""Party membership, ad-hoc groups and the roster: medlem, forlat, parter, gruppe ny, kontakter."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select

from handlers.actions import lifecycle
from handlers.core import permissions
from handlers.core.audit import audit
from handlers.core.catalog import t
from handlers.core.context import Context
from handlers.core.errors import NotFound, PartyError, UserError
from handlers.core.registry import command
from handlers.core.replies import Button, Reply, Section
from handlers.core.text import fold
from handlers.parties import roster
from handlers.parties.resolver import join_names
from storage import people
from storage.models import Party, PendingImport, RosterEntry


@command("medlem")
def cmd_member(ctx: Context, args: str) -> Reply:
    if not args.strip():
        keys = ctx.my_party_keys
        if not keys:
            return Reply(title=t("member.title"), lines=[t("mine.no_parties")])
        return Reply(title=t("member.title"), lines=[", ".join(ctx.resolver.name(k) for k in keys)])
    keys = lifecycle.resolve_parties(ctx, args)
    joined = []
    for key in keys:
        if people.add_membership(ctx.session, ctx.person, ctx.party_row(key), ctx.naive_now):
            joined.append(ctx.resolver.name(key))
            audit(ctx, "membership", f"{ctx.actor.ref}:{key}", "created", None, key)
    if not joined:
        return Reply(lines=[t("member.already", parties=", ".join(ctx.resolver.name(k) for k in keys))])
    return Reply(title=t("member.joined", parties=", ".join(joined)), lines=[t("member.joined_hint")])


@command("forlat")
def cmd_leave(ctx: Context, args: str) -> Reply:
    keys = lifecycle.resolve_parties(ctx, args)
    left = []
    for key in keys:
        if people.remove_membership(ctx.session, ctx.person, ctx.party_row(key)):
            left.append(ctx.resolver.name(key))
            audit(ctx, "membership", f"{ctx.actor.ref}:{key}", "removed", key, None)
    if not left:
        raise UserError(t("member.not_member", parties=", ".join(ctx.resolver.name(k) for k in keys)))
    return Reply(title=t("member.left", parties=", ".join(left)))


@command("parter")
def cmd_parties(ctx: Context, args: str) -> Reply:
    by_kind: dict[str, list[str]] = {}
    for info in ctx.resolver.parties:
        if info.valid_to and info.valid_to < ctx.today:
            continue
        if info.valid_from and info.valid_from > ctx.today:
            continue
        by_kind.setdefault(info.kind, []).append(f"{info.name} (`{info.key}`)")
    sections = [Section(title=t(f"party.kind.{kind}"), lines=sorted(names)) for kind, names in sorted(by_kind.items())]
    return Reply(title=t("party.title"), sections=sections)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:60] or "gruppe"


@command("gruppe ny")
def cmd_group_new(ctx: Context, args: str) -> Reply:
    name = " ".join(args.split())
    if not name:
        raise UserError(t("group.missing_name"), suggestions=(t("help.group_new"),))
    if len(name) > 150:
        raise UserError(t("actions.too_long", max=150, length=len(name)))
    existing = ctx.resolver.lookup(name, on=ctx.today)
    if existing:
        raise PartyError(t("group.exists", name=ctx.resolver.name(existing)))
    key = _slug(name)
    taken = set(ctx.session.scalars(select(Party.key).where(Party.key.like(f"{key}%"))))
    base, n = key, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    ctx.session.add(Party(key=key, name=name, short=name, kind="adhoc", aliases=[], members=[], created_at=ctx.naive_now))
    ctx.session.flush()
    audit(ctx, "party", key, "created", None, {"name": name, "kind": "adhoc"})
    ctx.__dict__.pop("resolver", None)  # the new group must resolve within this request too
    return Reply(title=t("group.created", name=name, key=key), lines=[t("group.created_hint", name=name)], private=False)


# --- the roster: kontakter -----------------------------------------------------------------------

ROSTER_PREFIX = "kontakter:"  # PendingImport.filename of a roster preview, apart from protocol previews
_IMPORT_WORDS = frozenset({"importer", "import"})
_CONFIRM_WORDS = frozenset({"bekreft", "confirm"})
_CANCEL_WORDS = frozenset({"avbryt", "cancel"})
_PLATFORMS = {"slack": "Slack", "teams": "Teams", "console": "terminalen"}


@command("kontakter")
def cmd_contacts(ctx: Context, args: str) -> Reply:
    words = args.split()
    first = fold(words[0]) if words else ""
    if first in _IMPORT_WORDS:
        permissions.require(ctx, "roster")
        return Reply(title=t("contacts.how_title"), lines=[t("contacts.how")])
    if len(words) == 2 and first in _CONFIRM_WORDS:
        return _confirm(ctx, words[1])
    if len(words) == 2 and first in _CANCEL_WORDS:
        return _cancel(ctx, words[1])
    if not words:
        return _overview(ctx)
    keys = ctx.resolver.require(args, on=ctx.today)
    sections = []
    data = []
    for key in keys:
        party = ctx.party_row(key)
        entries = roster.entries_of(ctx.session, party)
        members = roster.members_of(ctx.session, party)
        lines = [_entry_line(e) for e in entries] or [t("contacts.no_roster")]
        lines += [t("contacts.member_line", name=p.label, platform=_PLATFORMS.get(p.platform, p.platform))
                  for p in members]
        sections.append(Section(title=t("contacts.party_title", party=ctx.resolver.name(key),
                                        roster=len(entries), members=len(members)), lines=lines))
        data.append({"party": key,
                     "roster": [{"name": e.name, "email": e.email, "role": e.role or "",
                                 "person": f"{e.person.platform}:{e.person.external_id}" if e.person else None}
                                for e in entries],
                     "members": [f"{p.platform}:{p.external_id}" for p in members]})
    return Reply(title=t("contacts.title"), sections=sections, data={"parties": data})


def _entry_line(entry: RosterEntry) -> str:
    role = f" · {entry.role}" if entry.role else ""
    if entry.person is not None:
        linked = t("contacts.linked", platform=_PLATFORMS.get(entry.person.platform, entry.person.platform))
    else:
        linked = t("contacts.not_linked")
    return t("contacts.entry_line", name=entry.name, email=entry.email, role=role, linked=linked)


def _overview(ctx: Context) -> Reply:
    counted = roster.counts(ctx.session)
    rows = ctx.session.scalars(select(Party).where(Party.id.in_(list(counted)))).all() if counted else []
    lines = []
    data = []
    for party in sorted(rows, key=lambda p: fold(ctx.resolver.name(p.key))):
        entries, linked, members = counted[party.id]
        lines.append(t("contacts.count_line", party=ctx.resolver.name(party.key), roster=entries, linked=linked,
                       members=members))
        data.append({"party": party.key, "roster": entries, "linked": linked, "members": members})
    if not lines:
        return Reply(title=t("contacts.title"), lines=[t("contacts.none")], data={"parties": []})
    return Reply(title=t("contacts.title"), lines=[t("contacts.overview_hint")],
                 sections=[Section(title=t("contacts.parties"), lines=lines)], data={"parties": data})


def roster_preview(ctx: Context, data: bytes, filename: str) -> Reply:
    """The preview of an uploaded roster file, kept as a pending import until Importer or Avbryt."""
    permissions.require(ctx, "roster")
    rows = roster.read(ctx, data, filename)
    plan = roster.plan(ctx, rows)
    reply = render_roster_plan(ctx, plan, title=t("contacts.preview_title", file=filename))
    reply.data = {"plan": plan.to_json()}
    if plan.changes:
        token = secrets.token_hex(8)
        stored = {"kind": "roster", "rows": [[r.row, r.party, r.name, r.email, r.role] for r in rows]}
        ctx.session.add(PendingImport(token=token, filename=(ROSTER_PREFIX + filename)[:300], plan=stored,
                                      created_by_id=ctx.person.id, created_at=ctx.naive_now))
        ctx.session.flush()
        reply.buttons = [
            Button(t("importing.button_import"), f"kontakter bekreft {token}", style="primary"),
            Button(t("importing.button_cancel"), f"kontakter avbryt {token}", style="danger"),
        ]
        reply.data["token"] = token
    return reply


def render_roster_plan(ctx: Context, plan: roster.RosterPlan, *, title: str) -> Reply:
    names = join_names([ctx.resolver.name(k) for k in plan.parties])
    lines = [t("contacts.plan_summary", parties=names, new=len(plan.of("new")), updated=len(plan.of("updated")),
               restored=len(plan.of("restored")), removed=len(plan.of("removed")), unchanged=plan.unchanged)]
    if not plan.changes:
        lines.append(t("contacts.plan_nothing"))
    sections = []
    for kind in ("new", "updated", "restored", "removed"):
        changes = plan.of(kind)
        if not changes:
            continue
        section_lines = []
        for change in changes:
            role = f" · {change.role}" if change.role else ""
            line = t("contacts.change_line", name=change.name, email=change.email, role=role,
                     party=ctx.resolver.name(change.party))
            if kind == "updated":
                line += " " + t("contacts.change_before", name=change.old_name or "–", role=change.old_role or "–")
            section_lines.append(line)
        sections.append(Section(title=t(f"contacts.plan_{kind}", count=len(changes)), lines=section_lines))
    return Reply(title=title, lines=lines, sections=sections)


def _pending_roster(ctx: Context, token: str) -> PendingImport:
    row = ctx.session.scalar(select(PendingImport).where(PendingImport.token == token.strip()))
    if row is None or not row.filename.startswith(ROSTER_PREFIX) or (row.plan or {}).get("kind") != "roster":
        raise NotFound(t("contacts.no_such_preview"))
    return row


def _confirm(ctx: Context, token: str) -> Reply:
    permissions.require(ctx, "roster")
    pending = _pending_roster(ctx, token)
    if pending.status != "pending":
        return Reply(lines=[t(f"contacts.already_{pending.status}")])
    rows = [roster.RosterRow(int(n), party, name, email, role) for n, party, name, email, role in pending.plan["rows"]]
    result = roster.store(ctx, rows)
    pending.status = "imported"
    filename = pending.filename.removeprefix(ROSTER_PREFIX)
    audit(ctx, "roster", pending.token, "imported", None,
          {"file": filename, **{kind: len(result.of(kind)) for kind in ("new", "updated", "restored", "removed")}})
    reply = render_roster_plan(ctx, result, title=t("contacts.done_title"))
    reply.lines.append(t("contacts.matched", count=result.matched))
    reply.private = False
    reply.data = {"result": result.to_json()}
    return reply


def _cancel(ctx: Context, token: str) -> Reply:
    permissions.require(ctx, "roster")
    pending = _pending_roster(ctx, token)
    if pending.status != "pending":
        return Reply(lines=[t(f"contacts.already_{pending.status}")])
    pending.status = "cancelled"
    audit(ctx, "roster", pending.token, "cancelled", "pending", {"file": pending.filename.removeprefix(ROSTER_PREFIX)})
    return Reply(title=t("contacts.cancelled"), lines=[t("importing.nothing_saved")])
