"""Small text helpers shared by the parsers."""

from __future__ import annotations

import re
import unicodedata

_FOLD = str.maketrans({"ø": "o", "æ": "ae", "å": "a", "ö": "o", "ä": "a", "é": "e", "è": "e", "ü": "u"})
# C0 and C1 control characters except tab and line breaks: invisible, unstorable (NUL in PostgreSQL)
# or able to rewrite an operator's terminal (ESC, CSI) when `oppfolging audit` prints them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Half of a UTF-16 pair (JSON "\ud800" decodes to one): no database can store it as UTF-8.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def fold(text: str) -> str:
    """Lower case, Norwegian letters folded to ASCII, punctuation at the ends and extra spaces gone."""
    text = unicodedata.normalize("NFC", text).lower().translate(_FOLD)
    text = " ".join(text.split())
    return text.strip(" .,:;!?")


def clean_input(text: str) -> str:
    """What a user typed, with control characters (other than newlines and tabs) removed and broken
    UTF-16 halves replaced by U+FFFD; everything else (right-to-left text, emoji, markup) is kept."""
    text = unicodedata.normalize("NFC", _SURROGATE.sub("\ufffd", text))
    return _CONTROL.sub("", text).strip()


# How people address the bot before the command: a Slack mention, "@Oppfølging", "/oppfølging".
_PREFIX = re.compile(r"^\s*(?:<@[A-Z0-9]+>\s*|@?oppf(?:ø|o|oe)lging\b[:,]?\s*|/oppf(?:ø|o|oe)lging\b\s*)+", re.IGNORECASE)


def strip_prefix(text: str) -> str:
    return _PREFIX.sub("", text, count=1).strip()
