"""From what a user typed (or clicked) to a `Reply`, inside one transaction.

`handle()` is what every adapter calls. It owns the transaction: a `UserError` anywhere rolls
everything back and becomes a Norwegian message; an unexpected error is logged and the user gets
a short apology, never a stack trace; an unreachable database gets "try again shortly".
"""

from __future__ import annotations

import difflib
import importlib
import logging
import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from handlers import commands
from handlers.catalog import t
from handlers.clock import DEFAULT_TZ
from handlers.context import Actor, Context
from handlers.errors import UserError
from handlers.replies import Reply, error_reply
from handlers.text import clean_input, fold

log = logging.getLogger(__name__)

# Modules whose `@command`s make up the command language. A feature adds its module here.
COMMAND_MODULES = (
    "handlers.help",
    "handlers.action_commands",
    "handlers.membership_commands",
    "handlers.meeting_commands",
    "handlers.importing",
    "handlers.subscription_commands",
)

# Text that is no command (a question in plain words) goes here when a module provides it.
QUESTION_MODULE = "handlers.questions"

_PREFIX = re.compile(r"^\s*(?:<@[A-Z0-9]+>\s*|@?oppf(?:ø|o|oe)lging\b[:,]?\s*|/oppf(?:ø|o|oe)lging\b\s*)+", re.IGNORECASE)

_loaded = False


def _load_modules() -> None:
    global _loaded
    if _loaded:
        return
    for name in COMMAND_MODULES:
        importlib.import_module(name)
    _loaded = True


def strip_prefix(text: str) -> str:
    return _PREFIX.sub("", text, count=1).strip()


def dispatch(text: str, ctx: Context) -> Reply:
    """Run one input; raises `UserError` for bad input (the caller rolls back)."""
    _load_modules()
    body = strip_prefix(clean_input(text))
    if not body:
        return commands.COMMANDS["hjelp"].handler(ctx, "")
    found, rest = commands.find(body)
    if found is not None:
        return found.handler(ctx, rest)
    answer = _question_handler()
    if answer is not None:
        return answer(ctx, body)
    return unknown_command(body)


def _question_handler() -> Callable[[Context, str], Reply] | None:
    try:
        module = importlib.import_module(QUESTION_MODULE)
    except ModuleNotFoundError:
        return None
    return getattr(module, "answer", None)


def unknown_command(body: str) -> Reply:
    first = fold(body.split()[0]) if body.split() else ""
    close = difflib.get_close_matches(first, list(commands.COMMANDS), n=2, cutoff=0.6)
    hints = [t("router.did_you_mean", command=c) for c in close]
    hints.append(t("router.see_help"))
    return error_reply(t("router.unknown", text=body[:80]), hints)


# SQLite's SQLITE_FULL and PostgreSQL's disk_full (53100): the write was refused and rolled back.
_SQLITE_FULL = 13
_PG_DISK_FULL = "53100"


def storage_full(exc: BaseException) -> bool:
    """Whether `exc`, or what caused it, says the disk is full. SQLite rolls the whole transaction
    back on SQLITE_FULL, so inside a savepoint the error seen is "no such savepoint"; the cause is
    in its context."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        orig = getattr(current, "orig", current)
        if getattr(orig, "sqlite_errorcode", None) == _SQLITE_FULL or getattr(orig, "sqlstate", None) == _PG_DISK_FULL:
            return True
        current = current.__cause__ or current.__context__
    return False


def handle(
    factory: sessionmaker[Session],
    text: str,
    actor: Actor,
    now: datetime,
    *,
    tz: ZoneInfo = DEFAULT_TZ,
    configure: Callable[[Context], None] | None = None,
    run: Callable[[Context], Reply] | None = None,
) -> Reply:
    """One request in one transaction. `run` replaces command dispatch (forms, buttons with values)."""
    session = factory()
    try:
        ctx = Context(session=session, actor=actor, now=now, tz=tz)
        if configure is not None:
            configure(ctx)
        reply = run(ctx) if run is not None else dispatch(text, ctx)
        session.commit()
        return reply
    except UserError as exc:
        session.rollback()
        return error_reply(exc.message, exc.suggestions)
    except (OperationalError, DBAPIError) as exc:
        session.rollback()
        if storage_full(exc):
            log.error("database full: nothing was stored (%s)", exc.__class__.__name__)
            return error_reply(t("security.db_full"))
        if getattr(exc, "connection_invalidated", False) or isinstance(exc, OperationalError):
            log.warning("database unavailable: %s", exc.__class__.__name__)
            return error_reply(t("router.db_unavailable"))
        log.exception("database error while handling input")
        return error_reply(t("router.internal_error"))
    except Exception:
        session.rollback()
        log.exception("unexpected error while handling input")
        return error_reply(t("router.internal_error"))
    finally:
        session.close()
