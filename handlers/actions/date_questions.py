"""A deadline with more than one reading becomes a question with one button per reading.

`ny`, `frist` and `utsett` parse a deadline before they change anything; when the parser raises a
`DateQuestion` ("Mente du 30. juni eller 31. mai?"), the command answers with the question and a
button per alternative. A button runs the same command again with that part of the input replaced
by the chosen ISO date, so the click goes through the same permission checks and history as typing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from handlers.core.context import Context
from handlers.core.replies import Button, Reply
from handlers.dates.values import DateQuestion

Command = Callable[[Context, str], Reply]


def asks_about_dates(name: str) -> Callable[[Command], Command]:
    """Wrap the command `name` so that a `DateQuestion` becomes a reply with buttons."""

    def wrap(run: Command) -> Command:
        @functools.wraps(run)
        def wrapped(ctx: Context, args: str) -> Reply:
            try:
                return run(ctx, args)
            except DateQuestion as question:
                return question_reply(name, args, question)

        return wrapped

    return wrap


def question_reply(name: str, args: str, question: DateQuestion) -> Reply:
    at = args.rfind(question.expression) if question.expression else -1
    buttons: list[Button] = []
    if at >= 0:
        before, after = args[:at], args[at + len(question.expression) :]
        for day, label in question.alternatives:
            rebuilt = f"{before}innen {day.isoformat()}{after}".strip()
            buttons.append(Button(label=label, command=f"{name} {rebuilt}"))
    return Reply(
        lines=[question.message],
        buttons=buttons,
        data={
            "question": True,
            "alternatives": [day.isoformat() for day, _ in question.alternatives],
            "commands": [b.command for b in buttons],
        },
    )
