"""The command registry: subcommand words (Norwegian and English) → handler functions.

A module adds commands with the `@command` decorator and is listed in `handlers.router`; the words
are matched case-insensitively with ø/æ/å folded, so `gjenåpne`, `gjenapne` and `Gjenåpne` are one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers.context import Context
from handlers.replies import Reply
from handlers.text import fold

Handler = Callable[[Context, str], Reply]


@dataclass(frozen=True)
class Command:
    name: str
    words: tuple[str, ...]
    handler: Handler
    help_key: str | None  # catalogue key of the line in `hjelp`; None keeps it out of the help
    # Multi-word commands ("neste møte") are matched before single words.


COMMANDS: dict[str, Command] = {}


def command(*words: str, help_key: str | None = None) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        entry = Command(name=words[0], words=words, handler=handler, help_key=help_key)
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
