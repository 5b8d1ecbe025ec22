"""Turning what people write about responsibility into party keys, and back into names.

Protocols and chat name parties loosely: "FK og KDD", "AU for Nasjonal samhandlingsmodell",
"Fylkeskommunene Nordland, Innlandet og Møre- og Romsdal", "IN Nordland", "KDD/KD". Every follow-up
action still needs exact keys, because reminders are routed by key. The resolver here bridges the
two under one rule that matters more than convenience: **a name that matches nothing is never
guessed onto another party.** It is reported back as unknown, as written, so the user can correct
it or create it as an ad-hoc group; `suggest()` offers close matches, but only as suggestions.

How a text is read (`PartyResolver.resolve`):

1. Folding: case, punctuation, hyphens and extra spaces are ignored; æ → ae, ø → o, å → a and other
   accents are stripped, so "More og Romsdal", "Møre- og Romsdal" and "møre-og-romsdal" are equal.
2. Hard separators (`, ; / & + | ( ) •`, line breaks) always split a list.
3. Inside each piece, the words "og", "samt", "eller", "and" split the list too, except where they
   belong to a known name ("Møre og Romsdal", "Kommunal- og distriktsdepartementet"). The split is
   chosen by a small dynamic programme that first minimises the number of words left unknown and
   then prefers fewer, longer names. So "Innlandet og Møre og Romsdal" is two counties, not three
   pieces, and on a date after 2023 "Troms og Finnmark" is Troms and Finnmark (the old joint county
   no longer exists, but both names in the text do), while before 2024 it is the joint county.
4. A piece must match a party *as a whole*; a known word inside an unknown phrase does not count
   ("Arbeidsgruppa for IN-saker" stays unknown). The only patterns are
   "<fylkeskommunene|fylkeskommunen|FK> [i] <county>" → that county (so "Fylkeskommunene Nordland"
   is Nordland, not every county) and "<agency or KS> [i|region] <county>" → the agency (regional
   offices such as "IN Nordland" or "Innovasjon Norge Vestland").
5. Dates: with `on`, a party that did not exist on that day is unknown (with `suggest(on=...)`
   offering its successors or predecessors); with `on=None` every party counts.
6. Meeting context: with `county=<key>` (a regional meeting), "fylkeskommunen", "fylket" and "FK"
   mean that county. Without it, "fylkeskommunen" is unknown (there is no way to know which one),
   while "FK" keeps its national meaning, the group of all county councils.

When several parties claim the same folded name on a date, the first one given to the constructor
wins; the registry is passed first, so an ad-hoc party can never shadow a registry party.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

from handlers.core.catalog import t
from handlers.core.errors import PartyError
from storage.registry import ALL_COUNTIES, KINDS, REGISTRY, PartyInfo

__all__ = [
    "KINDS",
    "REGISTRY",
    "PartyInfo",
    "PartyResolver",
    "Resolution",
    "default_resolver",
    "format_parties",
    "join_names",
    "normalise",
]

# A word is a run of letters or digits; anything else between words is ignored, except the hard
# separators, which end a list item.
_TOKEN = re.compile(r"[^\W_]+|[,;/&+|()\[\]{}\n\r\t•]")
_WORD = re.compile(r"[^\W_]+")

# Words that separate list items unless they are part of a known name.
_SOFT_SEPARATORS = frozenset({"og", "samt", "eller", "and"})
# In a regional meeting these mean the meeting's own county council.
_CONTEXT_WORDS = frozenset({"fylkeskommunen", "fylkeskommuna", "fylket", "fk"})
# Words that, followed by a county name, name that county: "Fylkeskommunene Nordland".
_COUNTY_PREFIX_WORDS = frozenset(
    {"fylkeskommunen", "fylkeskommune", "fylkeskommuna", "fylkeskommunane", "fylke", "fylket"}
)
# Optional filler between a prefix and a county: "fylkeskommunen i Nordland", "IN region Vest".
_CONNECTORS = frozenset({"i", "region"})
# Parties that have regional offices named after counties ("IN Nordland", "KS Agder").
_OFFICE_KINDS = frozenset({"agency", "organisation"})

_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a"})

# Marks a match that stands for the successors of a county split in 2024 (and, with _EXPLICIT,
# that the text said so itself: "tidligere Viken"). Never stored: `resolve` replaces it.
_SUCCESSORS = "=>"
_EXPLICIT = "!"
_FORMER = re.compile(r"(?:de |dei )?(?:tidligere|tidlegare|gamle|forhenvaerende|forrige) (?P<name>.+?)(?: ?fylkene| ?fylka)?")
# Words that end a list of parties: "i fellesskap", "sammen" (folded).
_FILLER_TAILS = (
    ("i", "fellesskap"), ("i", "fellesskab"), ("i", "samarbeid"), ("sammen",), ("saman",), ("i", "lag"),
    ("felles",), ("i", "felleskap"), ("begge",), ("alle", "tre"), ("i", "samarbeid", "med", "hverandre"),
)  # fmt: skip
# Verbs that follow the responsible party in minutes ("KS lager …", "Siva følger opp …"), folded.
# A closed list on purpose: "saker" or "kontorer" also end in -er and are not verbs.
_VERBS = frozenset(
    {"lager", "lagar", "folger", "folgjer", "sender", "sendar", "skriver", "skriv", "tar", "tek", "har", "er", "skal",
     "vil", "ma", "bor", "kan", "gjor", "gjer", "ser", "sjekker", "sjekkar", "kaller", "kallar", "inviterer",
     "koordinerer", "utarbeider", "utarbeidar", "utreder", "greier", "undersoker", "undersokjer", "leverer",
     "leverar", "henter", "hentar", "ordner", "innkaller", "innkallar", "forbereder", "forebur", "legger", "legg",
     "setter", "set", "kontakter", "kontaktar", "avklarer", "avklarar", "oppdaterer", "sammenstiller",
     "samanstiller", "planlegger", "planlegg", "sorger", "syter", "melder", "informerer", "orienterer",
     "presenterer", "vurderer", "vurderar", "arrangerer", "overtar", "samordner", "samordnar", "gir", "gjev",
     "svarer", "svarar", "bestiller", "distribuerer", "arbeider", "jobber", "starter", "startar",
     "oppretter", "opprettar", "spiller", "spelar", "stiller", "kommer", "kjem", "fortsetter", "held",
     "holder", "deltar", "lanserer", "etablerer", "foreslar", "foreslaar", "skaffer", "skaffar"}
)  # fmt: skip


@lru_cache(maxsize=8192)
def _fold_word(word: str) -> str:
    """Case- and accent-insensitive form of one word."""
    folded = unicodedata.normalize("NFKD", word.casefold().translate(_FOLD))
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


# Every request builds a resolver over the same few hundred party names; folding them again was a
# third of a `liste`'s time (issue 19).
@lru_cache(maxsize=8192)
def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in (_fold_word(m.group()) for m in _WORD.finditer(text)) if w)


def normalise(text: str) -> str:
    """The folded form used for every comparison: "Møre- og  Romsdal!" -> "more og romsdal"."""
    return " ".join(_words(text))


@dataclass(frozen=True)
class Resolution:
    """What a text named: known keys in order of appearance, and the rest as written."""

    keys: tuple[str, ...]
    unknown: tuple[str, ...] = ()
    # Readings that should be confirmed: "Viken er nå Akershus, Buskerud og Østfold – alle tre?"
    questions: tuple[str, ...] = ()
    reformed: tuple[str, ...] = ()  # keys of the old counties the questions are about

    @property
    def complete(self) -> bool:
        """True when everything in the text was recognised (and something was)."""
        return bool(self.keys) and not self.unknown

    def as_json(self) -> list[str]:
        """Keys, then unknown names marked with "?", as machine-readable outputs write them."""
        return [*self.keys, *(f"?{name}" for name in self.unknown)]


@dataclass(frozen=True)
class _Token:
    word: str  # folded
    start: int  # offsets in the original text, to report unknown names as written
    end: int


# A piece's match: ("ok", key), ("stale", key) for a party that did not exist on the date, or None.
_Match = tuple[str, str] | None
# One step of the list parser: (cost, where the next item starts, key or (start, end) of unknown text).
_Choice = tuple[tuple[int, int], int, str | tuple[int, int] | None]


class PartyResolver:
    """Resolves party names for one set of parties: the registry plus any ad-hoc parties."""

    def __init__(self, parties: Iterable[PartyInfo]) -> None:
        self._parties: dict[str, PartyInfo] = {}
        for party in parties:
            if party.key in self._parties:
                raise ValueError(f"party key {party.key!r} given twice")
            if party.kind not in KINDS:
                raise ValueError(f"party {party.key!r} has unknown kind {party.kind!r}")
            self._parties[party.key] = party
        for party in self._parties.values():
            for member in party.members:
                if member != ALL_COUNTIES and member not in self._parties:
                    raise ValueError(f"group {party.key!r} names unknown member {member!r}")

        # folded name -> keys claiming it, in constructor order
        self._index: dict[str, list[str]] = {}
        longest = 1
        for party in self._parties.values():
            for written in (party.key, party.name, party.short, *party.aliases):
                words = _words(written)
                if not words:
                    continue
                longest = max(longest, len(words))
                claimants = self._index.setdefault(" ".join(words), [])
                if party.key not in claimants:
                    claimants.append(party.key)
        # prefix + connector + name: the longest piece that can still be a match
        self._max_words = 2 * longest + 1
        self._county_prefixes = _COUNTY_PREFIX_WORDS | {
            name
            for name, keys in self._index.items()
            if any(self._parties[k].members == (ALL_COUNTIES,) for k in keys)
        }
        self._predecessors: dict[str, list[str]] = {}
        for party in self._parties.values():
            for successor in party.replaced_by:
                self._predecessors.setdefault(successor, []).append(party.key)

    # -- the set of parties -------------------------------------------------------------------

    @property
    def parties(self) -> tuple[PartyInfo, ...]:
        return tuple(self._parties.values())

    def get(self, key: str) -> PartyInfo | None:
        return self._parties.get(key)

    def extended(self, extra: Iterable[PartyInfo]) -> PartyResolver:
        """A resolver that also knows `extra` (e.g. an ad-hoc group created a moment ago)."""
        return PartyResolver([*self._parties.values(), *extra])

    def name(self, key: str) -> str:
        """The official name; "?x" (an unknown name as stored) and stale keys show as themselves.

        Display must never fail on old data, so this is lenient where `expand` is strict.
        """
        party = self._parties.get(key)
        if party is not None:
            return party.name
        return key[1:] if key.startswith("?") else key

    def short_name(self, key: str) -> str:
        """The compact name used in lists and tables: "AU", "KDD", "Nordland", "Innovasjon Norge"."""
        party = self._parties.get(key)
        if party is not None:
            return party.display_short
        return key[1:] if key.startswith("?") else key

    def label(self, key: str) -> str:
        """The name to use in running text: short forms, except counties.

        "Nordland" alone reads as the region, so a county council gets its full name
        ("Nordland fylkeskommune", "Oslo kommune"); everyone else is known by the short form.
        """
        party = self._parties.get(key)
        if party is not None and party.kind == "county":
            return party.name
        return self.short_name(key)

    def expand(self, key: str, on: date | None) -> list[str]:
        """The concrete parties behind `key` on `on`: a group's members, or `[key]` itself.

        Groups are expanded recursively, members that did not exist on `on` are left out, and no
        key appears twice. A concrete party is returned as it is even on a date it did not exist:
        the caller asked for it by key. Raises KeyError for an unknown key, because routing a
        reminder to a key nobody knows is a bug, not something to paper over.
        """
        if key not in self._parties:
            raise KeyError(key)
        found: list[str] = []
        self._expand_into(key, on, found, set())
        return found

    def _expand_into(self, key: str, on: date | None, found: list[str], seen: set[str]) -> None:
        party = self._parties[key]
        if party.kind != "group":
            if key not in found:
                found.append(key)
            return
        if key in seen:  # a cycle between groups: each group is expanded once
            return
        seen.add(key)
        for member in party.members:
            if member == ALL_COUNTIES:
                targets = [p.key for p in self._parties.values() if p.kind == "county"]
            else:
                targets = [member]
            for target in targets:
                target_party = self._parties[target]
                if target_party.kind == "group":
                    self._expand_into(target, on, found, seen)
                elif target_party.valid_on(on) and target not in found:
                    found.append(target)

    # -- reading text ---------------------------------------------------------------------------

    def resolve(
        self, text: str, *, on: date | None = None, county: str | None = None, deadline: date | None = None
    ) -> Resolution:
        """All parties named in `text`; see the module docstring for how the text is read.

        `deadline`: a party that exists on the deadline counts too (an action written in December
        2023 for Akershus, due in 2024).
        """
        self._check_county(county)
        keys: list[str] = []
        unknown: list[str] = []
        questions: list[str] = []
        reformed: list[str] = []
        self._deadline = deadline
        try:
            for chunk, in_parens in _chunks(text):
                chunk, stop = _before_verb(_without_filler(chunk))
                if not chunk:
                    if stop:
                        break
                    continue
                items = self._parse_chunk(chunk, on, county)
                if in_parens and keys and not any(isinstance(item, str) for item in items):
                    # "IN Nordland (regionkontoret)": a note on the party before it, not a party.
                    continue
                for item in items:
                    if isinstance(item, str):
                        found = [item]
                        if item.startswith(_SUCCESSORS):
                            item, found = item[len(_SUCCESSORS) :], self._successors(item[len(_SUCCESSORS) :], on)
                            written = " ".join(tok.word for tok in chunk)
                            if not item.startswith(_EXPLICIT) and not self._names_all(written, found):
                                questions.append(self._reform_question(item, found))
                                reformed.append(item)
                        for key in found:
                            if key not in keys:
                                keys.append(key)
                    else:
                        written = " ".join(text[item[0] : item[1]].split())
                        if written not in unknown:
                            unknown.append(written)
                if stop:
                    break
        finally:
            self._deadline = None
        return Resolution(tuple(keys), tuple(unknown), tuple(questions), tuple(reformed))

    def _successors(self, marked: str, on: date | None) -> list[str]:
        key = marked[len(_EXPLICIT) :] if marked.startswith(_EXPLICIT) else marked
        party = self._parties[key]
        return [k for k in party.replaced_by if self._parties[k].valid_on(on) or self._valid_later(k)] or [key]

    def _names_all(self, written: str, found: list[str]) -> bool:
        """"Troms og Finnmark" after 2023 names both successors itself: nothing to ask ("TFFK" does not)."""
        return all(f" {normalise(self._parties[k].display_short)} " in f" {written} " for k in found)

    def _reform_question(self, key: str, found: list[str]) -> str:
        names = [self._parties[k].display_short for k in found]
        which = t(f"parties.reform_which.{len(names)}" if len(names) in (2, 3) else "parties.reform_which.many")
        return t("parties.reform_question", old=self._parties[key].display_short, new=join_names(names),
                 which=which)

    def lookup(self, name: str, *, on: date | None = None, county: str | None = None) -> str | None:
        """The key of one name, or None; a list ("FK og KDD") is not one name and gives None."""
        self._check_county(county)
        match = self._match(_words(name), on, county)
        if match is None or match[0] != "ok" or match[1].startswith(_SUCCESSORS):
            return None  # an old county now split is several parties, not one
        return match[1]

    def suggest(self, name: str, limit: int = 3, *, on: date | None = None) -> list[str]:
        """Display names the user may have meant by `name`; never applied automatically.

        A party that exists but not on `on` suggests its successors (Viken after 2023 → Akershus,
        Buskerud, Østfold) or predecessors; without `on`, a party that has been replaced suggests
        its successors. Anything else gets the closest names by spelling (difflib), among the
        parties valid on `on`.
        """
        words = _words(name)
        if not words or limit <= 0:
            return []
        exact = self._match(words, None, None)
        if exact is not None:
            party = self._parties[exact[1]]
            if on is None:
                related = list(party.replaced_by) or [party.key]
            elif party.valid_on(on):
                related = [party.key]
            elif party.valid_to is not None and on > party.valid_to:
                related = list(party.replaced_by)
            else:
                related = self._predecessors.get(party.key, [])
            related = [k for k in related if self._parties[k].valid_on(on)]
            if related:
                return [self._parties[k].name for k in related[:limit]]
        candidates: dict[str, str] = {}
        for folded, keys in self._index.items():
            for key in keys:
                if self._parties[key].valid_on(on):
                    candidates.setdefault(folded, key)
                    break
        suggestions: list[str] = []
        for folded in difflib.get_close_matches(" ".join(words), candidates, n=limit * 6, cutoff=0.75):
            display = self._parties[candidates[folded]].name
            if display not in suggestions:
                suggestions.append(display)
        return suggestions[:limit]

    def explain_unknown(self, name: str, *, on: date | None = None, county: str | None = None) -> str:
        """A Norwegian sentence saying why `name` was not accepted, with suggestions if any."""
        words = _words(name)
        if county is None and " ".join(words) in _CONTEXT_WORDS - {"fk"}:
            return t("parties.context_without_county", name=name)
        exact = self._match(words, None, None)
        suggestions = self.suggest(name, on=on)
        if exact is not None and on is not None and not self._parties[exact[1]].valid_on(on):
            party = self._parties[exact[1]]
            if party.valid_to is not None and on > party.valid_to:
                message = t(
                    "parties.ended", party=party.name, name=name, valid_to=_day(party.valid_to), on=_day(on)
                )
            else:
                assert party.valid_from is not None
                message = t(
                    "parties.not_started",
                    party=party.name,
                    name=name,
                    valid_from=_day(party.valid_from),
                    on=_day(on),
                )
            if suggestions:
                message += " " + t(
                    "parties.suggest_instead", suggestions=join_names(suggestions, "parties.or")
                )
            return message
        if suggestions:
            return t("parties.unknown_suggest", name=name, suggestions=join_names(suggestions, "parties.or"))
        return f"{t('parties.unknown', name=name)} {t('parties.adhoc_hint')}"

    def require(self, text: str, *, on: date | None = None, county: str | None = None) -> tuple[str, ...]:
        """Like `resolve`, but every name must be known: raises PartyError otherwise.

        For handlers that must not store a half-understood list; the error carries one sentence
        per unknown name and the suggestions as buttons.
        """
        resolution = self.resolve(text, on=on, county=county)
        if resolution.questions:
            raise PartyError(" ".join([*resolution.questions, self.reform_hint(resolution)]),
                             self.reform_suggestions(resolution))
        if resolution.unknown:
            messages = [self.explain_unknown(n, on=on, county=county) for n in resolution.unknown]
            suggestions: list[str] = []
            for unknown_name in resolution.unknown:
                for suggestion in self.suggest(unknown_name, on=on):
                    if suggestion not in suggestions:
                        suggestions.append(suggestion)
            raise PartyError(" ".join(messages), suggestions)
        if not resolution.keys:
            raise PartyError(t("parties.missing"))
        return resolution.keys

    def reform_hint(self, resolution: Resolution) -> str:
        """How to answer a reform question: "tidligere Viken" for all, or one county by name."""
        olds = [self._parties[k].display_short for k in resolution.reformed]
        return t("parties.reform_hint", old=olds[0] if olds else "")

    def reform_suggestions(self, resolution: Resolution) -> list[str]:
        """The successors' names, as buttons or suggestions."""
        found: list[str] = []
        for old in resolution.reformed:
            for key in self._parties[old].replaced_by:
                if self._parties[key].name not in found:
                    found.append(self._parties[key].name)
        return found

    # -- internals ------------------------------------------------------------------------------

    def _check_county(self, county: str | None) -> None:
        if county is None:
            return
        party = self._parties.get(county)
        if party is None or party.kind != "county":
            raise ValueError(f"{county!r} is not a county key")

    def _valid_later(self, key: str) -> bool:
        deadline = getattr(self, "_deadline", None)
        return deadline is not None and self._parties[key].valid_on(deadline)

    def _by_name(self, folded: str, on: date | None, kinds: frozenset[str] | None = None) -> _Match:
        keys = [k for k in self._index.get(folded, ()) if kinds is None or self._parties[k].kind in kinds]
        if not keys:
            return None
        for key in keys:
            if self._parties[key].valid_on(on) or self._valid_later(key):
                return ("ok", key)
        party = self._parties[keys[0]]
        if on is not None and party.replaced_by and party.valid_to is not None and on > party.valid_to:
            # Viken after 2023: its successors, with a question (`resolve`), never an unknown party.
            return ("ok", _SUCCESSORS + keys[0])
        return ("stale", keys[0])

    def _match(self, words: Sequence[str], on: date | None, county: str | None) -> _Match:
        """Match one list item, as a whole, to a party."""
        if not words or len(words) > self._max_words:
            return None  # longer than any name or pattern: cannot match
        phrase = " ".join(words)
        if county is not None and phrase in _CONTEXT_WORDS:
            return ("ok", county)
        former = _FORMER.fullmatch(phrase)
        if former is not None:
            # "tidligere Viken", "de tidligere Viken-fylkene": the successors valid on the date.
            old = self._by_name(former.group("name"), None, frozenset({"county"}))
            if old is not None and self._parties[old[1]].replaced_by:
                party = self._parties[old[1]]
                if on is None or party.valid_on(on):
                    return ("ok", party.key)
                return ("ok", _SUCCESSORS + _EXPLICIT + party.key)
        direct = self._by_name(phrase, on)
        if direct is not None:
            return direct
        for cut in range(1, len(words)):
            head, tail = " ".join(words[:cut]), list(words[cut:])
            if tail[0] in _CONNECTORS and len(tail) > 1:
                tail = tail[1:]
            place = " ".join(tail)
            if head in self._county_prefixes:
                found = self._by_name(place, on, frozenset({"county"}))
                if found is not None:
                    return found
            office = self._by_name(head, on, _OFFICE_KINDS)
            # Regional offices keep old county names ("IN Viken"), so any county counts here.
            if office is not None and self._by_name(place, None, frozenset({"county"})) is not None:
                return office
        return None

    def _parse_chunk(
        self, tokens: list[_Token], on: date | None, county: str | None
    ) -> list[str | tuple[int, int]]:
        """Split one hard-separated piece into items: keys, or (start, end) of unknown text.

        best[i] is the cheapest reading of tokens[i:], cost = (unknown words, items).
        """
        n = len(tokens)
        soft = [tok.word in _SOFT_SEPARATORS for tok in tokens]
        # next_soft[k]: first soft separator at or after k; next_word[k]: first other word (n if none).
        # Precomputed so that long inputs stay linear.
        next_soft = [n] * (n + 1)
        next_word = [n] * (n + 1)
        for k in range(n - 1, -1, -1):
            next_soft[k] = k if soft[k] else next_soft[k + 1]
            next_word[k] = next_word[k + 1] if soft[k] else k

        best: list[_Choice] = [((0, 0), n, None)] * (n + 1)
        for i in range(n - 1, -1, -1):
            if soft[i]:
                best[i] = best[next_word[i]]
                continue
            # An item ends before a soft separator or at the end; a known name is at most
            # _max_words long, an unknown item runs to the next separator.
            ends = {j for j in range(i + 1, min(n, i + self._max_words) + 1) if j == n or soft[j]}
            ends.add(next_soft[i])
            choice: _Choice | None = None
            for j in sorted(ends):
                if soft[j - 1]:
                    continue
                match = (
                    self._match([tok.word for tok in tokens[i:j]], on, county)
                    if j - i <= self._max_words
                    else None
                )
                known = match is not None and match[0] == "ok"
                rest = best[next_word[j]]
                cost = ((0 if known else j - i) + rest[0][0], 1 + rest[0][1])
                item = match[1] if known and match is not None else (tokens[i].start, tokens[j - 1].end)
                if choice is None or cost < choice[0]:
                    choice = (cost, next_word[j], item)
            assert choice is not None
            best[i] = choice

        items: list[str | tuple[int, int]] = []
        i = next_word[0]
        while i < n:
            _, nxt, item = best[i]
            assert item is not None
            items.append(item)
            i = nxt
        return items


def _chunks(text: str) -> list[tuple[list[_Token], bool]]:
    """Words of `text`, grouped into the pieces between hard separators, and whether in parentheses."""
    chunks: list[tuple[list[_Token], bool]] = [([], False)]
    depth = 0
    for m in _TOKEN.finditer(text):
        raw = m.group()
        if _WORD.fullmatch(raw):
            folded = _fold_word(raw)
            if folded:
                chunks[-1][0].append(_Token(folded, m.start(), m.end()))
            continue
        if raw in "([{":
            depth += 1
        elif raw in ")]}":
            depth = max(0, depth - 1)
        if chunks[-1][0]:
            chunks.append(([], depth > 0))
        else:
            chunks[-1] = ([], depth > 0)
    return [c for c in chunks if c[0]]


def _without_filler(tokens: list[_Token]) -> list[_Token]:
    """Drop "i fellesskap", "sammen", "i samarbeid" at the end: "KS og Siva i fellesskap" is KS and Siva."""
    words = [tok.word for tok in tokens]
    changed = True
    while changed and words:
        changed = False
        for tail in _FILLER_TAILS:
            if len(words) > len(tail) and tuple(words[-len(tail) :]) == tail:
                words, tokens = words[: -len(tail)], tokens[: -len(tail)]
                changed = True
    return tokens


def _before_verb(tokens: list[_Token]) -> tuple[list[_Token], bool]:
    """The words before the first verb, and whether there was one: "KS lager notat" names KS.

    Everything after a verb describes the work, so the caller stops reading parties there.
    """
    for position, tok in enumerate(tokens):
        if position > 0 and tok.word in _VERBS:
            return tokens[:position], True
    return tokens, False


def _day(d: date) -> str:
    return f"{d.day}.{d.month}.{d.year}"


def join_names(names: Sequence[str], conjunction: str = "parties.and") -> str:
    """ "A", "A og B", "A, B og C" — Norwegian lists have no comma before the last word."""
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} {t(conjunction)} {names[-1]}"


def format_parties(keys: Iterable[str], resolver: PartyResolver, *, short: bool = False) -> str:
    """Responsible parties as a sentence fragment: "AU, KDD og Nordland fylkeskommune".

    `short=True` gives the compact list form ("AU, KDD og Nordland") for tables and digests.
    Unknown names stored as "?x" show as "x". No keys gives "ingen".
    """
    names = [resolver.short_name(k) if short else resolver.label(k) for k in keys]
    return join_names(names) if names else t("parties.none")


@cache
def default_resolver() -> PartyResolver:
    """A resolver over the registry alone, for code that has no database at hand."""
    return PartyResolver(REGISTRY)
