"""The local chat: renders replies as terminal text and reads commands from a prompt."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime

from handlers.core.catalog import t
from handlers.core.context import LOCAL_OPERATOR, Actor
from handlers.core.replies import ActionItem, Reply

RED = "\033[31m"
BOLD = "\033[1m"
DIM = "\033[2m"
RESET = "\033[0m"


def _style(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{RESET}" if color else text


def render_item(item: ActionItem, color: bool = False) -> list[str]:
    head = f"#{item.id} {item.text}"
    meta = [", ".join(item.parties), item.deadline_label]
    if item.status not in ("open",):
        meta.append(item.status_label)
    if item.meeting:
        meta.append(item.meeting)
    if item.case:
        meta.append(t("show.case", case=item.case))
    line2 = "   " + " · ".join(m for m in meta if m)
    if item.overdue:
        line2 = _style(line2 + "  ⚠", RED, color)
    return [head, line2]


def render_text(reply: Reply, *, color: bool = False) -> str:
    out: list[str] = []
    if reply.title:
        out.append(_style(reply.title, BOLD, color))
    if reply.error:
        out.extend(("⚠ " + line if i == 0 else "  " + line) for i, line in enumerate(reply.lines))
    else:
        out.extend(reply.lines)
    for section in reply.sections:
        if section.title:
            out.append("")
            out.append(_style(section.title, BOLD, color))
        for line in section.lines:
            out.append(f"  {line}" if section.title else line)
        for item in section.items:
            out.extend(render_item(item, color))
    if reply.form is not None:
        out.append("")
        out.append(_style(t("console.form_hint"), DIM, color))
    if reply.buttons:
        out.append(_style("  ".join(f"[{b.label}: {b.command}]" for b in reply.buttons), DIM, color))
    return "\n".join(out).strip("\n")


def chat(handle: Callable[[str, Actor, datetime | None], Reply], *, user: str | None = None,
         now: datetime | None = None, stdin=sys.stdin, stdout=sys.stdout) -> None:  # type: ignore[no-untyped-def]
    """A read–reply loop; each line is handled exactly as if typed in Slack."""
    actor = Actor("console", user or LOCAL_OPERATOR, user or "lokal operatør")
    color = stdout.isatty()
    interactive = stdin.isatty()
    print(t("console.welcome"), file=stdout)
    while True:
        if interactive:
            try:
                line = input("oppfølging> ")
            except (EOFError, KeyboardInterrupt):
                print(file=stdout)
                return
        else:
            line = stdin.readline()
            if not line:
                return
        line = line.strip()
        if not line:
            continue
        if line.lower() in ("exit", "quit", "avslutt", "q"):
            return
        reply = handle(line, actor, now)
        print(render_text(reply, color=color), file=stdout)
        print(file=stdout)
