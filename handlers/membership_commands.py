"""Party membership and ad-hoc groups: medlem, forlat, parter, gruppe ny."""

from __future__ import annotations

import re

from sqlalchemy import select

from handlers import actions
from handlers.audit import audit
from handlers.catalog import t
from handlers.commands import command
from handlers.context import Context
from handlers.errors import PartyError, UserError
from handlers.replies import Reply, Section
from handlers.text import fold
from storage import people
from storage.models import Party


@command("medlem", "member", "join", "bli med", help_key="help.member")
def cmd_member(ctx: Context, args: str) -> Reply:
    if not args.strip():
        keys = ctx.my_party_keys
        if not keys:
            return Reply(title=t("member.title"), lines=[t("mine.no_parties")])
        return Reply(title=t("member.title"), lines=[", ".join(ctx.resolver.name(k) for k in keys)])
    keys = actions.resolve_parties(ctx, args)
    joined = []
    for key in keys:
        if people.add_membership(ctx.session, ctx.person, ctx.party_row(key), ctx.naive_now):
            joined.append(ctx.resolver.name(key))
            audit(ctx, "membership", f"{ctx.actor.ref}:{key}", "created", None, key)
    if not joined:
        return Reply(lines=[t("member.already", parties=", ".join(ctx.resolver.name(k) for k in keys))])
    return Reply(title=t("member.joined", parties=", ".join(joined)), lines=[t("member.joined_hint")])


@command("forlat", "leave", "meld ut", help_key="help.leave")
def cmd_leave(ctx: Context, args: str) -> Reply:
    keys = actions.resolve_parties(ctx, args)
    left = []
    for key in keys:
        if people.remove_membership(ctx.session, ctx.person, ctx.party_row(key)):
            left.append(ctx.resolver.name(key))
            audit(ctx, "membership", f"{ctx.actor.ref}:{key}", "removed", key, None)
    if not left:
        raise UserError(t("member.not_member", parties=", ".join(ctx.resolver.name(k) for k in keys)))
    return Reply(title=t("member.left", parties=", ".join(left)))


@command("parter", "parties", "grupper", "groups", help_key="help.parties")
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


@command("gruppe ny", "ny gruppe", "group new", "new group", help_key="help.group_new")
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
