"""The registry of the command language: subcommand words (Norwegian and English) → handlers, and
form ids → submit handlers.

The words, help lines and read-only flags are one table, `handlers.core.command_words`. A feature
supplies a command's handler with `@command("<name>")` and a form's with `@form("<id>")`; its module
is imported the first time one of its commands is used (or a form submitted), so a one-shot command
loads only its own feature. Words are matched case-insensitively with ø/æ/å folded, so `gjenåpne`,
`gjenapne` and `Gjenåpne` are one.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from handlers.core.catalog import t
from handlers.core.command_words import FORM_MODULES, TABLE, Entry
from handlers.core.context import Context
from handlers.core.replies import Reply, error_reply
from handlers.core.text import fold

Handler = Callable[[Context, str], Reply]

_HANDLERS: dict[str, Handler] = {}


@dataclass(frozen=True)
class Command(Entry):
    """A row of the table, whose handler is imported the first time it is asked for."""

    @property
    def handler(self) -> Handler:
        found = _HANDLERS.get(self.name)
        if found is None:
            importlib.import_module(self.module)  # its `@command` fills _HANDLERS
            found = _HANDLERS.get(self.name)
        if found is None:
            raise RuntimeError(f"{self.module} has no @command({self.name!r})")
        return found


def index(table: Iterable[Entry]) -> dict[str, Command]:
    """Folded word → command; a word that names two commands is a mistake in the table."""
    commands: dict[str, Command] = {}
    for entry in table:
        cmd = Command(**{f.name: getattr(entry, f.name) for f in fields(entry)})
        for word in cmd.words:
            key = fold(word)
            if key in commands and commands[key].name != cmd.name:
                raise RuntimeError(f"command word {word!r} names both {commands[key].name!r} and {cmd.name!r}")
            commands[key] = cmd
    return commands


COMMANDS: dict[str, Command] = index(TABLE)


def command(name: str) -> Callable[[Handler], Handler]:
    """Supplies the handler of the command `name` (its words and help are in `command_words.TABLE`)."""
    entry = COMMANDS.get(fold(name))
    if entry is None or entry.name != name:
        raise RuntimeError(f"command {name!r} is not in handlers/core/command_words.py")

    def register(handler: Handler) -> Handler:
        if handler.__module__ != entry.module:
            raise RuntimeError(f"command {name!r} belongs to {entry.module}, not {handler.__module__}")
        if name in _HANDLERS and _HANDLERS[name] is not handler:
            raise RuntimeError(f"command {name!r} registered twice")
        _HANDLERS[name] = handler
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


def help_keys() -> list[str]:
    """The catalogue keys of the lines of `hjelp`, in the table's order."""
    return [entry.help_key for entry in TABLE if entry.help_key is not None]


Submitter = Callable[[Context, Mapping[str, Any], Mapping[str, Any]], Reply]

FORMS: dict[str, Submitter] = {}


def form(form_id: str) -> Callable[[Submitter], Submitter]:
    """Registers the submit handler of a form (`Form.id`); its module must be in `FORM_MODULES`."""

    def register(submitter: Submitter) -> Submitter:
        if submitter.__module__ not in FORM_MODULES:
            raise RuntimeError(f"{submitter.__module__} is not in command_words.FORM_MODULES")
        if form_id in FORMS and FORMS[form_id] is not submitter:
            raise RuntimeError(f"form {form_id!r} registered twice")
        FORMS[form_id] = submitter
        return submitter

    return register


def submitter(form_id: str) -> Submitter | None:
    """The submit handler of `form_id`, loading the form modules on the first submit."""
    if form_id not in FORMS:
        for module in FORM_MODULES:
            importlib.import_module(module)
    return FORMS.get(form_id)


def load_all() -> None:
    """Imports every feature now: a long-running service pays for it at start, not on a user's
    first command (and `gc.freeze` then sets the modules aside with the rest of what was loaded)."""
    for module in dict.fromkeys([*(entry.module for entry in TABLE), *FORM_MODULES]):
        importlib.import_module(module)


def unknown_command(body: str) -> Reply:
    first = fold(body.split()[0]) if body.split() else ""
    close = difflib.get_close_matches(first, list(COMMANDS), n=4, cutoff=0.6)
    # A typo of an English alias ("calender") is answered with the Norwegian word ("møter"): the
    # first word of a command is its Norwegian name.
    names = list(dict.fromkeys(COMMANDS[word].name for word in close))[:2]
    hints = [t("router.did_you_mean", command=name) for name in names]
    hints.append(t("router.see_help"))
    return error_reply(t("router.unknown", text=body[:80]), hints)
