"""Every command (and so every button, which carries a command) against every kind of user.

Three users: an outsider (belongs to no party), a member of AU (joined with `medlem AU`) and an
admin (configured in `OPPFOLGING_ADMINS`, here the app fixture's `slack:UADMIN`). A refusal must
say why and change nothing at all; the permitted user then succeeds. The table in
`handlers.permissions.RULES` is the one the README documents; a test keeps the two in step.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.config import Settings
from handlers import router  # noqa: F401  (importing the router registers every feature's commands)
from handlers.core import permissions, registry
from handlers.core.context import Actor
from handlers.importing import protocol_import
from storage.models import (
    Action,
    ActionEvent,
    AuditEvent,
    Comment,
    Meeting,
    Membership,
    Party,
    PendingImport,
    Setting,
    Subscription,
)
from tests.conftest import NOW, ROOT, Bot
from tests.test_importing import protocol_docx

OUTSIDER = "slack:UOUT"
MEMBER = "slack:UMEM"
ADMIN = "slack:UADMIN"


def snapshot(bot: Bot) -> dict[str, Any]:
    """Everything a command could change."""
    with bot.app.sessions() as session:
        counts = {m.__name__: session.scalar(select(func.count()).select_from(m))
                  for m in (Action, ActionEvent, AuditEvent, Comment, Meeting, Membership, Party, Subscription,
                            Setting)}
        actions = [(a.id, a.text, a.status, a.deadline, a.snoozed_until, tuple(a.party_keys))
                   for a in session.scalars(select(Action).order_by(Action.id))]
        meetings = [(m.id, m.starts_at, m.status) for m in session.scalars(select(Meeting).order_by(Meeting.id))]
        pending = [(p.token, p.status) for p in session.scalars(select(PendingImport).order_by(PendingImport.id))]
    return {"counts": counts, "actions": actions, "meetings": meetings, "pending": pending}


@pytest.fixture
def world(bot: Bot) -> dict[str, Any]:
    """An AU action, a meeting, a pending protocol import, and a member of AU."""
    created = bot.say("ny AU: Sende brev til KDD innen 15. januar 2027", ADMIN)
    assert not created.error, created.lines
    meeting = bot.say("møte ny høstmøte 21. oktober 2027 kl. 10 i Oslo", ADMIN)
    assert not meeting.error, meeting.lines
    assert not bot.say("medlem AU", MEMBER).error
    preview = bot.app.handle("", Actor("slack", "UADMIN"), now=NOW,
                             run=lambda ctx: protocol_import.preview_reply(ctx, protocol_docx(), "vestland.docx"))
    assert not preview.error, preview.lines
    return {"action": created.data["action"]["id"], "meeting": meeting.data["meeting_id"],
            "token": preview.data["token"]}


# (command template, who may: "everyone" | "members" | "party" | "admins")
CASES: list[tuple[str, str]] = [
    ("påbegynt {action}", "members"),
    ("utsett {action} 1. mars 2027", "members"),
    ("frist {action} 2. mars 2027", "members"),
    ("kommenter {action} Brevet er skrevet", "members"),
    ("utsett-påminnelse {action} 1 uke", "members"),
    ("ferdig {action}", "members"),
    ("gjenåpne {action}", "members"),
    ("abonner AU", "party"),
    ("avslutt-abonnement AU", "party"),
    ("endre {action} Sende et bedre brev til KDD", "admins"),
    ("ansvar {action} AU og KDD", "admins"),
    ("møte flytt {meeting} 28. oktober 2027", "admins"),
    ("møte ny vårmøte 20. april 2027 kl. 10 i Oslo", "admins"),
    ("oversiktskanal", "admins"),
    ("importer avbryt {token}", "admins"),
    ("kontakter importer", "admins"),  # the listing ("kontakter", "kontakter AU") is open to everyone
    ("møte avlys {meeting}", "admins"),
    ("avbryt {action} Ikke aktuelt", "admins"),
    ("oversikt tilbakekall", "admins"),  # a personal link ("oversikt") is for everyone
]

# Commands that change nothing anyone else relies on, or that everyone may use.
OPEN_TO_EVERYONE = {"liste", "mine", "vis", "hjelp", "parter", "møter", "neste møte", "rapport", "abonnementer",
                    "ny", "gruppe ny", "medlem", "forlat", "dekning", "varsling",
                    # Snoozes only where a reminder went; its rules are tested in tests/test_capture_snooze.py.
                    "minn-igjen"}


def say(bot: Bot, text: str, user: str):  # type: ignore[no-untyped-def]
    """As typed in a Slack channel (subscriptions and the overview channel need one)."""
    platform, _, external = user.partition(":")

    def in_channel(ctx):  # type: ignore[no-untyped-def]
        ctx.channel, ctx.channel_name = "C0FORUM", "samhandling"

    return bot.app.handle(text, Actor(platform, external, external), now=NOW, configure=in_channel)


def allowed(rule: str, user: str) -> bool:
    return {"everyone": True, "members": user in (MEMBER, ADMIN), "party": user in (MEMBER, ADMIN),
            "admins": user == ADMIN}[rule]


def test_every_command_against_every_kind_of_user(bot: Bot, world: dict[str, Any]) -> None:
    for template, rule in CASES:
        command = template.format(**world)
        for user in (OUTSIDER, MEMBER, ADMIN):
            before = snapshot(bot)
            reply = say(bot, f"/oppfølging {command}", user)
            if allowed(rule, user):
                assert not reply.error, (command, user, reply.lines)
                break  # the first permitted user did it; the next would only find it done
            assert reply.error, (command, user)
            reason = " ".join(reply.lines)
            assert reason.startswith("Bare "), (command, user, reason)  # says who may, i.e. why not
            assert snapshot(bot) == before, (command, user)


def test_a_refused_cancel_of_a_cancelled_action_is_still_refused(bot: Bot, world: dict[str, Any]) -> None:
    """A button someone may not use stays refused whatever state the action is in."""
    assert not bot.say(f"avbryt {world['action']}", ADMIN).error
    for user in (OUTSIDER, MEMBER):
        before = snapshot(bot)
        for command in (f"avbryt {world['action']}", f"gjenåpne {world['action']}", f"ferdig {world['action']}"):
            reply = say(bot, command, user)
            assert reply.error, (command, user)
        assert snapshot(bot) == before


def test_every_registered_command_is_in_the_matrix() -> None:
    """A new command must be placed in the matrix above (or declared open) before it ships."""
    names = {c.name for c in registry.COMMANDS.values()}
    covered = set()
    for template, _ in CASES:
        found, _rest = registry.find(template)
        assert found is not None, template
        covered.add(found.name)
    missing = names - covered - OPEN_TO_EVERYONE
    assert missing == set(), f"commands without a permission case: {sorted(missing)}"


def test_unknown_operations_are_for_admins_only(bot: Bot) -> None:
    """A rule forgotten in RULES must not open the operation to everyone."""
    reply = bot.app.handle("", Actor("slack", "UOUT"), now=NOW,
                           run=lambda ctx: permissions.require(ctx, "something_new"))  # type: ignore[arg-type,return-value]
    assert reply.error and reply.lines[0].startswith("Bare administratorer")


def test_admins_come_from_configuration_not_code(db_url: str) -> None:
    """The same user is an admin with OPPFOLGING_ADMINS naming them, and not without."""
    for admins, expect_admin in ((frozenset(), False), (frozenset({"teams:abc-123"}), True)):
        app = App(Settings.from_env({"DATABASE_URL": db_url, "OPPFOLGING_ADMINS": ",".join(admins)}),
                  clock=lambda: NOW)
        try:
            reply = app.handle("møte ny høstmøte 21. oktober 2027 kl. 10 i Oslo", Actor("teams", "abc-123"), now=NOW)
            assert reply.error is (not expect_admin), reply.lines
        finally:
            app.close()
    source = "\n".join(p.read_text(encoding="utf-8") for p in [*ROOT.glob("handlers/**/*.py"), *ROOT.glob("bot/**/*.py")])
    assert not re.search(r"""["'](slack|teams):[A-Za-z0-9-]{3,}["']""", source), "a hard-coded user id in the code"


def test_the_readme_documents_every_rule() -> None:
    """README → Permissions has one row per operation in RULES, with the same audience."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Permissions", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| ([a-z ]+?) \|", section, flags=re.MULTILINE))
    assert rows == {op: who.replace("_", " ") for op, who in permissions.RULES.items()}


def test_slack_user_groups_give_party_rights_only_through_configuration(bot: Bot, world: dict[str, Any]) -> None:
    """Platform-given parties (Slack user groups) count as membership, and only what the adapter says."""
    before = snapshot(bot)
    refused = bot.app.handle(f"ferdig {world['action']}", Actor("slack", "UGROUP"), now=NOW)
    assert refused.error and snapshot(bot) == before

    def as_au(ctx):  # type: ignore[no-untyped-def]
        ctx.platform_parties = ("au",)

    done = bot.app.handle(f"ferdig {world['action']}", Actor("slack", "UGROUP"), now=NOW, configure=as_au)
    assert not done.error, done.lines


def test_readme_mentions_where_admins_come_from() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "OPPFOLGING_ADMINS" in readme and "oppfolging admin add" in readme
    assert Path(ROOT / "handlers" / "core" / "permissions.py").is_file()
