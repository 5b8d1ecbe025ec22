"""The parties of Nasjonal samhandlingsmodell, as plain data.

Every follow-up action names a responsible party, and every machine-readable output (JSON, the
database, reminders) refers to it by a stable *key*. This module holds the registry those keys come
from: official names, the short forms people write in protocols and chat, and the dates a party
existed. It is data only; turning free text into keys is `handlers.parties.PartyResolver`'s job.
`PartyInfo` lives here rather than in `handlers` because `storage` must not import `handlers`,
while both need the type (the database stores ad-hoc parties as `PartyInfo` rows too).

Decisions worth knowing:

* Counties follow the 2024 regional reform. Viken, Vestfold og Telemark and Troms og Finnmark are
  valid 2020-01-01..2023-12-31 only. Their successors Akershus, Buskerud, Østfold, Vestfold,
  Telemark, Troms and Finnmark are valid from 2024-01-01. Those seven also existed before 2020,
  but no protocol this bot imports predates 2020, so the registry keeps a single period per key
  rather than modelling the gap. Counties untouched by the 2024 split (Agder, Innlandet, Møre og
  Romsdal, Nordland, Rogaland, Trøndelag, Vestland) and Oslo have no start date.
* `partene` ("the parties of the agreement") is the counties valid on the date, Innovasjon Norge,
  Siva, Forskningsrådet and KS. The agreement (seed 003) is made between the county councils and
  the three agencies, and it gives KS a duty of its own (4.1: KS convenes the national meetings),
  so KS is part of it. KDD is *not* a member: the agreement gives it no role, and the 2023
  protocol (seed 004, item 4) says KDD "burde inviteres inn i den nye samhandlingsmodellen", i.e.
  it is not yet a party. A reminder to "partene" must therefore not reach the ministry.
* "sekretariatet" is AU. The agreement (seed 003) has no secretariat of its own and says the working
  committee plans the meetings; the protocols (seed 004) speak of a secretariat resource only as
  something still to be set up. So the tasks minutes give "sekretariatet" are AU's until such a
  party exists in the registry; changing this is one alias.
* Nynorsk forms ("Forskingsrådet", "fylkeskommunane", "partane", "arbeidsutvalet") and role plurals
  that stand for a party ("fylkesdirektørene" = the county councils, "regionlederne i IN" = Innovasjon
  Norge) are aliases too: they name the same responsible party.
* Aliases are written the way people write them; the resolver folds case, punctuation, hyphens and
  æ/ø/å, so "Møre- og Romsdal", "More og Romsdal" and "møre-og-romsdal" need only one entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

KINDS = ("committee", "forum", "organisation", "ministry", "agency", "county", "group", "adhoc")

#: Member marker for a group: every party of kind "county" that is valid on the date asked about.
ALL_COUNTIES = "*county"


@dataclass(frozen=True)
class PartyInfo:
    """One party that can be responsible for a follow-up action.

    `short` is the compact form used in lists and tables ("AU", "Nordland"); empty means "use the
    name". `replaced_by` names the successors of a party that ceased to exist (Viken → Akershus,
    Buskerud, Østfold), so the bot can suggest them instead of silently mapping an old name.
    """

    key: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    valid_from: date | None = None
    valid_to: date | None = None
    short: str = ""
    replaced_by: tuple[str, ...] = ()

    def valid_on(self, day: date | None) -> bool:
        """Whether the party existed on `day`; `None` means "any time" and is always true."""
        if day is None:
            return True
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day > self.valid_to)

    @property
    def display_short(self) -> str:
        """`short` when set, else the official name."""
        return self.short or self.name


REFORM_2020 = date(2020, 1, 1)
REFORM_2024 = date(2024, 1, 1)
END_2023 = date(2023, 12, 31)


def _county(
    key: str,
    name: str,
    *,
    variants: tuple[str, ...] = (),
    extra: tuple[str, ...] = (),
    valid_from: date | None = None,
    valid_to: date | None = None,
    replaced_by: tuple[str, ...] = (),
    official: str | None = None,
) -> PartyInfo:
    """A county council with the aliases people actually type.

    Every spelling in `(name, *variants)` gets the bare form plus "<x> fk", "<x> fylkeskommune",
    "<x> fylkeskommunen" and "<x> fylke"; `extra` adds abbreviations that only exist as a whole.
    """
    aliases: list[str] = []
    for spelling in (name, *variants):
        aliases += [
            spelling,
            f"{spelling} fk",
            f"{spelling} fylkeskommune",
            f"{spelling} fylkeskommunen",
            f"{spelling} fylke",
        ]
    aliases += extra
    return PartyInfo(
        key=key,
        name=official or f"{name} fylkeskommune",
        kind="county",
        aliases=tuple(aliases),
        valid_from=valid_from,
        valid_to=valid_to,
        short=name,
        replaced_by=replaced_by,
    )


_NATIONAL: tuple[PartyInfo, ...] = (
    PartyInfo(
        key="au",
        name="Arbeidsutvalget for Nasjonal samhandlingsmodell",
        kind="committee",
        aliases=(
            "AU",
            "arbeidsutvalget",
            "arbeidsutvalet",
            "arbeidsutvalg",
            "AU for Nasjonal samhandlingsmodell",
            "AU Nasjonal samhandlingsmodell",
            "AU i Nasjonal samhandlingsmodell",
            "arbeidsutvalget i Nasjonal samhandlingsmodell",
            "AU NSM",
            "sekretariatet",
            "sekretariatet i AU",
            "sekretariatet for Nasjonal samhandlingsmodell",
            "sekretariatet i Nasjonal samhandlingsmodell",
            "NSM-sekretariatet",
        ),
        short="AU",
    ),
    PartyInfo(
        key="nsm",
        name="Nasjonal samhandlingsmodell",
        kind="forum",
        aliases=(
            "NSM",
            "samhandlingsmodellen",
            "styringsgruppen",
            "styringsgruppa",
            "styringsgruppen for Missionssatsingen",
            "styringsgruppa for Missionssatsingen",
        ),
        short="Nasjonal samhandlingsmodell",
    ),
    PartyInfo(
        key="ks",
        name="KS",
        kind="organisation",
        aliases=("Kommunesektorens organisasjon",),
        short="KS",
    ),
    PartyInfo(
        key="kdd",
        name="Kommunal- og distriktsdepartementet",
        kind="ministry",
        aliases=("KDD",),
        short="KDD",
    ),
    PartyInfo(key="kd", name="Kunnskapsdepartementet", kind="ministry", aliases=("KD",), short="KD"),
    PartyInfo(
        key="nfd",
        name="Nærings- og fiskeridepartementet",
        kind="ministry",
        aliases=("NFD",),
        short="NFD",
    ),
    PartyInfo(
        key="innovasjon-norge",
        name="Innovasjon Norge",
        kind="agency",
        aliases=(
            "IN",
            "InnovasjonNorge",
            "regionlederne i IN",
            "regionlederne i Innovasjon Norge",
            "regionleiarane i IN",
            "regionleiarane i Innovasjon Norge",
            "regiondirektørene i IN",
            "regiondirektørene i Innovasjon Norge",
            "regiondirektørane i IN",
            "regionkontorene til IN",
            "regionkontora til IN",
            "IN sine regionkontor",
            "INs regionkontorer",
        ),
        short="Innovasjon Norge",
    ),
    PartyInfo(
        key="siva",
        name="Siva",
        kind="agency",
        aliases=("SIVA", "Siva SF", "Selskapet for industrivekst"),
        short="Siva",
    ),
    PartyInfo(
        key="forskningsradet",
        name="Forskningsrådet",
        kind="agency",
        aliases=("Norges forskningsråd", "NFR", "RCN", "Forskingsrådet", "Noregs forskingsråd",
                 "forskningsrådet sine regionale representanter"),
        short="Forskningsrådet",
    ),
)

_GROUPS: tuple[PartyInfo, ...] = (
    PartyInfo(
        key="fylkeskommunene",
        name="Fylkeskommunene",
        kind="group",
        aliases=(
            "FK",
            "alle fylkeskommunene",
            "alle fylkeskommuner",
            "fylkeskommunane",
            "alle fylkeskommunane",
            "fylkene",
            "alle fylkene",
            "fylka",
            "alle fylka",
            "fylkesdirektørene",
            "fylkesdirektørane",
            "alle fylkesdirektørene",
            "fylkeskommunedirektørene",
            "fylkeskommunedirektørane",
            "fylkesrådmennene",
            "fylkesrådmenn",
            "regionalsjefene i fylkeskommunene",
        ),
        members=(ALL_COUNTIES,),
        short="Fylkeskommunene",
    ),
    PartyInfo(
        key="virkemiddelaktorene",
        name="Virkemiddelaktørene",
        kind="group",
        aliases=(
            "virkemiddelapparatet",
            "virkemiddelaktørane",
            "alle virkemiddelaktørane",
            "det regionale virkemiddelapparatet",
            "alle virkemiddelaktørene",
        ),
        members=("innovasjon-norge", "siva", "forskningsradet"),
        short="Virkemiddelaktørene",
    ),
    PartyInfo(
        key="partene",
        name="Partene",
        kind="group",
        aliases=("alle partene", "partane", "alle partane", "partene i avtalen", "alle parter", "alle partar",
                 "partane i avtalen", "avtalepartene", "avtalepartane", "samtlige parter"),
        members=(ALL_COUNTIES, "innovasjon-norge", "siva", "forskningsradet", "ks"),
        short="Partene",
    ),
)

_COUNTIES: tuple[PartyInfo, ...] = (
    _county("agder", "Agder"),
    _county("akershus", "Akershus", valid_from=REFORM_2024),
    _county("buskerud", "Buskerud", valid_from=REFORM_2024),
    _county("finnmark", "Finnmark", valid_from=REFORM_2024),
    _county("innlandet", "Innlandet"),
    _county(
        "more-og-romsdal",
        "Møre og Romsdal",
        variants=("Møre- og Romsdal",),
        extra=("MRFK",),
    ),
    _county("nordland", "Nordland", extra=("NFK",)),
    _county("oslo", "Oslo", official="Oslo kommune", extra=("Oslo kommune",)),
    _county("rogaland", "Rogaland"),
    _county("telemark", "Telemark", valid_from=REFORM_2024),
    _county("troms", "Troms", valid_from=REFORM_2024),
    _county("trondelag", "Trøndelag", extra=("TRFK",)),
    _county("vestfold", "Vestfold", valid_from=REFORM_2024),
    _county("vestland", "Vestland"),
    _county("ostfold", "Østfold", valid_from=REFORM_2024),
    # Counties of the 2020 reform, split again on 2024-01-01.
    _county(
        "viken",
        "Viken",
        valid_from=REFORM_2020,
        valid_to=END_2023,
        replaced_by=("akershus", "buskerud", "ostfold"),
    ),
    _county(
        "vestfold-og-telemark",
        "Vestfold og Telemark",
        extra=("VTFK",),
        valid_from=REFORM_2020,
        valid_to=END_2023,
        replaced_by=("vestfold", "telemark"),
    ),
    _county(
        "troms-og-finnmark",
        "Troms og Finnmark",
        extra=("TFFK",),
        valid_from=REFORM_2020,
        valid_to=END_2023,
        replaced_by=("troms", "finnmark"),
    ),
)

REGISTRY: tuple[PartyInfo, ...] = _NATIONAL + _GROUPS + _COUNTIES
