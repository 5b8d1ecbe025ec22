"""The registry of the command language: subcommand words (Norwegian and English) → handlers, and
form ids → submit handlers.

A feature adds commands with `@command` and forms with `@form`; `handlers.router` imports every
feature module, which is what registers them. Words are matched case-insensitively with ø/æ/å
folded, so `gjenåpne`, `gjenapne` and `Gjenåpne` are one.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from handlers.core.catalog import t
from handlers.core.context import Context
from handlers.core.replies import Reply, error_reply
from handlers.core.text import fold

Handler = Callable[[Context, str], Reply]


@dataclass(frozen=True)
class Command:
    name: str
    words: tuple[str, ...]
    handler: Handler
    help_key: str | None  # catalogue key of the line in `hjelp`; None keeps it out of the help
    # Only shows what is stored: adapters may run it again to refresh or page a list, and anything
    # it might write is rolled back when they do.
    read_only: bool = False


COMMANDS: dict[str, Command] = {}


def command(*words: str, help_key: str | None = None, read_only: bool = False) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        entry = Command(name=words[0], words=words, handler=handler, help_key=help_key, read_only=read_only)
        for word in words:
            key = fold(word)
            if key in COMMANDS and COMMANDS[key].handler is not handler:
                raise RuntimeError(f"command word {word!r} registered twice")
            COMMANDS[key] = entry
        return handler

    return register


def find(text: str) -> tuple[Command | None, str]:
    """The command that `text` starts with, and the rest of the text (original spelling kept)."""
    words = text.split()
    # Longest match first, so that "neste møte" wins over a hypothetical "neste".
    for size in (3, 2, 1):
        if len(words) < size:
            continue
        key = fold(" ".join(words[:size]))
        if key in COMMANDS:
            rest = text.split(None, size)[size] if len(text.split(None, size)) > size else ""
            return COMMANDS[key], rest.strip()
    return None, text


Submitter = Callable[[Context, Mapping[str, Any], Mapping[str, Any]], Reply]

FORMS: dict[str, Submitter] = {}


def form(form_id: str) -> Callable[[Submitter], Submitter]:
    """Registers the submit handler of a form (`Form.id`), as `@command` registers a command."""

    def register(submitter: Submitter) -> Submitter:
        if form_id in FORMS and FORMS[form_id] is not submitter:
            raise RuntimeError(f"form {form_id!r} registered twice")
        FORMS[form_id] = submitter
        return submitter

    return register


def unknown_command(body: str) -> Reply:
    first = fold(body.split()[0]) if body.split() else ""
    close = difflib.get_close_matches(first, list(COMMANDS), n=4, cutoff=0.6)
    # A typo of an English alias ("calender") is answered with the Norwegian word ("møter"): the
    # first word of a command is its Norwegian name.
    names = list(dict.fromkeys(COMMANDS[word].name for word in close))[:2]
    hints = [t("router.did_you_mean", command=name) for name in names]
    hints.append(t("router.see_help"))
    return error_reply(t("router.unknown", text=body[:80]), hints)
