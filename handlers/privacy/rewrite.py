"""Replacing a person's identifiers in stored values: the same rules for export matching and erasure.

Chat ids and e-mail addresses are replaced wherever they occur in a string (they are specific enough);
a name only where a value is exactly that name, or in the label of a snoozed reminder
("slack:Kari Nordmann"), so a meeting called after someone is not rewritten by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Rewriter:
    def __init__(self, identifiers: Mapping[str, str], names: Mapping[str, str]) -> None:
        # Longest first: a platform:id before the bare id, an address before its local part.
        self.identifiers = sorted(((k, v) for k, v in identifiers.items() if k), key=lambda kv: -len(kv[0]))
        self.names = {k: v for k, v in names.items() if k}

    def text(self, value: str, *, names_inside: bool = False) -> str:
        if value in self.names:
            return self.names[value]
        for old, new in self.identifiers:
            if old in value:
                value = value.replace(old, new)
        if names_inside:
            for old, new in sorted(self.names.items(), key=lambda kv: -len(kv[0])):
                if len(old) >= 3 and old in value:
                    value = value.replace(old, new)
        return value

    def value(self, value: Any) -> Any:
        """A JSON value with every string rewritten (dicts and lists walked, keys kept)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value

    def mentions(self, value: Any) -> bool:
        return self.value(value) != value
