"""Every user-facing text exists, is Norwegian-shaped and renders with its placeholders."""

from __future__ import annotations

import re
import string

from handlers.core.catalog import keys, t


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


def test_counts_inflect_their_word() -> None:
    assert t("report.counts", total=1, done=1, open=0, cancelled=0) == (
        "1 punkt: 1 ferdig, 0 åpne eller påbegynte, 0 avbrutte."
    )
    assert t("report.counts", total=5, done=2, open=1, cancelled=2) == (
        "5 punkter: 2 ferdige, 1 åpent eller påbegynt, 2 avbrutte."
    )
    assert t("list.count.closed", count=1) == "1 ferdig/avbrutt"
    assert t("meeting.deadlines_resolved", count=1, ids="#4").startswith("1 punkt med frist")


def test_no_text_writes_a_plural_in_brackets() -> None:
    """"punkt(er)" reads as a form, not as a sentence: counts use `{n:punkt|punkter}`."""
    texts = t.__globals__["_texts"]()
    assert [key for key, text in texts.items() if re.search(r"\w\((?:er|e|r)\)", text)] == []
