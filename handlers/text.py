"""Small text helpers shared by the parsers."""

from __future__ import annotations

import re
import unicodedata

_FOLD = str.maketrans({"ø": "o", "æ": "ae", "å": "a", "ö": "o", "ä": "a", "é": "e", "è": "e", "ü": "u"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def fold(text: str) -> str:
    """Lower case, Norwegian letters folded to ASCII, punctuation at the ends and extra spaces gone."""
    text = unicodedata.normalize("NFC", text).lower().translate(_FOLD)
    text = " ".join(text.split())
    return text.strip(" .,:;!?")


def clean_input(text: str) -> str:
    """What a user typed, with control characters (other than newlines and tabs) removed."""
    text = unicodedata.normalize("NFC", text)
    return _CONTROL.sub("", text).strip()
