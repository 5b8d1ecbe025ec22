"""The meeting a protocol records, and the next meeting it announces.

A protocol opens with a line such as "Nasjonal samhandlingsmodell Frosta 11. mai kl. 08:30- kl.
14:00 2023" (the year may come last) or "Dialogmøte Nordland fylkeskommune, Bodø 3. april 2024 kl.
10–15", and may end with "Neste møte: Vårmøte 24. april 2024 i Trondheim". This module reads
those lines: date (converted by `handlers.dates.parse_date`), start and end time, place, title,
kind and region. Only the layout of the line is interpreted here; dates and party names go
through the shared parsers.

Kind: "dialogmøte" or a county named in the title makes a regional meeting of that county;
"arbeidsutvalg"/"AU-møte" an AU meeting; "styringsgruppe" a steering-group meeting; anything else
is a national meeting. Spring is January–June and autumn July–December, as the agreement places
the meetings (seed 003: national spring/autumn meetings, regional ones in April and November).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time

from handlers.dates import parse_date
from handlers.errors import DateError
from handlers.parties import PartyResolver
from handlers.text import fold


@dataclass(frozen=True)
class MeetingInfo:
    """A meeting as the protocol describes it; any field may be unknown (None)."""

    title: str | None
    kind: str | None
    date: date | None
    start: time | None = None
    end: time | None = None
    place: str | None = None
    region: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "title": self.title,
            "kind": self.kind,
            "date": self.date.isoformat() if self.date else None,
            "start": self.start.strftime("%H:%M") if self.start else None,
            "end": self.end.strftime("%H:%M") if self.end else None,
            "place": self.place,
            "region": self.region,
        }


# "11. mai", "3. april", "1.januar": a day and a word that `parse_date` may accept as a month.
_DAY_WORD = re.compile(r"(?<![\d.])(\d{1,2})\.\s*([A-Za-zÆØÅæøå]{3,})\.?")
_NUMERIC_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?![\d.])")
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?!\d)")
_TIME = re.compile(
    r"(?:\bkl\.?\s*|\b(?=\d{1,2}[:.]\d{2}))(\d{1,2})(?:[:.](\d{2}))?(?![\d])",
    re.IGNORECASE,
)
_RANGE_END = re.compile(r"^\s*[-–—]\s*(?:kl\.?\s*)?(\d{1,2})(?:[:.](\d{2}))?(?!\d)", re.IGNORECASE)
_PLACE_AFTER = re.compile(r"(?:^|[\s,])(?:i|på)\s+([A-ZÆØÅ][\wæøåÆØÅ-]*(?:\s+[A-ZÆØÅ][\wæøåÆØÅ-]*)*)")
_NEXT_MEETING = re.compile(r"^\s*neste\s+m(?:ø|o)te\s*(?:er|blir)?\s*[:\-–]?\s*", re.IGNORECASE)
_LABEL = re.compile(r"^\s*(?:sted|møtested|stad)\s*:\s*(.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class _Found:
    day: date
    start: int  # span of the date (and time) in the line, to cut title and place around it
    end: int


def _find_date(line: str, *, today: date | None) -> _Found | None:
    """The first calendar date in a header line.

    The day and month word are located here; turning them into a date is `parse_date`'s job. A
    year is taken from right after the month, else from the first four-digit year anywhere in the
    line (the seed protocol puts it after the time). Without a year, `today` decides (the next
    such date on or after it), which is how "Neste møte: 24. april" is read.
    """
    for match in _NUMERIC_DATE.finditer(line):
        year = int(match.group(3))
        year += 2000 if year < 100 else 0
        try:
            # `today` only anchors the parser's plausibility check; the year is in the text.
            parsed = parse_date(match.group(0), today or date(year, 1, 1), allow_past=True)
        except DateError:
            continue
        if parsed.date is not None:
            return _Found(parsed.date, match.start(), match.end())
    for match in _DAY_WORD.finditer(line):
        day, word = match.group(1), match.group(2)
        end = match.end()
        after = _YEAR.match(line[end:].lstrip())
        if after is not None:
            year = after.group(1)
            end = end + (len(line[end:]) - len(line[end:].lstrip())) + after.end()
        else:
            anywhere = _YEAR.search(line)
            year = anywhere.group(1) if anywhere else None
        if year is None and today is None:
            continue
        text = f"{day}. {word} {year}" if year else f"{day}. {word}"
        try:
            parsed = parse_date(text, today or date(int(year or 2000), 1, 1), allow_past=True)
        except DateError:
            continue  # "3. rapport", "2. gangs" …: not a month
        if parsed.date is not None:
            return _Found(parsed.date, match.start(), end)
    return None


def _times(text: str) -> tuple[time | None, time | None]:
    """Start and end time: "kl. 08:30- kl. 14:00", "kl. 10–15", "09.00–12.00"."""
    found: list[time] = []
    position = 0
    while len(found) < 2:
        match = _TIME.search(text, position)
        if match is None:
            break
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        position = match.end()
        if hour > 23 or minute > 59:
            continue
        found.append(time(hour, minute))
        if len(found) == 1:
            # "kl. 10–15": an hour right after a dash is the end time even without "kl."
            rest = _RANGE_END.match(text[position:])
            if rest is not None and int(rest.group(1)) <= 23 and int(rest.group(2) or 0) <= 59:
                found.append(time(int(rest.group(1)), int(rest.group(2) or 0)))
                break
    start = found[0] if found else None
    end = found[1] if len(found) > 1 else None
    return start, end


def _strip_times(text: str) -> str:
    text = re.sub(r"\bkl\.?\s*\d{1,2}(?:[:.]\d{2})?(?:\s*[-–—]\s*(?:kl\.?\s*)?\d{1,2}(?:[:.]\d{2})?)?", " ", text)
    text = re.sub(r"\b\d{1,2}[:.]\d{2}\s*(?:[-–—]\s*\d{1,2}[:.]\d{2})?", " ", text)
    text = _YEAR.sub(" ", text)
    return " ".join(text.split())


class MeetingReader:
    """Reads meeting lines with the party resolver (county names, "is this word a party?")."""

    def __init__(self, resolver: PartyResolver) -> None:
        self.resolver = resolver

    # -- kinds and regions ------------------------------------------------------------------------
    def county_in(self, text: str, on: date | None) -> str | None:
        """The first county named in `text` (windows of up to four words, longest first)."""
        words = re.findall(r"[\wæøåÆØÅ-]+", text)
        for start in range(len(words)):
            for size in (4, 3, 2, 1):
                phrase = " ".join(words[start : start + size])
                if len(words[start : start + size]) < size or not phrase[:1].isupper():
                    continue
                key = self.resolver.lookup(phrase, on=on)
                party = self.resolver.get(key) if key else None
                if party is not None and party.kind == "county":
                    return key
        return None

    @staticmethod
    def season(title: str, day: date | None) -> str:
        folded = fold(title)
        if "varmote" in folded or "varsamling" in folded:
            return "spring"
        if "hostmote" in folded or "haustmote" in folded:
            return "autumn"
        return "spring" if day is None or day.month <= 6 else "autumn"

    def kind(self, title: str, day: date | None, *, region: str | None) -> str:
        folded = fold(title)
        season = self.season(title, day)
        if region is not None or "dialogmote" in folded or "regional" in folded:
            return f"regional-{season}"
        if re.search(r"\b(?:au[- ]?mote|arbeidsutvalgs?mote|mote i (?:au|arbeidsutvalget))\b", folded) or re.match(
            r"(?:au|arbeidsutvalget)\b", folded
        ):
            return "au"
        if "styringsgruppe" in folded:
            return "steering-group"
        return f"national-{season}"

    # -- lines ------------------------------------------------------------------------------------
    def header(self, paragraphs: list[str]) -> MeetingInfo | None:
        """The meeting of the first line (before the follow-up table) that carries a date."""
        for line in paragraphs:
            if _NEXT_MEETING.match(line) or len(line) > 200:
                continue
            info = self.parse_line(line, today=None)
            if info is not None:
                return info
        return None

    def next_meeting(self, paragraphs: list[str], *, after: date | None, current: MeetingInfo) -> MeetingInfo | None:
        """ "Neste møte: Vårmøte 24. april 2024 i Trondheim" anywhere in the free text."""
        for line in paragraphs:
            match = _NEXT_MEETING.match(line)
            if match is None:
                continue
            rest = line[match.end() :]
            info = self.parse_line(rest, today=after, family=current)
            if info is not None:
                return info
        return None

    def parse_line(self, line: str, *, today: date | None, family: MeetingInfo | None = None) -> MeetingInfo | None:
        found = _find_date(line, today=today)
        if found is None:
            return None
        before = line[: found.start]
        after = line[found.end :]
        start, end = _times(after)
        if start is None:
            start, end = _times(line)
        before_clean = _strip_times(before).strip(" ,;:-–—")
        after_clean = _strip_times(after)
        on = found.day

        place: str | None = None
        title = before_clean
        # Place after the date: "… 2024 i Trondheim", "…, Trondheim", or a "Sted:" label.
        label = _LABEL.match(after_clean)
        comma = re.match(r"^\s*,\s*([A-ZÆØÅ].*)$", after_clean)
        place_after = _PLACE_AFTER.search(after_clean)
        # A trailing weekday ("Frosta torsdag 11. mai") belongs to the date, not the title.
        words = title.split()
        while words and self._is_date_word(words[-1]):
            words.pop()
        title = " ".join(words)
        if label is not None:
            place = label.group(1).strip(" .,")
        elif comma is not None and not self._is_party(comma.group(1).strip(" ."), on, places=True):
            place = comma.group(1).strip(" .")
        elif place_after is not None and not self._is_party(place_after.group(1), on, places=True):
            place = place_after.group(1)
        elif after_clean.strip(" ,.").istitle() and after_clean.strip(" ,.") and not self._is_date_word(
            after_clean.strip(" ,.")
        ):
            place = after_clean.strip(" ,.")
        if place is None and title:
            # Place before the date: "…, Bodø 3. april" or "Nasjonal samhandlingsmodell Frosta 11. mai".
            if "," in title:
                head, _, tail = title.rpartition(",")
                tail = re.sub(r"^(?:i|på)\s+", "", tail.strip())
                if tail and tail[:1].isupper() and not self._is_party(tail, on, places=True) and not self._is_date_word(
                    tail
                ):
                    place, title = tail, head.strip()
            else:
                tail_match = re.search(r"(?:\s(?:i|på)\s+)?([A-ZÆØÅ][\wæøåÆØÅ-]*)$", " ".join(words))
                if (
                    len(words) >= 2
                    and tail_match is not None
                    and not self._is_party(tail_match.group(1), on)
                    and not self._is_date_word(tail_match.group(1))
                ):
                    place = tail_match.group(1)
                    title = " ".join(words)[: tail_match.start()].strip(" ,;:-–—")
                else:
                    title = " ".join(words)
        title = title.strip(" ,;:-–—") or None

        region = self.county_in(title or "", on)
        kind = self.kind(title or "", on, region=region)
        if family is not None and region is None:
            # "Neste møte: 12. oktober" (or "Vårmøte …" in a regional protocol): the same family
            # as this meeting unless the line says otherwise; the season follows the date.
            base = (family.kind or "national-spring").split("-")[0]
            if base == "regional" and "nasjonal" not in fold(title or ""):
                kind, region = f"regional-{self.season(title or '', on)}", family.region
            elif title is None:
                kind = f"{base}-{self.season('', on)}" if base in ("national", "regional") else family.kind
        return MeetingInfo(title=title, kind=kind, date=on, start=start, end=end, place=place, region=region)

    def _is_party(self, text: str, on: date | None, *, places: bool = False) -> bool:
        """Whether `text` names a party. With `places`, county names do not count: after a comma
        or "i" they name the town ("…, Oslo 12.10.2023", "… i Bodø"), not a county council."""
        key = self.resolver.lookup(text, on=on) or self.resolver.lookup(text)
        if key is None:
            return False
        party = self.resolver.get(key)
        return not (places and party is not None and party.kind == "county")

    @staticmethod
    def _is_date_word(word: str) -> bool:
        """Weekdays and similar words the date parser knows ("torsdag") are not places."""
        try:
            parsed = parse_date(word, date(2000, 1, 3), allow_past=True)
        except DateError:
            return False
        return parsed.meeting is None  # "dialogmøte" parses as a meeting reference: a title word
