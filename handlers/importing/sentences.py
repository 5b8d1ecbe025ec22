"""Sentences of a follow-up cell, and who (if anyone) each one commits.

The follow-up column mixes commitments ("AU følger opp", "KDD kommer tilbake med …") with
statements ("Nasjonal samhandlingsmodell er styringsgruppe for …", "Viktig å få lagt dette ut …").
The rule used here is grammatical and deliberately narrow:

    A sentence commits a party when a party is the *subject* of a finite verb that can carry a
    commitment (present tense or a modal such as "må"/"skal"), in the main clause or in a
    subordinate clause ("… der KDD kommer tilbake med …"), or the agent of a passive
    ("Saken følges opp av AU").

So a copula ("X er styringsgruppe"), an opinion ("KDD burde …"), the past ("… har vært med"), a
party mentioned anywhere else ("… ut på partenes hjemmesider", "… brev til KDD") and sentences
without a finite verb ("Viktig å …") commit nobody.

Parties come from `PartyResolver.resolve` on the subject phrase only; this module never maps a
name to a key itself. A subject that resolves to nothing known is accepted as an *unknown* party
only when it looks like someone who can be responsible (a group, committee, secretariat, an
acronym, a person's full name) and drives a verb from the commitment list: "Arbeidsgruppa
arbeider videre" gives "?Arbeidsgruppa", while "Missionssatsingen må koples opp" gives nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from handlers.parties.resolver import PartyResolver

# --- sentences ------------------------------------------------------------------------------------

# Abbreviations after which a full stop does not end a sentence (folded, without the final dot).
_ABBREVIATIONS = frozenset(
    {
        "kl", "ca", "f.eks", "feks", "bl.a", "jf", "jfr", "ref", "nr", "mill", "mrd", "kr", "pkt",
        "dvs", "osv", "mv", "m.m", "evt", "ev", "inkl", "ekskl", "ifm", "iht", "i.h.t", "vedr", "tlf",
        "avd", "dir", "prof", "dr", "ang", "pga", "p.g.a", "mht", "m.h.t", "vs", "etc", "m.fl",
        "o.l", "e.l", "st", "bl", "jan", "feb", "febr", "aug", "sep", "sept", "okt", "nov", "des",
    }
)  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[.!?])(?P<close>[\"»”)]*)\s+(?=[«\"“(]?[A-ZÆØÅÉÜ])")
_LAST_WORD = re.compile(r"(\S+)[.!?]$")
_LEADING_MARK = re.compile(r"^\s*(?:[•\-–—*·▪‣]\s*)+")


def split_sentences(paragraph: str) -> list[str]:
    """A paragraph as sentences: split after . ! ? before a capital letter, except after an
    abbreviation ("kl.", "f.eks.", "ref.") or an initial ("A. Hansen")."""
    text = _LEADING_MARK.sub("", " ".join(paragraph.split()))
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start() + len(match.group("close"))].strip()
        last = _LAST_WORD.search(candidate.rstrip("\"»”)"))
        word = last.group(1).lower().rstrip(".!?") if last else ""
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue
        if candidate:
            sentences.append(candidate)
        start = match.end()
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


# --- words ---------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿ][0-9A-Za-zÀ-ÖØ-öø-ÿ'’-]*|[,;:()«»\"/&]")


@dataclass(frozen=True)
class _Tok:
    text: str
    low: str
    start: int
    end: int

    @property
    def word(self) -> bool:
        return self.text[0].isalnum()

    @property
    def capital(self) -> bool:
        return self.text[0].isupper()


def _tokens(sentence: str) -> list[_Tok]:
    return [_Tok(m.group(), m.group().lower().rstrip("-"), m.start(), m.end()) for m in _TOKEN.finditer(sentence)]


# Modal verbs that state an obligation or plan. "kan", "burde", "skulle" are left out on purpose:
# "KDD burde også bli trukket mer inn" is an opinion, not a task for KDD.
_MODALS = frozenset({"må", "skal", "vil", "bør"})
# Present-tense verbs that commit their subject (bokmål and the common nynorsk forms).
_VERBS = frozenset(
    {
        "følger", "følgjer", "kommer", "kjem", "arbeider", "arbeidar", "jobber", "jobbar", "oppretter",
        "opprettar", "stiller", "stillar", "sender", "sendar", "lager", "lagar", "spiller", "speler",
        "inviterer", "sørger", "syter", "tar", "utarbeider", "utarbeidar", "undersøker", "vurderer",
        "ser", "går", "gir", "gjev", "holder", "held", "innkaller", "kaller", "koordinerer", "leder",
        "leiar", "planlegger", "planlegg", "skriver", "skriv", "utreder", "forbereder", "legger",
        "legg", "tilbyr", "melder", "rapporterer", "presenterer", "henter", "avklarer", "etablerer",
        "organiserer", "sjekker", "kontakter", "informerer", "utvikler", "setter", "samler",
        "fordeler", "oppdaterer", "distribuerer", "publiserer", "bestiller", "arrangerer", "bidrar",
        "deltar", "gjennomfører", "avholder", "formidler", "videreformidler", "oppnevner",
        "nominerer", "foreslår", "finansierer", "dekker", "svarer", "gjør", "fremmer", "kartlegger",
        "sammenstiller", "skaffer", "søker", "ordner", "igangsetter", "starter", "innhenter",
        "utformer", "beskriver", "evaluerer", "tek", "fortsetter", "viderefører",
        "ivaretar", "håndterer", "forankrer", "lyser", "booker", "drøfter", "vurderar", "ber",
        "spør", "oversender", "tilrettelegger", "inviterar", "etablerar", "leverer",
        # nynorsk present tense that the -er/-ar guess does not catch
        "gjer", "set", "sørgjer", "fylgjer", "kallar", "meldar", "skaffar", "leverar", "hentar",
        "ordnar", "samlar", "sjekkar", "svarar", "byd", "dreg", "greier",
    }
)  # fmt: skip
# Words ending in -er/-ar that are never the verb after a subject.
_NOT_VERBS = frozenset(
    {
        "der", "her", "hver", "etter", "over", "under", "mer", "fremover", "framover", "videre",
        "senere", "seinare", "tidligere", "tidlegare", "nåværende", "noverande", "eller", "vinter", "sommer", "kroner", "saker", "midler",
        "fylker", "dager", "fagdager", "partner", "nummer", "medlemmer", "representanter", "bedrifter",
        "aktører", "regioner", "kommuner", "departementer", "ordninger", "innspill", "tiltaker",
        "sider", "ganger", "måneder", "uker", "år", "svar", "par", "klar", "sammen",
    }
)  # fmt: skip
_NON_COMMITTING = frozenset(
    {
        "er", "var", "ble", "blir", "vart", "blei", "hadde", "kan", "burde", "skulle", "ville",
        # decisions made in the meeting itself: nothing left to follow up
        "godkjenner", "vedtar", "konstaterer", "noterer", "godkjende", "vedtek",
    }
)  # fmt: skip
# "AU ber KS om å …": the one asked is the one who acts, not the one asking.
_REQUEST_VERBS = frozenset({"ber", "anmoder", "oppfordrer", "oppmodar", "utfordrer"})
# After "har"/"får", these make it a commitment ("har ansvaret for", "får i oppdrag å").
_HAS_TASK = re.compile(r"^(?:ansvar\w*|oppgave\w*|oppdrag\w*|i\s+oppdrag|fått\s+(?:i\s+oppdrag|ansvar\w*))")
# Words that may sit inside a party name besides the name's own words.
_NAME_GLUE = frozenset({"og", "samt", "for", "i", ",", "/", "&", "region"})
# Words that can never be part of a subject phrase naming a party.
_FUNCTION_WORDS = frozenset(
    {
        "et", "en", "ei", "mellom", "med", "på", "til", "om", "av", "fra", "frå", "at", "som", "der",
        "det", "den", "de", "dei", "dette", "denne", "disse", "seg", "ikke", "ikkje", "også",
        "videre", "vidare", "har", "er", "skal", "må", "vil", "kan", "hvordan", "korleis", "når",
        "hvis", "dersom", "men", "så", "ut", "inn", "opp", "fram", "frem", "mot", "under", "over",
        "etter", "før", "ved", "hos", "uten", "utan", "gjennom", "blant", "sin", "sitt", "sine",
        "vår", "vårt", "våre", "hans", "hennes", "deres", "viktig", "behov", "ønskelig", "hver",
        "tilbake", "mulige", "mulig", "slik", "ny", "nye", "alt", "andre",
        # nynorsk
        "eit", "ein", "vart", "blei", "semje", "einige", "kva", "nokon", "noko", "desse",
        "vore", "kvar", "innan",
    }
)  # fmt: skip
# Subordinators and conjunctions after which a new clause (and subject) may start.
_CLAUSE_START = frozenset(
    {
        "der", "hvor", "kor", "viss", "medan", "som", "at", "når", "mens", "fordi", "dersom", "hvis", "om", "slik",
        "og", "men", "samt", "eller", "så", "deretter", "etterpå", ";", ":", "(", ",",
    }
)  # fmt: skip
# Sentence openers that are never a subject naming a party.
# Determiners that may stand before a party's name ("de tidligere Viken-fylkene").
_DETERMINERS = frozenset({"de", "dei", "den", "det"})
_PRONOUNS = frozenset(
    {
        "det", "dette", "den", "denne", "de", "dei", "disse", "vi", "man", "en", "ein", "hun", "han",
        "ho", "jeg", "eg", "du", "dere", "saken", "forslaget", "rapporten", "arbeidet", "møtet",
        "protokollen", "dokumentet", "notatet", "brevet", "planen", "ordningen", "viktig", "ønskelig",
        "her", "alle", "noen", "ingen", "hver", "begge", "mange",
        "eit", "me", "nokon", "kvar", "desse",
    }
)  # fmt: skip
# What an unknown responsible party tends to be called.
_ORGANISATION = re.compile(
    r"(grupp|utval|komit|sekretariat|forum|nettverk|råd|kollegi|styre|ledels|partnerskap|"
    r"administrasjon|departement|direktorat|kommune|fylke|selskap|etat|enhet|avdeling|team|panel|"
    r"leder|leiar|sekretær|koordinator|prosjekt|ansvarlig)",
    re.IGNORECASE,
)
_PASSIVE = re.compile(r"^[a-zæøå]{3,}es$")


@dataclass(frozen=True)
class Commitment:
    """Who a sentence commits: resolved keys and unknown names (as written)."""

    keys: tuple[str, ...]
    unknown: tuple[str, ...]
    words: tuple[str, ...] = ()  # the words that named the parties, as written
    how: str = "subject"  # "subject" (of a committing verb) or "column" (an "Ansvar" value)
    verb: str = ""  # the committing verb, for the preview's explanation

    @property
    def parties(self) -> tuple[str, ...]:
        return (*self.keys, *(f"?{name}" for name in self.unknown))


class SubjectFinder:
    """Finds the committed parties of a sentence through a `PartyResolver`."""

    def __init__(self, resolver: PartyResolver, *, on: date | None, county: str | None) -> None:
        self.resolver = resolver
        self.on = on
        self.county = county

    # -- public -----------------------------------------------------------------------------------
    def commitment(self, sentence: str) -> Commitment | None:
        tokens = _tokens(sentence)
        keys: list[str] = []
        unknown: list[str] = []
        words: list[str] = []
        verb = ""
        for index in range(len(tokens)):
            kind = self._verb_kind(tokens, index)
            if kind is None:
                continue
            found = None
            if tokens[index].low in _REQUEST_VERBS:
                found = self._subject_after(sentence, tokens, index)
            if found is None:
                found = self._subject_before(sentence, tokens, index, lexical=kind != "guess")
            if found is None and kind != "guess" and index > 0 and self._first_verb(tokens, index):
                found = self._subject_after(sentence, tokens, index)
            if found is None and kind == "passive":
                found = self._agent(sentence, tokens, index)
            if found is None:
                continue
            words.extend(w for w in found.words if w not in words)
            verb = verb or tokens[index].text
            for key in found.keys:
                if key not in keys:
                    keys.append(key)
            for name in found.unknown:
                if name not in unknown:
                    unknown.append(name)
        if not keys and not unknown:
            return None
        for partner in self._partners(sentence, tokens):
            keys.extend(k for k in partner.keys if k not in keys)
            words.extend(partner.words)
        return Commitment(tuple(keys), tuple(unknown), words=tuple(words), verb=verb)

    def _partners(self, sentence: str, tokens: list[_Tok]) -> list[Commitment]:
        """"… sammen med Innovasjon Norge" / "i samarbeid med KS": those share the task."""
        found: list[Commitment] = []
        for index in range(len(tokens) - 2):
            pair = (tokens[index].low, tokens[index + 1].low)
            if pair not in (("sammen", "med"), ("saman", "med"), ("samarbeid", "med")):
                continue
            end = index + 2
            while end < len(tokens) and (tokens[end].capital or tokens[end].low in _NAME_GLUE):
                end += 1
            while end > index + 2 and tokens[end - 1].low in _NAME_GLUE:
                end -= 1
            if end > index + 2:
                partner = self._party_phrase(sentence, tokens[index + 2 : end], sentence_start=False, lexical=True)
                if partner is not None and partner.keys:
                    found.append(Commitment(partner.keys, (), words=partner.words))
        return found

    # -- verbs ------------------------------------------------------------------------------------
    def _verb_kind(self, tokens: list[_Tok], index: int) -> str | None:
        """"lexical" (a commitment verb), "guess" (-er/-ar word after a party), "passive", or None."""
        token = tokens[index]
        if not token.word or (token.capital and index > 0):
            return None
        low = token.low
        if index > 0 and tokens[index - 1].low == "å":
            return None  # an infinitive ("å få lagt") is not a finite verb
        if low in _NON_COMMITTING:
            return None
        if low in ("har", "hadde", "får"):
            following = " ".join(t.low for t in tokens[index + 1 : index + 4])
            return "lexical" if _HAS_TASK.match(following) else None
        if low in _MODALS or low in _VERBS:
            return "lexical"
        if _PASSIVE.match(low) and low not in _FUNCTION_WORDS:
            return "passive"
        if re.fullmatch(r"[a-zæøå]{3,}(?:er|ar)", low) and low not in _NOT_VERBS:
            return "guess"
        return None

    def _first_verb(self, tokens: list[_Tok], index: int) -> bool:
        return not any(self._verb_kind(tokens, i) for i in range(index))

    # -- subjects ---------------------------------------------------------------------------------
    def _subject_before(self, sentence: str, tokens: list[_Tok], verb: int, *, lexical: bool) -> Commitment | None:
        """The longest party phrase that ends right before the verb and starts a clause."""
        best: Commitment | None = None
        for begin in range(verb - 1, -1, -1):
            token = tokens[begin]
            if token.word and not token.capital and begin > 0 and token.low in _FUNCTION_WORDS:
                break  # a function word cannot be inside the subject: stop looking further left
            if begin > 0 and tokens[begin - 1].low not in _CLAUSE_START and not self._is_verb_like(tokens, begin - 1):
                continue
            found = self._party_phrase(sentence, tokens[begin:verb], sentence_start=begin == 0, lexical=lexical)
            if found is not None:
                best = found
        return best

    def _is_verb_like(self, tokens: list[_Tok], index: int) -> bool:
        return self._verb_kind(tokens, index) is not None or tokens[index].low in _NON_COMMITTING

    def _subject_after(self, sentence: str, tokens: list[_Tok], verb: int) -> Commitment | None:
        """Inverted word order after a fronted adverbial: "Til høstmøtet legger AU fram …"."""
        end = verb + 1
        while end < len(tokens) and (tokens[end].capital or tokens[end].low in _NAME_GLUE):
            end += 1
        while end > verb + 1 and tokens[end - 1].low in _NAME_GLUE:
            end -= 1
        if end == verb + 1:
            return None
        found = self._party_phrase(sentence, tokens[verb + 1 : end], sentence_start=False, lexical=True)
        return found if found is not None and found.keys else None

    def _agent(self, sentence: str, tokens: list[_Tok], verb: int) -> Commitment | None:
        """The agent of a passive: "Saken følges opp av AU" (known parties only)."""
        for index in range(verb + 1, min(len(tokens), verb + 8)):
            if tokens[index].low != "av":
                continue
            end = index + 1
            while end < len(tokens) and (tokens[end].capital or tokens[end].low in _NAME_GLUE):
                end += 1
            while end > index + 1 and tokens[end - 1].low in _NAME_GLUE:
                end -= 1
            if end > index + 1:
                found = self._party_phrase(sentence, tokens[index + 1 : end], sentence_start=False, lexical=True)
                if found is not None and found.keys:
                    return Commitment(found.keys, (), words=found.words)
            return None
        return None

    def _party_phrase(
        self, sentence: str, phrase: list[_Tok], *, sentence_start: bool, lexical: bool
    ) -> Commitment | None:
        """The parties a phrase names, if the phrase is nothing but party names."""
        if not phrase or len(phrase) > 14:
            return None
        if len(phrase) > 1 and phrase[0].low in _DETERMINERS:
            # "De tidligere Viken-fylkene", "Dei tidlegare Viken-fylka": a determiner before a name
            # that is a party on its own; only known parties count, never a guessed unknown one.
            text = sentence[phrase[1].start : phrase[-1].end]
            resolution = self.resolver.resolve(text, on=self.on, county=self.county)
            if resolution.keys and not resolution.unknown and not resolution.questions:
                return Commitment(resolution.keys, (), words=(" ".join(text.split()),))
            return None
        first = phrase[0]
        if not first.word or phrase[-1].low in _NAME_GLUE:
            return None
        if first.low in _PRONOUNS and len(phrase) == 1:
            return None
        words = [t for t in phrase if t.word]
        if any(t.low in _FUNCTION_WORDS and t.low not in _NAME_GLUE for t in words):
            return None
        text = sentence[first.start : phrase[-1].end]
        if not first.capital and self.resolver.lookup(first.text, on=self.on, county=self.county) is None:
            # A lower-case start is only a subject when that word is itself a party
            # ("fylkeskommunene følger opp"); otherwise it is the object of something before.
            return None
        resolution = self.resolver.resolve(text, on=self.on, county=self.county)
        written = " ".join(text.split())
        if resolution.keys:
            return Commitment(resolution.keys, resolution.unknown, words=(written,))
        if not resolution.unknown or not lexical or not sentence_start:
            return None
        # Nothing known: accept the phrase as an unknown party only if it looks like one.
        if first.low in _PRONOUNS or not first.capital:
            return None
        capitals = [t for t in words if t.capital]
        looks_like = (
            bool(_ORGANISATION.search(text))
            or any(t.text.isupper() and len(t.text) >= 2 for t in words)
            or (len(capitals) >= 2 and len(capitals) == len(words))
        )
        return Commitment((), (written,), words=(written,)) if looks_like else None
