"""`/oppfølging hjelp`: what the bot can do, with examples."""

from __future__ import annotations

from handlers.catalog import t
from handlers.commands import COMMANDS, command
from handlers.context import Context
from handlers.replies import Reply, Section


@command("hjelp", "help", "?", "kommandoer", help_key=None)
def cmd_help(ctx: Context, args: str) -> Reply:
    seen: set[str] = set()
    lines: list[str] = []
    for entry in COMMANDS.values():
        if entry.help_key is None or entry.name in seen:
            continue
        seen.add(entry.name)
        lines.append(t(entry.help_key))
    return Reply(
        title=t("help.title"),
        lines=[t("help.intro")],
        sections=[Section(title=t("help.commands"), lines=lines), Section(title=t("help.tips"), lines=[t("help.tip_dates"), t("help.tip_parties"), t("help.tip_english")])],
    )
