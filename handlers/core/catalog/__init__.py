"""The catalogue of every text a user reads.

Texts are grouped by area in modules named `nb_<area>.py` (bokmål), each exporting `TEXTS` and
listed in `AREAS`.
Adding nynorsk or English means adding `nn_*`/`en_*` modules and a language switch here; the
handlers only ever call `t(key, **fields)`.
"""

from __future__ import annotations

import string
from functools import cache

from handlers.core.catalog import (
    nb_capture,
    nb_console,
    nb_core,
    nb_dates,
    nb_email,
    nb_import,
    nb_importing,
    nb_meetings,
    nb_overview,
    nb_parties,
    nb_privacy,
    nb_reminders,
    nb_roster,
    nb_security,
    nb_slack,
    nb_teams,
    nb_upload,
)

AREAS = (nb_capture, nb_console, nb_core, nb_dates, nb_email, nb_import, nb_importing, nb_meetings, nb_parties, nb_reminders,
         nb_roster, nb_overview, nb_security, nb_slack, nb_teams, nb_upload, nb_privacy)


@cache
def _texts() -> dict[str, str]:
    merged: dict[str, str] = {}
    for module in AREAS:
        for key, value in module.TEXTS.items():
            if key in merged:
                raise RuntimeError(f"text key {key!r} defined twice")
            merged[key] = value
    return merged


class _Formatter(string.Formatter):
    """`{count:punkt|punkter}` gives "1 punkt" or "3 punkter": Norwegian inflects nouns and
    adjectives by number, so a count and its word are written as one field."""

    def format_field(self, value: object, format_spec: str) -> str:
        if "|" in format_spec and isinstance(value, int) and not isinstance(value, bool):
            one, many = format_spec.split("|", 1)
            return f"{value} {one if value == 1 else many}"
        return super().format_field(value, format_spec)


_FORMATTER = _Formatter()


def t(key: str, /, **fields: object) -> str:
    """The text for `key`, with `{field}` placeholders filled in."""
    template = _texts()[key]
    return _FORMATTER.format(template, **fields) if fields else template


def keys() -> list[str]:
    return sorted(_texts())
