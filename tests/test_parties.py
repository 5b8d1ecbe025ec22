"""Party names to keys and back: the registry data, the resolver, and the display helpers.

The cases come from how the seed protocol (004) and the agreement (003) actually write parties,
plus the edge that matters most: an unknown name is reported, never mapped onto another party.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.core.catalog import t
from handlers.core.errors import PartyError
from handlers.parties.resolver import (
    REGISTRY,
    PartyInfo,
    PartyResolver,
    Resolution,
    default_resolver,
    format_parties,
    join_names,
    normalise,
)
from storage.registry import ALL_COUNTIES, KINDS

BEFORE_2024 = date(2023, 5, 11)  # the Frosta meeting of seed 004
AFTER_2024 = date(2025, 1, 1)

COUNTIES_2025 = [
    "agder",
    "akershus",
    "buskerud",
    "finnmark",
    "innlandet",
    "more-og-romsdal",
    "nordland",
    "oslo",
    "rogaland",
    "telemark",
    "troms",
    "trondelag",
    "vestfold",
    "vestland",
    "ostfold",
]
COUNTIES_2023 = [
    "agder",
    "innlandet",
    "more-og-romsdal",
    "nordland",
    "oslo",
    "rogaland",
    "trondelag",
    "vestland",
    "viken",
    "vestfold-og-telemark",
    "troms-og-finnmark",
]


@pytest.fixture(scope="module")
def resolver() -> PartyResolver:
    return default_resolver()


# -- the registry as data ------------------------------------------------------------------------


def test_registry_keys_are_unique_and_kinds_known() -> None:
    keys = [p.key for p in REGISTRY]
    assert len(keys) == len(set(keys))
    assert all(p.kind in KINDS for p in REGISTRY)


def test_registry_has_every_party_of_the_design() -> None:
    expected = {
        "au", "nsm", "ks", "kdd", "kd", "nfd", "innovasjon-norge", "siva", "forskningsradet",
        "fylkeskommunene", "virkemiddelaktorene", "partene",
        *COUNTIES_2025, "viken", "vestfold-og-telemark", "troms-og-finnmark",
    }  # fmt: skip
    assert {p.key for p in REGISTRY} == expected


def test_no_two_parties_share_a_name_while_both_exist(resolver: PartyResolver) -> None:
    """An alias claimed twice would make resolution depend on registry order."""
    seen: dict[str, PartyInfo] = {}
    for party in REGISTRY:
        for written in (party.key, party.name, party.short, *party.aliases):
            folded = normalise(written)
            other = seen.get(folded)
            if other is not None and other.key != party.key:
                overlap = party.valid_on(other.valid_from or date(2000, 1, 1)) or other.valid_on(
                    party.valid_from or date(2000, 1, 1)
                )
                assert not overlap, f"{written!r} names both {other.key} and {party.key}"
            seen[folded] = party


def test_county_names_and_periods() -> None:
    by_key = {p.key: p for p in REGISTRY}
    assert by_key["nordland"].name == "Nordland fylkeskommune"
    assert by_key["oslo"].name == "Oslo kommune"
    assert by_key["more-og-romsdal"].short == "Møre og Romsdal"
    assert by_key["akershus"].valid_from == date(2024, 1, 1)
    assert by_key["nordland"].valid_from is None
    assert by_key["viken"].valid_to == date(2023, 12, 31)
    assert set(by_key["viken"].replaced_by) == {"akershus", "buskerud", "ostfold"}


def test_groups_members() -> None:
    by_key = {p.key: p for p in REGISTRY}
    assert by_key["fylkeskommunene"].members == (ALL_COUNTIES,)
    assert by_key["virkemiddelaktorene"].members == ("innovasjon-norge", "siva", "forskningsradet")
    assert "kdd" not in by_key["partene"].members


# -- every key from its name and main aliases ----------------------------------------------------

NAME_CASES: list[tuple[str, str]] = [
    ("AU", "au"),
    ("arbeidsutvalget", "au"),
    ("Arbeidsutvalget for Nasjonal samhandlingsmodell", "au"),
    ("AU for Nasjonal samhandlingsmodell", "au"),
    ("AU Nasjonal samhandlingsmodell", "au"),
    ("Nasjonal samhandlingsmodell", "nsm"),
    ("styringsgruppen", "nsm"),
    ("KS", "ks"),
    ("ks", "ks"),
    ("KDD", "kdd"),
    ("Kommunal- og distriktsdepartementet", "kdd"),
    ("kommunal og distriktsdepartementet", "kdd"),
    ("KD", "kd"),
    ("Kunnskapsdepartementet", "kd"),
    ("NFD", "nfd"),
    ("Nærings- og fiskeridepartementet", "nfd"),
    ("Innovasjon Norge", "innovasjon-norge"),
    ("IN", "innovasjon-norge"),
    ("innovasjon-norge", "innovasjon-norge"),
    ("SIVA", "siva"),
    ("Siva", "siva"),
    ("Forskningsrådet", "forskningsradet"),
    ("Forskningsradet", "forskningsradet"),
    ("Norges forskningsråd", "forskningsradet"),
    ("NFR", "forskningsradet"),
    ("FK", "fylkeskommunene"),
    ("Fylkeskommunene", "fylkeskommunene"),
    ("alle fylkeskommunene", "fylkeskommunene"),
    ("Alle Fylkeskommunene", "fylkeskommunene"),
    ("virkemiddelapparatet", "virkemiddelaktorene"),
    ("Virkemiddelaktørene", "virkemiddelaktorene"),
    ("virkemiddelaktorene", "virkemiddelaktorene"),
    ("Partene", "partene"),
    ("Møre og Romsdal", "more-og-romsdal"),
    ("Møre- og Romsdal", "more-og-romsdal"),
    ("More og Romsdal", "more-og-romsdal"),
    ("møre-og-romsdal", "more-og-romsdal"),
    ("Møre og Romsdal fylkeskommune", "more-og-romsdal"),
    ("Trøndelag", "trondelag"),
    ("Trondelag", "trondelag"),
    ("Østfold", "ostfold"),
    ("Ostfold", "ostfold"),
    ("Nordland fk", "nordland"),
    ("Nordland fylkeskommune", "nordland"),
    ("Nordland fylke", "nordland"),
    ("  nordland  ", "nordland"),
    ("NORDLAND.", "nordland"),
    ("Oslo", "oslo"),
    ("Oslo kommune", "oslo"),
    ("Troms og Finnmark", "troms-og-finnmark"),
    ("Vestfold og Telemark", "vestfold-og-telemark"),
    ("Viken", "viken"),
]


@pytest.mark.parametrize(("text", "key"), NAME_CASES)
def test_name_and_aliases_resolve(resolver: PartyResolver, text: str, key: str) -> None:
    assert resolver.resolve(text) == Resolution((key,), ())
    assert resolver.lookup(text) == key


@pytest.mark.parametrize("party", REGISTRY, ids=lambda p: p.key)
def test_every_party_resolves_from_key_name_short_and_aliases(
    resolver: PartyResolver, party: PartyInfo
) -> None:
    on = party.valid_from or party.valid_to  # a day the party existed (None: any day)
    for written in (party.key, party.name, party.short, *party.aliases):
        assert resolver.lookup(written, on=on) == party.key, written


@pytest.mark.parametrize("key", COUNTIES_2025)
def test_every_county_from_all_its_forms(resolver: PartyResolver, key: str) -> None:
    short = resolver.short_name(key)
    for written in (short, f"{short} fk", f"{short} fylkeskommune", f"{short} fylke", short.upper()):
        assert resolver.lookup(written, on=AFTER_2024) == key, written


# -- lists ----------------------------------------------------------------------------------------

LIST_CASES: list[tuple[str, dict[str, object], tuple[str, ...], tuple[str, ...]]] = [
    ("FK og KDD", {}, ("fylkeskommunene", "kdd"), ()),
    ("AU og KS", {}, ("au", "ks"), ()),
    ("KDD/KD", {}, ("kdd", "kd"), ()),
    ("KD og NFD", {}, ("kd", "nfd"), ()),
    ("Nordland, Innlandet og Møre- og Romsdal", {}, ("nordland", "innlandet", "more-og-romsdal"), ()),
    (
        "Fylkeskommunene Nordland, Innlandet og Møre- og Romsdal",
        {},
        ("nordland", "innlandet", "more-og-romsdal"),
        (),
    ),
    ("Møre og Romsdal og Nordland", {}, ("more-og-romsdal", "nordland"), ()),
    ("Innlandet og Møre og Romsdal", {}, ("innlandet", "more-og-romsdal"), ()),
    ("fylkeskommunen i Nordland", {}, ("nordland",), ()),
    ("FK Vestland", {}, ("vestland",), ()),
    ("IN Nordland", {}, ("innovasjon-norge",), ()),
    ("Innovasjon Norge Vestland", {}, ("innovasjon-norge",), ()),
    ("Innovasjon Norge i Møre og Romsdal", {}, ("innovasjon-norge",), ()),
    ("IN Viken", {"on": AFTER_2024}, ("innovasjon-norge",), ()),
    ("KS Agder og KDD", {}, ("ks", "kdd"), ()),
    (
        "Alle fylkeskommunene, KDD, SIVA, IN, Forskningsrådet og KS.",
        {},
        ("fylkeskommunene", "kdd", "siva", "innovasjon-norge", "forskningsradet", "ks"),
        (),
    ),
    (
        "Forskningsrådet, IN, Siva og Fylkeskommunene",
        {},
        ("forskningsradet", "innovasjon-norge", "siva", "fylkeskommunene"),
        (),
    ),
    ("FK og Virkemiddelapparatet", {}, ("fylkeskommunene", "virkemiddelaktorene"), ()),
    ("Kommunal- og distriktsdepartementet og KS", {}, ("kdd", "ks"), ()),
    ("AU, AU og au", {}, ("au",), ()),
    ("AU samt KS", {}, ("au", "ks"), ()),
    ("AU\nKS", {}, ("au", "ks"), ()),
    ("AU & KS", {}, ("au", "ks"), ()),
    ("", {}, (), ()),
    (" , og ; ", {}, (), ()),
    # dates
    ("Viken", {"on": BEFORE_2024}, ("viken",), ()),
    # issue 16: an old county now split resolves to its successors (with a question, see test_parties_phrases)
    ("Viken", {"on": AFTER_2024}, ("akershus", "buskerud", "ostfold"), ()),
    ("Viken og KS", {"on": AFTER_2024}, ("akershus", "buskerud", "ostfold", "ks"), ()),
    ("Akershus", {"on": AFTER_2024}, ("akershus",), ()),
    ("Akershus", {"on": BEFORE_2024}, (), ("Akershus",)),
    ("Troms og Finnmark", {"on": BEFORE_2024}, ("troms-og-finnmark",), ()),
    ("Troms og Finnmark", {"on": AFTER_2024}, ("troms", "finnmark"), ()),
    ("Vestfold og Telemark", {"on": BEFORE_2024}, ("vestfold-og-telemark",), ()),
    ("Vestfold og Telemark", {"on": AFTER_2024}, ("vestfold", "telemark"), ()),
    ("Nordland", {"on": BEFORE_2024}, ("nordland",), ()),
    ("Nordland", {"on": AFTER_2024}, ("nordland",), ()),
    # the meeting's own county
    ("fylkeskommunen", {"county": "nordland"}, ("nordland",), ()),
    ("fylkeskommunen", {}, (), ("fylkeskommunen",)),
    ("Fylkeskommunen og IN", {"county": "vestland"}, ("vestland", "innovasjon-norge"), ()),
    ("FK", {"county": "agder"}, ("agder",), ()),
    ("alle fylkeskommunene", {"county": "agder"}, ("fylkeskommunene",), ()),
    # unknown names are reported as written, never guessed
    ("Arbeidsgruppa for fagdager", {}, (), ("Arbeidsgruppa for fagdager",)),
    ("Arbeidsgruppa", {}, (), ("Arbeidsgruppa",)),
    ("Nordlandd", {}, (), ("Nordlandd",)),
    ("Nordlandd og KS", {}, ("ks",), ("Nordlandd",)),
    ("Arbeidsgruppa for IN-saker", {}, (), ("Arbeidsgruppa for IN-saker",)),
    ("Siva-saker", {}, (), ("Siva-saker",)),
    ("Møre", {}, (), ("Møre",)),
    ("Romsdal og Møre", {}, (), ("Romsdal", "Møre")),
    ("Foo og Bar", {}, (), ("Foo", "Bar")),
    ("KDD   og   Statens  vegvesen", {}, ("kdd",), ("Statens vegvesen",)),
]


@pytest.mark.parametrize(("text", "kwargs", "keys", "unknown"), LIST_CASES)
def test_resolve(
    resolver: PartyResolver,
    text: str,
    kwargs: dict[str, object],
    keys: tuple[str, ...],
    unknown: tuple[str, ...],
) -> None:
    found = resolver.resolve(text, **kwargs)  # type: ignore[arg-type]
    assert (found.keys, found.unknown) == (keys, unknown)


def test_lookup_is_for_one_name_only(resolver: PartyResolver) -> None:
    assert resolver.lookup("FK og KDD") is None
    assert resolver.lookup("Viken", on=AFTER_2024) is None
    assert resolver.lookup("Viken", on=BEFORE_2024) == "viken"
    assert resolver.lookup("fylkeskommunen") is None
    assert resolver.lookup("fylkeskommunen", county="troms") == "troms"
    assert resolver.lookup("") is None


def test_county_context_must_be_a_county(resolver: PartyResolver) -> None:
    with pytest.raises(ValueError):
        resolver.resolve("fylkeskommunen", county="ks")


def test_resolution_as_json(resolver: PartyResolver) -> None:
    resolution = resolver.resolve("AU og Arbeidsgruppa for fagdager")
    assert resolution.as_json() == ["au", "?Arbeidsgruppa for fagdager"]
    assert not resolution.complete
    assert resolver.resolve("AU").complete


# -- expanding groups -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "on", "expected"),
    [
        ("virkemiddelaktorene", AFTER_2024, ["innovasjon-norge", "siva", "forskningsradet"]),
        ("fylkeskommunene", AFTER_2024, COUNTIES_2025),
        ("fylkeskommunene", BEFORE_2024, COUNTIES_2023),
        ("partene", AFTER_2024, [*COUNTIES_2025, "innovasjon-norge", "siva", "forskningsradet", "ks"]),
        ("partene", BEFORE_2024, [*COUNTIES_2023, "innovasjon-norge", "siva", "forskningsradet", "ks"]),
        ("au", AFTER_2024, ["au"]),
        ("nordland", BEFORE_2024, ["nordland"]),
        ("viken", AFTER_2024, ["viken"]),  # asked for by key: returned as it is
    ],
)
def test_expand(resolver: PartyResolver, key: str, on: date, expected: list[str]) -> None:
    assert resolver.expand(key, on) == expected


@pytest.mark.parametrize(
    ("on", "count"), [(AFTER_2024, 15), (BEFORE_2024, 11), (date(2024, 1, 1), 15), (date(2023, 12, 31), 11)]
)
def test_every_valid_county_exactly_once(resolver: PartyResolver, on: date, count: int) -> None:
    members = resolver.expand("fylkeskommunene", on)
    valid = [p.key for p in resolver.parties if p.kind == "county" and p.valid_on(on)]
    assert len(members) == count
    assert sorted(members) == sorted(valid)
    assert len(set(members)) == len(members)


def test_expand_unknown_key_raises(resolver: PartyResolver) -> None:
    with pytest.raises(KeyError):
        resolver.expand("nope", AFTER_2024)


def test_expand_nested_groups_without_duplicates() -> None:
    both = PartyInfo("begge", "Begge", "group", members=("virkemiddelaktorene", "siva", "partene"))
    resolver = PartyResolver([*REGISTRY, both])
    members = resolver.expand("begge", AFTER_2024)
    assert members[:3] == ["innovasjon-norge", "siva", "forskningsradet"]
    assert len(members) == len(set(members)) == 3 + 15 + 1


# -- suggestions and messages ---------------------------------------------------------------------


def test_suggest_close_spelling(resolver: PartyResolver) -> None:
    assert resolver.suggest("Nordlandd")[0] == "Nordland fylkeskommune"
    assert resolver.suggest("Forskningsråde")[0] == "Forskningsrådet"
    assert "Innovasjon Norge" in resolver.suggest("Innovasjon Noreg")


def test_suggest_successors_and_predecessors(resolver: PartyResolver) -> None:
    successors = ["Akershus fylkeskommune", "Buskerud fylkeskommune", "Østfold fylkeskommune"]
    assert resolver.suggest("Viken", on=AFTER_2024) == successors
    assert resolver.suggest("Viken") == successors
    assert resolver.suggest("Troms og Finnmark fk", on=AFTER_2024) == [
        "Troms fylkeskommune",
        "Finnmark fylkeskommune",
    ]
    assert resolver.suggest("Akershus", on=BEFORE_2024) == ["Viken fylkeskommune"]


def test_suggest_nothing_for_nothing_close(resolver: PartyResolver) -> None:
    assert resolver.suggest("Arbeidsgruppa for fagdager") == []
    assert resolver.suggest("") == []
    assert len(resolver.suggest("nord", limit=1)) <= 1


def test_suggest_respects_the_date(resolver: PartyResolver) -> None:
    assert all("Viken" not in s for s in resolver.suggest("Vikenn", on=AFTER_2024))
    assert resolver.suggest("Vikenn", on=BEFORE_2024)[0] == "Viken fylkeskommune"


def test_explain_unknown(resolver: PartyResolver) -> None:
    ended = resolver.explain_unknown("Viken", on=AFTER_2024)
    assert "31.12.2023" in ended and "Akershus fylkeskommune" in ended and "eller" in ended
    assert "Mente du Nordland fylkeskommune?" in resolver.explain_unknown("Nordlandd")
    assert resolver.explain_unknown("fylkeskommunen") == t(
        "parties.context_without_county", name="fylkeskommunen"
    )
    assert "«Arbeidsgruppa for fagdager»" in resolver.explain_unknown("Arbeidsgruppa for fagdager")


def test_require(resolver: PartyResolver) -> None:
    assert resolver.require("AU og KS") == ("au", "ks")
    with pytest.raises(PartyError) as raised:
        resolver.require("AU og Viken", on=AFTER_2024)
    assert "Akershus fylkeskommune" in raised.value.suggestions
    with pytest.raises(PartyError):
        resolver.require("  ")


# -- ad-hoc parties -------------------------------------------------------------------------------


def test_adhoc_party_is_resolved_when_known() -> None:
    adhoc = PartyInfo(
        "arbeidsgruppa-fagdager", "Arbeidsgruppa for fagdager", "adhoc", aliases=("arbeidsgruppa",)
    )
    resolver = default_resolver().extended([adhoc])
    assert resolver.resolve("Arbeidsgruppa for fagdager og KDD").keys == ("arbeidsgruppa-fagdager", "kdd")
    assert resolver.lookup("arbeidsgruppa") == "arbeidsgruppa-fagdager"
    assert resolver.expand("arbeidsgruppa-fagdager", AFTER_2024) == ["arbeidsgruppa-fagdager"]
    assert format_parties(["arbeidsgruppa-fagdager"], resolver) == "Arbeidsgruppa for fagdager"


def test_adhoc_with_og_in_its_name_stays_whole() -> None:
    adhoc = PartyInfo("skog-og-hav", "Gruppa for skog og hav", "adhoc")
    resolver = PartyResolver([*REGISTRY, adhoc])
    assert resolver.resolve("Gruppa for skog og hav og KS").keys == ("skog-og-hav", "ks")


def test_adhoc_cannot_shadow_the_registry() -> None:
    resolver = PartyResolver([*REGISTRY, PartyInfo("ks-kopi", "KS", "adhoc")])
    assert resolver.lookup("KS") == "ks"


def test_constructor_rejects_bad_data() -> None:
    with pytest.raises(ValueError):
        PartyResolver([*REGISTRY, PartyInfo("ks", "KS igjen", "organisation")])
    with pytest.raises(ValueError):
        PartyResolver([PartyInfo("g", "G", "group", members=("missing",))])
    with pytest.raises(ValueError):
        PartyResolver([PartyInfo("x", "X", "planet")])


# -- display --------------------------------------------------------------------------------------


def test_names(resolver: PartyResolver) -> None:
    assert resolver.name("kdd") == "Kommunal- og distriktsdepartementet"
    assert resolver.short_name("kdd") == "KDD"
    assert resolver.short_name("nordland") == "Nordland"
    assert resolver.short_name("innovasjon-norge") == "Innovasjon Norge"
    assert resolver.short_name("au") == "AU"
    assert resolver.name("?Arbeidsgruppa") == "Arbeidsgruppa"
    assert resolver.get("nope") is None


@pytest.mark.parametrize(
    ("keys", "short", "expected"),
    [
        (["au", "kdd", "nordland"], False, "AU, KDD og Nordland fylkeskommune"),
        (["au", "kdd", "nordland"], True, "AU, KDD og Nordland"),
        (["oslo"], False, "Oslo kommune"),
        (["innovasjon-norge", "siva"], False, "Innovasjon Norge og Siva"),
        (["ks", "?Arbeidsgruppa for fagdager"], False, "KS og Arbeidsgruppa for fagdager"),
        ([], False, "ingen"),
    ],
)
def test_format_parties(resolver: PartyResolver, keys: list[str], short: bool, expected: str) -> None:
    assert format_parties(keys, resolver, short=short) == expected


def test_join_names() -> None:
    assert join_names([]) == ""
    assert join_names(["A"]) == "A"
    assert join_names(["A", "B", "C"]) == "A, B og C"
    assert join_names(["A", "B"], "parties.or") == "A eller B"


def test_normalise() -> None:
    assert normalise("Møre- og  Romsdal!") == "more og romsdal"
    assert normalise("Forskningsrådet") == normalise("forskningsradet")
    assert normalise("Nærings-") == "naerings"


def test_every_catalogue_text_renders() -> None:
    from handlers.core.catalog import nb_parties

    fields = {
        "name": "X",
        "suggestions": "Y",
        "party": "Z",
        "on": "1.1.2025",
        "valid_to": "D",
        "valid_from": "D",
        "old": "Viken",
        "new": "A og B",
        "which": "begge",
    }
    for key in nb_parties.TEXTS:
        assert key.startswith("parties.")
        assert t(key, **fields)


# -- robustness -----------------------------------------------------------------------------------

_words = st.sampled_from(["og", "AU", "Møre", "Romsdal", "fylkeskommunen", "IN", "Viken", ",", "/", "-", "i"])


@settings(max_examples=200, deadline=None)
@given(
    text=st.one_of(st.text(max_size=200), st.lists(_words, max_size=30).map(" ".join)),
    on=st.one_of(st.none(), st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))),
    county=st.sampled_from([None, "nordland", "viken"]),
)
def test_resolve_never_raises(text: str, on: date | None, county: str | None) -> None:
    resolver = default_resolver()
    resolution = resolver.resolve(text, on=on, county=county)
    assert len(set(resolution.keys)) == len(resolution.keys)
    assert all(resolver.get(k) is not None for k in resolution.keys)
    assert all(u.strip() for u in resolution.unknown)
    resolver.suggest(text, on=on)


def test_long_input_is_read_in_linear_time() -> None:
    """A pasted protocol page must not stall the bot: 20,000 words, no separators, or only "og"."""
    resolver = default_resolver()
    assert resolver.resolve("ord " * 20_000).unknown == (("ord " * 20_000).strip(),)
    assert resolver.resolve("Møre og Romsdal og " * 5_000).keys == ("more-og-romsdal",)
    assert resolver.resolve("og " * 20_000) == Resolution((), ())
