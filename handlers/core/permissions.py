"""Who may do what — the one place the rules live.

- everyone may read and add actions;
- members of a responsible party (directly, or through a group the party belongs to) may complete,
  reopen, postpone, change the deadline of and comment on its actions;
- admins may do all of that on every action, and cancel and edit actions.

`RULES` below is the whole table (the README's *Permissions* section repeats it, and a test keeps the
two in step); every handler that changes something asks `require` or `require_party` first, so a
button someone can see but may not use is refused here with the reason, like the typed command.
"""

from __future__ import annotations

from handlers.core.catalog import t
from handlers.core.context import Context
from handlers.core.errors import PermissionDenied
from storage.models import Action

EVERYONE = "everyone"
MEMBERS = "members"  # members of one of the action's responsible parties, and admins
PARTY = "party"  # members of the party named in the command, and admins
ADMINS = "admins"

# Every operation and who may do it. An operation missing here is refused for everyone but admins,
# so a new command cannot become open by forgetting to list it.
RULES: dict[str, str] = {
    "read": EVERYONE,  # lists, details, meetings, reports, questions, help
    "add": EVERYONE,  # new actions (typed or through the form)
    "create_group": EVERYONE,  # ad-hoc groups ("gruppe ny …"), audited
    "join": EVERYONE,  # "medlem"/"forlat" for oneself, audited
    "complete": MEMBERS,
    "reopen": MEMBERS,
    "start": MEMBERS,
    "postpone": MEMBERS,
    "deadline": MEMBERS,
    "comment": MEMBERS,
    "snooze": MEMBERS,
    "subscribe": PARTY,  # a channel to a party's reminders (and ending that)
    "cancel": ADMINS,
    "edit": ADMINS,  # an action's text and responsible parties
    "manage_parties": ADMINS,
    "manage_meetings": ADMINS,  # add, move, cancel meetings; calendar import
    "import": ADMINS,  # protocol preview, import and cancelling a preview
    "overview_channel": ADMINS,
    "roster": ADMINS,  # importing the roster file (kontakter importer), its preview and confirmation
    "privacy": ADMINS,  # a person's data exported or erased (`oppfolging person export|erase`), audited
    "overview_revoke": ADMINS,  # withdrawing every personal link to the overview at once
}

MEMBER_OPERATIONS = frozenset(op for op, who in RULES.items() if who == MEMBERS)
# Operations on a party rather than an action: members of the party (or of a group it belongs to) and admins.
PARTY_OPERATIONS = frozenset(op for op, who in RULES.items() if who == PARTY)
ADMIN_OPERATIONS = frozenset(op for op, who in RULES.items() if who == ADMINS)


def _label(operation: str) -> str:
    """The operation as words in a refusal ("markere punktet som ferdig")."""
    for key in (f"perm.op.{operation}", f"security.op.{operation}"):
        try:
            return t(key)
        except KeyError:
            continue
    return t("security.op.other")


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
    who = RULES.get(operation, ADMINS)
    if who == EVERYONE or ctx.is_admin:
        return
    if who == MEMBERS:
        if action is not None and is_responsible(ctx, action):
            return
        parties = ", ".join(ctx.resolver.name(k) for k in action.party_keys) if action else ""
        raise PermissionDenied(
            t("perm.members_only", operation=_label(operation), parties=parties),
            suggestions=(t("perm.join_hint"),),
        )
    # Admin operations, and party operations asked without a party (use `require_party`).
    raise PermissionDenied(t("perm.admin_only", operation=_label(operation)))


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
        t("perm.members_only", operation=_label(operation), parties=ctx.resolver.name(party_key)),
        suggestions=(t("perm.join_hint"),),
    )
