"""Rows of a protocol that are already tracked: actions added live during the meeting.

The secretariat often records actions in chat while the meeting runs and imports the protocol
afterwards. Each planned action is compared with the open actions of the same meeting: the same
parties and similar text (most of the shorter text's content words in the longer, or difflib's
ratio over them; the parties' own names do not count) make a duplicate. Per duplicate the user chooses: "slå sammen" (merge: the protocol's wording is
added to the existing action as a comment, so its history shows the source), "hopp over" (skip),
or "behold begge" (keep both). The default comes from the caller (the CLI's --duplicates flag,
merge in chat).
"""

from __future__ import annotations

import re
from datetime import date
from difflib import SequenceMatcher
from typing import Any

from sqlalchemy import select

from handlers.core.clock import local_date
from handlers.core.context import Context
from handlers.core.text import fold
from storage.models import Action, Meeting

CHOICES = ("merge", "skip", "keep")
SIMILAR = 0.8
# Words that say nothing about what is to be done.
_COMMON = frozenset({
    "og", "i", "til", "for", "av", "en", "et", "ei", "eit", "ein", "om", "med", "på", "innen", "innan",
    "som", "det", "den", "de", "skal", "må", "vil", "seg", "sin", "sitt", "sine", "fra", "frå", "senest",
    "januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
    "november", "desember", "uke", "veke", "frist",
})  # fmt: skip


def _stems(text: str, names: frozenset[str]) -> set[str]:
    """Content words cut to five letters, so "sende"/"sender" and "planen"/"planar" meet; the
    parties' own names are left out (two tasks for one party share those words by nature)."""
    return {
        w[:5] for w in re.findall(r"[^\W\d_]+", fold(text))
        if len(w) > 2 and w not in _COMMON and w not in names
    }


def similarity(a: str, b: str, names: frozenset[str] = frozenset()) -> float:
    """How alike two action texts are, 0..1: the share of the shorter text's content words found
    in the other, or difflib's ratio over those words, whichever is higher."""
    sa, sb = _stems(a, names), _stems(b, names)
    if len(sa) < 2 or len(sb) < 2:
        return 0.0
    shorter, longer = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    overlap = len(shorter & longer) / len(shorter)
    ratio = SequenceMatcher(None, " ".join(sorted(sa)), " ".join(sorted(sb))).ratio()
    return max(overlap, ratio)


def _party_words(ctx: Context, keys: list[str]) -> frozenset[str]:
    words: set[str] = set()
    for key in keys:
        for name in (ctx.resolver.name(key), ctx.resolver.short_name(key)):
            words.update(re.findall(r"\w+", fold(name)))
    return frozenset(words)


def find_meeting(ctx: Context, info: dict[str, Any]) -> Meeting | None:
    """The stored meeting a plan's meeting is (same kind, day and county), if any."""
    if not info or not info.get("date"):
        return None
    day = date.fromisoformat(info["date"])
    for meeting in ctx.session.scalars(select(Meeting).where(Meeting.kind == (info.get("kind") or "other"))):
        if local_date(meeting.starts_at, ctx.tz) == day and (meeting.region or None) == (info.get("region") or None):
            return meeting
    return None


def mark(ctx: Context, stored: dict[str, Any], default: str = "merge") -> int:
    """Mark each planned action that repeats an open action of its meeting; returns how many."""
    meeting = find_meeting(ctx, stored.get("meeting") or {})
    if meeting is None:
        return 0
    open_actions = list(ctx.session.scalars(
        select(Action).where(Action.meeting_id == meeting.id, Action.status == "open").order_by(Action.id)
    ))
    count = 0
    for item in stored["actions"]:
        if any(a.origin_key == f"import:{item['fingerprint']}" for a in open_actions):
            continue  # the same protocol imported before: stored once anyway
        keys = sorted(p for p in item["parties"] if not p.startswith("?"))
        names = _party_words(ctx, keys)
        best: tuple[Action, float] | None = None
        for action in open_actions:
            if sorted(action.party_keys) != keys:
                continue
            score = similarity(item["text"], action.text, names)
            if score >= SIMILAR and (best is None or score > best[1]):
                best = (action, score)
        if best is not None:
            item["duplicate"] = {"id": best[0].id, "text": best[0].text, "similarity": round(best[1], 2)}
            item["choice"] = default
            count += 1
    return count
