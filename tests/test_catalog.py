"""Every user-facing text exists, is Norwegian-shaped and renders with its placeholders."""

from __future__ import annotations

import re
import string

from handlers.catalog import keys, t


class Anything:
    """Formats as "X" under any format spec, so `{day:02d}` placeholders render too."""

    def __format__(self, spec: str) -> str:
        return "X"


def test_every_text_renders() -> None:
    for key in keys():
        fields = {name: Anything() for _, name, _, _ in string.Formatter().parse(t.__globals__["_texts"]()[key]) if name}
        rendered = t(key, **fields)
        assert rendered.strip(), key


def test_keys_used_in_code_exist() -> None:
    from pathlib import Path

    known = set(keys())
    root = Path(__file__).resolve().parent.parent
    missing = []
    for path in [*root.glob("handlers/**/*.py"), *root.glob("bot/**/*.py")]:
        for key in re.findall(r"""\bt\(\s*"([a-z_]+\.[a-z_.]+)\"""", path.read_text(encoding="utf-8")):
            if key not in known:
                missing.append(f"{path.name}: {key}")
    assert missing == []
