"""Sentence splitting and "who does this sentence commit?" (handlers/protocol/sentences.py)."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.importing.sentences import SubjectFinder, split_sentences
from handlers.parties.resolver import default_resolver


@pytest.mark.parametrize(
    ("paragraph", "sentences"),
    [
        ("AU følger opp. KS sender brev.", ["AU følger opp.", "KS sender brev."]),
        # abbreviations and dates do not end a sentence
        (
            "Møtet starter kl. 10. Viktig f.eks. for Siva. Frist 15. mai. Ref. avtalen.",
            ["Møtet starter kl. 10.", "Viktig f.eks. for Siva.", "Frist 15. mai.", "Ref. avtalen."],
        ),
        ("Saken tas opp i uke 35. AU følger opp.", ["Saken tas opp i uke 35.", "AU følger opp."]),
        ("Innlegg av A. Hansen om saken.", ["Innlegg av A. Hansen om saken."]),
        ("• KDD sender innspill! Siva svarer?", ["KDD sender innspill!", "Siva svarer?"]),
        ("«Dette er et sitat.» AU noterer.", ["«Dette er et sitat.»", "AU noterer."]),
        ("", []),
    ],
)
def test_split_sentences(paragraph: str, sentences: list[str]) -> None:
    assert split_sentences(paragraph) == sentences


@pytest.fixture(scope="module")
def finder() -> SubjectFinder:
    return SubjectFinder(default_resolver(), on=date(2023, 10, 19), county=None)


@pytest.mark.parametrize(
    ("sentence", "parties"),
    [
        # subject + present tense or modal
        ("AU følger opp.", ("au",)),
        ("Arbeidsutvalget for Nasjonal samhandlingsmodell lager et notat.", ("au",)),
        ("KS og KDD oppretter en felles gruppe og KS leder den.", ("ks", "kdd")),
        ("Fylkeskommunene Vestland og Rogaland stiller med deltakere.", ("vestland", "rogaland")),
        ("Alle fylkeskommunene melder inn kontaktpersoner.", ("fylkeskommunene",)),
        ("FK og virkemiddelapparatet må samordne seg.", ("fylkeskommunene", "virkemiddelaktorene")),
        ("Innovasjon Norge skal lage en oversikt.", ("innovasjon-norge",)),
        ("AU har ansvaret for oppfølgingen.", ("au",)),
        ("KS har fått i oppdrag å lage et opplegg.", ("ks",)),
        # subordinate clause, inverted word order, passive with an agent
        ("Det lages en plan der Siva bidrar med data.", ("siva",)),
        ("Til vårmøtet legger KDD fram en status.", ("kdd",)),
        ("Saken følges opp av Forskningsrådet.", ("forskningsradet",)),
        # unknown but responsible-looking subjects are reported as unknown, never guessed
        ("Arbeidsgruppa for næringsarealer kommer tilbake med forslag.", ("?Arbeidsgruppa for næringsarealer",)),
        ("Sekretariatet sender ut referatet.", ("au",)),  # the secretariat is AU (storage/registry.py)
        ("Kari Nordmann kaller inn til møte.", ("?Kari Nordmann",)),
        ("AU og Prosjektgruppa planlegger samlingen.", ("au", "?Prosjektgruppa")),
        # a county valid on the date; on another date it would be unknown
        ("Troms og Finnmark fylkeskommune følger opp.", ("troms-og-finnmark",)),
        # statements, opinions, the past, parties that are not the subject: nobody
        ("Nasjonal samhandlingsmodell er styringsgruppe for satsingen.", None),
        ("Viktig å informere partene om saken.", None),
        ("Det er ønskelig at flere deltar.", None),
        ("KDD burde delta mer i arbeidet.", None),
        ("Siva har vært med i arbeidet.", None),
        ("Rapporten ble lagt fram av Siva.", None),
        ("Saken sendes til KDD og KS.", None),
        ("Referatet legges ut på partenes nettsider.", None),
        ("Satsingen må kobles til nasjonale planer.", None),
        ("Det gir muligheter for fylkene.", None),
        ("Saken tas til orientering.", None),
    ],
)
def test_commitment(finder: SubjectFinder, sentence: str, parties: tuple[str, ...] | None) -> None:
    found = finder.commitment(sentence)
    assert (found.parties if found else None) == parties


def test_counties_follow_the_date_and_the_meeting_county() -> None:
    resolver = default_resolver()
    after_reform = SubjectFinder(resolver, on=date(2024, 5, 2), county=None)
    found = after_reform.commitment("Viken fylkeskommune følger opp.")
    assert found is not None and found.parties == ("akershus", "buskerud", "ostfold")  # issue 16: successors
    regional = SubjectFinder(resolver, on=date(2024, 5, 2), county="agder")
    found = regional.commitment("Fylkeskommunen sender invitasjon.")
    assert found is not None and found.parties == ("agder",)
