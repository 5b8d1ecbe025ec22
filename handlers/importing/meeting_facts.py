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
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, time

from handlers.core.errors import DateError
from handlers.core.text import fold
from handlers.dates.parse import parse_date
from handlers.parties.resolver import PartyResolver


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
    # Left out of equality: how the facts were found, not what they are.
    evidence: tuple[str, ...] = field(default=(), compare=False)  # which words gave kind and county
    unclear: tuple[str, ...] = field(default=(), compare=False)  # "kind", "region": ask the user
    found_date: date | None = field(default=None, compare=False)  # the date the protocol itself gives

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
_LABEL = re.compile(r"^\s*(?:sted|møtested|møtestad|stad)\s*:\s*(.+)$", re.IGNORECASE)
# Lines listing people or addresses: counties named there are not the meeting's county.
_PEOPLE = re.compile(
    r"^\s*(?:til\s+stede|tilstede|deltakere|deltakarar|deltok|forfall|meldt\s+forfall|referent|kopi|"
    r"fra|frå|til|sendt|dato\s+sendt|møteleder|møteleiar|ordstyrer|innkalt|mottakere|vedlegg)\b\s*:",
    re.IGNORECASE,
)
# A first line that names the document, not the meeting.
_GENERIC = frozenset({"protokoll", "referat", "motereferat", "moteprotokoll", "utkast", "protokoll/referat"})
_ANY_LABEL = re.compile(r"^\s*[\wæøåÆØÅ ]{2,20}:\s")


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
                if key is None and on is not None:
                    key = self._starting_soon(phrase, on)
                party = self.resolver.get(key) if key else None
                if party is not None and party.kind == "county":
                    return key
        return None

    def _starting_soon(self, phrase: str, on: date) -> str | None:
        """A county that did not exist yet on `on` but started within the year after it.

        Around a reform the new counties meet before they formally exist (a dialogue meeting
        with Akershus in December 2023 prepares the county that starts on 1 January 2024).
        """
        key = self.resolver.lookup(phrase)
        party = self.resolver.get(key) if key else None
        if party is None or party.kind != "county" or party.valid_from is None:
            return None
        return key if on < party.valid_from <= date(on.year + 1, on.month, min(on.day, 28)) else None

    @staticmethod
    def season(title: str, day: date | None) -> str:
        folded = fold(title)
        if "varmote" in folded or "varsamling" in folded:
            return "spring"
        if "hostmote" in folded or "haustmote" in folded:
            return "autumn"
        return "spring" if day is None or day.month <= 6 else "autumn"

    def kind(self, title: str, day: date | None, *, region: str | None) -> str:
        base, county, _ = self.classify(title, day, region=region)
        base = base or ("regional" if county else "national")
        return f"{base}-{self.season(title, day)}" if base in ("national", "regional") else base

    def classify(self, text: str, day: date | None, *, region: str | None = None) -> tuple[str | None, str | None, str]:
        """(kind family or None, county key or None, the words that decided) for a title.

        The kind's own words decide first; a county or town named in a national meeting's title
        is its place, not its region ("høstmøte Bergen" is national; "Administrativt dialogmøte
        … Agder fylkeskommune" is Agder's regional meeting). A county named without any kind
        word is probably its dialogue meeting, but that is a guess the caller must ask about.
        """
        folded = fold(text)
        county = region or self.county_in(text, day)
        au = re.search(r"(?<![\w-])(?:au(?:-?mote)?|arbeidsutval(?:g|get|et|gsmote))(?![\w-])", folded)
        if au is not None:
            return "au", None, au.group(0)
        steering = re.search(r"styringsgrupp\w*", folded)
        if steering is not None:
            return "steering-group", None, steering.group(0)
        dialogue = re.search(r"dialogmot\w*", folded)
        if dialogue is not None:
            return "regional", county, dialogue.group(0)
        national = re.search(r"nasjonal\w* mot\w*|nasjonal\w* samling\w*|varmot\w*|hostmot\w*|haustmot\w*", folded)
        if national is not None:
            return "national", None, national.group(0)
        regional = re.search(r"regional\w* (?:mot\w*|samling\w*)|fylkesvis\w*", folded)
        if regional is not None:
            return "regional", county, regional.group(0)
        forum = re.search(r"samhandlingsmodell\w*|samhandlingsforum\w*|fellesmot\w*|nasjonal\w*", folded)
        if forum is not None and county is None:
            return "national", None, forum.group(0)
        if county is not None:
            return None, county, ""
        return None, None, ""

    # -- the header of a protocol ------------------------------------------------------------------
    def read(
        self,
        lines: list[str],
        *,
        meeting_date: date | None = None,
        kind: str | None = None,
        region: str | None = None,
        region_key: Callable[[str, date], str] | None = None,
    ) -> MeetingInfo | None:
        """The meeting of a protocol from the lines above its follow-up, with overrides.

        The title is the first line that is not a label ("Dato:", "Til stede:"); the date is the
        first dated line; "Sted:" gives the place. The kind and county are read from the title
        and the dated line only: a list of those present names counties that are not the
        meeting's. What stays unclear is listed in `unclear`, for the preview to ask.
        """
        usable = [line for line in lines if len(line) <= 200 and not _NEXT_MEETING.match(line)]
        headline = [line for line in usable if not _PEOPLE.match(line)]
        dated: MeetingInfo | None = None
        dated_line = ""
        for line in headline[:15]:
            dated = self.parse_line(line, today=None)
            if dated is not None:
                dated_line = line
                break
        plain = [line for line in headline[:5] if not _ANY_LABEL.match(line) and fold(line).strip(" .:") not in _GENERIC]
        title = plain[0] if plain and dated is not None else None
        if dated is not None and dated.title and not _ANY_LABEL.match(dated_line) and dated_line == title:
            title = dated.title  # the title line carries the date: the part before it
        place = dated.place if dated else None
        if dated is not None and place is None and dated.title and title != dated.title:
            # "Kristiansand 9. april 2024" under a title line: the words before the date are a town.
            words = dated.title.split()
            if 1 <= len(words) <= 2 and all(w[:1].isupper() for w in words) and not self._is_party(
                dated.title, dated.date, places=True
            ) and self.classify(dated.title, dated.date)[2] == "":
                place = dated.title
        for line in headline[:15]:
            label = _LABEL.match(line)
            if label is not None:
                place = label.group(1).strip(" .")
                break
        day = meeting_date or (dated.date if dated else None)
        if day is None:
            return None
        zone = " ".join(dict.fromkeys(line for line in (*plain[:3], dated_line) if line))
        base, county, word = self.classify(zone, day)
        evidence: list[str] = []
        unclear: list[str] = []
        if word:
            evidence.append(f"type fra «{word}»")
        if base is None:
            unclear.append("kind")
            base = "regional" if county else "national"
        if base != "regional":
            county = None
        elif county is not None:
            evidence.append(f"fylke fra «{self.resolver.short_name(county)}»")
        if kind is not None:
            base = kind.split("-")[0] if kind.startswith(("national", "regional")) else kind
            unclear = [u for u in unclear if u != "kind"]
            evidence.append("type oppgitt ved import")
            if kind.endswith(("-spring", "-autumn")):
                season = kind.rsplit("-", 1)[1]
            else:
                season = self.season(zone, day)
        else:
            season = self.season(zone, day)
        if region is not None and region_key is not None:
            county = region_key(region, day)
            base = "regional" if kind is None else base
            unclear = [u for u in unclear if u != "kind"]
            evidence.append("fylke oppgitt ved import")
        if base == "regional" and county is None:
            unclear.append("region")
        full = f"{base}-{season}" if base in ("national", "regional") else base
        info = MeetingInfo(
            title=title.strip(" ,;:-–—") if title else None,
            kind=full,
            date=day,
            start=dated.start if dated else None,
            end=dated.end if dated else None,
            place=place,
            region=county if base == "regional" else None,
        )
        return replace(info, evidence=tuple(evidence), unclear=tuple(dict.fromkeys(unclear)),
                       found_date=dated.date if dated else None)

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
        if not kind.startswith("regional"):
            region = None  # a county named in a national meeting's title is where it was held
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
