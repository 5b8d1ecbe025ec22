"""Who may do what — the one place the rules live.

- everyone may read and add actions;
- members of a responsible party (directly, or through a group the party belongs to) may complete,
  reopen, postpone, change the deadline of and comment on its actions;
- admins may do all of that on every action, and cancel and edit actions.
"""

from __future__ import annotations

from handlers.catalog import t
from handlers.context import Context
from handlers.errors import PermissionDenied
from storage.models import Action

MEMBER_OPERATIONS = frozenset({"complete", "reopen", "postpone", "deadline", "comment", "start", "snooze"})
# Operations on a party rather than an action: members of the party (or of a group it belongs to) and admins.
PARTY_OPERATIONS = frozenset({"subscribe"})
ADMIN_OPERATIONS = frozenset({"cancel", "edit", "manage_parties", "manage_meetings", "import"})


def responsible_keys(ctx: Context, action: Action) -> set[str]:
    """The action's parties, with groups expanded to their members on today's date."""
    keys: set[str] = set()
    for key in action.party_keys:
        keys.add(key)
        keys.update(ctx.resolver.expand(key, ctx.today))
    return keys


def is_responsible(ctx: Context, action: Action) -> bool:
    mine = set(ctx.my_party_keys)
    if not mine:
        return False
    expanded_mine = set(mine)
    for key in mine:
        expanded_mine.update(ctx.resolver.expand(key, ctx.today))
    return bool(expanded_mine & responsible_keys(ctx, action))


def require(ctx: Context, operation: str, action: Action | None = None) -> None:
    """Raise `PermissionDenied` with the reason when `ctx`'s user may not do `operation`."""
    if ctx.is_admin:
        return
    if operation in ADMIN_OPERATIONS:
        raise PermissionDenied(t("perm.admin_only", operation=t(f"perm.op.{operation}")))
    if operation in MEMBER_OPERATIONS:
        if action is not None and is_responsible(ctx, action):
            return
        parties = ", ".join(ctx.resolver.name(k) for k in action.party_keys) if action else ""
        raise PermissionDenied(
            t("perm.members_only", operation=t(f"perm.op.{operation}"), parties=parties),
            suggestions=(t("perm.join_hint"),),
        )


def require_party(ctx: Context, operation: str, party_key: str) -> None:
    """Raise `PermissionDenied` unless the user is an admin or belongs to `party_key` (directly, through
    a group containing it, or to a member of it when it is a group)."""
    if ctx.is_admin:
        return
    mine: set[str] = set()
    for key in ctx.my_party_keys:
        mine.add(key)
        mine.update(ctx.resolver.expand(key, ctx.today))
    target = {party_key, *ctx.resolver.expand(party_key, ctx.today)}
    if mine & target:
        return
    raise PermissionDenied(
        t("perm.members_only", operation=t(f"perm.op.{operation}"), parties=ctx.resolver.name(party_key)),
        suggestions=(t("perm.join_hint"),),
    )
