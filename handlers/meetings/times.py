"""Times of day as people write them for meetings ("kl. 10", "10–15", "09:00-11:30")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from handlers.core.catalog import t
from handlers.core.errors import UserError

_CLOCK = r"(?P<{h}>\d{{1,2}})(?:[.:](?P<{m}>\d{{2}}))?"


_TIME = re.compile(
    r"(?:,\s*)?\b(?:kl\.?|klokka|klokken)\s*" + _CLOCK.format(h="h", m="m")
    + r"(?:\s*(?:-|–|—|til)\s*(?:kl\.?\s*)?" + _CLOCK.format(h="h2", m="m2") + r")?(?![\d.:])",
    re.IGNORECASE,
)


_COLON_TIME = re.compile(
    r"(?:,\s*)?\b(?P<h>\d{1,2}):(?P<m>\d{2})(?:\s*(?:-|–|—|til)\s*(?P<h2>\d{1,2}):(?P<m2>\d{2}))?(?![\d.:])"
)


_FORM_TIME = re.compile(
    r"^\s*(?:kl\.?\s*)?" + _CLOCK.format(h="h", m="m") + r"(?:\s*(?:-|–|—|til)\s*(?:kl\.?\s*)?"
    + _CLOCK.format(h="h2", m="m2") + r")?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Clock:
    start: time
    end: time | None


def _clock_from(match: re.Match[str], text: str) -> Clock:
    def one(h: str | None, m: str | None) -> time | None:
        if h is None:
            return None
        hour, minute = int(h), int(m or 0)
        if hour > 23 or minute > 59:
            raise UserError(t("meeting.bad_time", text=text.strip()))
        return time(hour, minute)

    start = one(match.group("h"), match.group("m"))
    assert start is not None
    end = one(match.group("h2"), match.group("m2"))
    if end is not None and end <= start:
        raise UserError(t("meeting.end_before_start", text=text.strip()))
    return Clock(start, end)


def parse_clock(text: str) -> Clock:
    """A time field: "10", "9.30", "kl. 9.30–15", "10:00-15:00"."""
    match = _FORM_TIME.match(text)
    if match is None:
        raise UserError(t("meeting.bad_time", text=text.strip()))
    return _clock_from(match, text)


def _take_clock(text: str) -> tuple[Clock | None, str]:
    for pattern in (_TIME, _COLON_TIME):
        match = pattern.search(text)
        if match is not None:
            return _clock_from(match, match.group()), f"{text[: match.start()]} {text[match.end() :]}"
    return None, text
