"""The catalogue of every text a user reads.

Texts are grouped by area in modules named `nb_<area>.py` (bokmål), each exporting `TEXTS`.
Adding nynorsk or English means adding `nn_*`/`en_*` modules and a language switch here; the
handlers only ever call `t(key, **fields)`.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache


@cache
def _texts() -> dict[str, str]:
    merged: dict[str, str] = {}
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("nb_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for key, value in module.TEXTS.items():
            if key in merged:
                raise RuntimeError(f"text key {key!r} defined twice")
            merged[key] = value
    return merged


def t(key: str, /, **fields: object) -> str:
    """The text for `key`, with `{field}` placeholders filled in."""
    template = _texts()[key]
    return template.format(**fields) if fields else template


def keys() -> list[str]:
    return sorted(_texts())
