"""`/oppfølging hjelp`: what the bot can do, with examples."""

from __future__ import annotations

from handlers.core import command_text
from handlers.core.catalog import t
from handlers.core.context import Context
from handlers.core.registry import command, help_keys
from handlers.core.replies import Reply, Section


@command("hjelp")
def cmd_help(ctx: Context, args: str) -> Reply:
    lines = [t(key) for key in help_keys()]
    teams = ctx.actor.platform == command_text.TEAMS
    if not teams:
        intro, english = t("help.intro"), t("help.tip_english")
    else:  # no "/oppfølging" in Teams, where "/" opens Teams' own menu
        personal = ctx.conversation_kind in command_text.PERSONAL_KINDS
        intro = t("help.intro_teams_personal" if personal else "help.intro_teams_channel")
        english = t("help.tip_english_teams")
    return Reply(
        title=t("help.title"),
        lines=[intro],
        sections=[Section(title=t("help.commands"), lines=lines), Section(title=t("help.tips"), lines=[t("help.tip_dates"), t("help.tip_parties"), english])],
    )
