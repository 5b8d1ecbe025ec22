"""Jinja2 rendering of the overview pages (server-side; the pages need no JavaScript)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from handlers.core.catalog import t

if TYPE_CHECKING:
    from jinja2 import Environment


@cache
def environment() -> Environment:
    # Imported here, not at the top: `serve` becomes ready without Jinja2 (~30 ms); the first
    # overview page loads it.
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("bot.web", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["t"] = t
    return env


def href(path: str, token: str | None, params: Mapping[str, str] | None = None) -> str:
    """A link on the page: the personal token travels in every address, as the page has no session."""
    query: dict[str, str] = {}
    if token:
        query["t"] = token
    query.update(params or {})
    return f"{path}?{urlencode(query)}" if query else path


def render(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)
