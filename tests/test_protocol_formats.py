"""The same protocols as .docx, .html, .txt and PDF (with and without borders) give one plan.

The protocols and their expected plans are in tests/support/protocols/samples.py; every format must
extract exactly those actions (text, parties, deadline, case), the same meeting and the same
fingerprints.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from handlers.core.errors import UserError
from handlers.dates.values import MeetingRef
from handlers.importing.extract import ImportPlan, fingerprint, plan_import
from handlers.parties.resolver import PartyResolver, default_resolver
from tests.support.protocols import build
from tests.support.protocols.samples import TWO_COLUMNS, TWO_COLUMNS_PLAN, WIDE, WIDE_PDF_WIDTHS, WIDE_PLAN

PDF_NOTE = "Tabellen er lest fra en PDF"

FORMATS: dict[str, tuple[str, Callable[..., bytes]]] = {
    "docx": ("protokoll.docx", build.docx),
    "html": ("protokoll.html", build.html_page),
    "txt": ("protokoll.txt", build.txt_export),
    "pdf": ("protokoll.pdf", build.pdf),
    "pdf-borderless": ("protokoll.pdf", lambda p, **kw: build.pdf(p, borders=False, **kw)),
}


@pytest.fixture(scope="module")
def resolver() -> PartyResolver:
    return default_resolver()


def _plan(fmt: str, protocol: object, resolver: PartyResolver, **kwargs: object) -> ImportPlan:
    filename, render = FORMATS[fmt]
    options = {"widths": WIDE_PDF_WIDTHS} if fmt.startswith("pdf") and protocol is WIDE else {}
    return plan_import(render(protocol, **options), filename, resolver=resolver, **kwargs)  # type: ignore[arg-type]


def _without_warnings(plan: ImportPlan) -> dict[str, object]:
    data = plan.to_json()
    del data["warnings"]
    return data


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_column_layout(fmt: str, resolver: PartyResolver) -> None:
    plan = _plan(fmt, TWO_COLUMNS, resolver)
    assert _without_warnings(plan) == TWO_COLUMNS_PLAN
    warnings = [w for w in plan.warnings if not w.startswith(PDF_NOTE)]
    # The information paragraph is reported (not silently dropped) and kept in the plan.
    assert warnings[0] == (
        "Sak 3: ikke tatt med som oppfølgingspunkt, ingen ansvarlig er nevnt: «Saken er ellers til orientering.»"
    )
    assert [(item.text, item.case) for item in plan.info] == [("Saken er ellers til orientering.", "3")]
    # The unknown group is reported with the resolver's explanation, never guessed.
    assert len(warnings) == 2 and warnings[1].startswith("Sak 4: ") and "Arbeidsgruppa for fagdager" in warnings[1]
    # Only a PDF carries the "check the rows" note.
    assert any(w.startswith(PDF_NOTE) for w in plan.warnings) == fmt.startswith("pdf")


@pytest.mark.parametrize("fmt", FORMATS)
def test_wide_layout(fmt: str, resolver: PartyResolver) -> None:
    plan = _plan(fmt, WIDE, resolver)
    assert _without_warnings(plan) == WIDE_PLAN
    warnings = [w for w in plan.warnings if not w.startswith(PDF_NOTE)]
    assert len(warnings) == 3
    assert warnings[0].startswith("Sak 3/24: ") and "Prosjektgruppa for grønn omstilling" in warnings[0]
    assert warnings[1] == (
        "Sak 4/24: ikke tatt med som oppfølgingspunkt, ingen ansvarlig er nevnt: "
        "«Det var enighet om å fortsette samarbeidet.»"
    )
    assert warnings[2].startswith("Sak 5/24: ") and warnings[2].endswith("Fristen «snarest» må settes for hånd.")
    # Issue 16: "Sekretariatet" is AU, and Viken after 2023 resolves to its successors (the resolver
    # carries the question "Viken er nå … – alle tre?" in Resolution.questions for the preview).


@pytest.mark.parametrize("protocol", [TWO_COLUMNS, WIDE], ids=["two-columns", "wide"])
def test_fingerprints_agree_across_formats_and_imports(protocol: object, resolver: PartyResolver) -> None:
    keys = {fmt: [a.fingerprint for a in _plan(fmt, protocol, resolver).actions] for fmt in FORMATS}
    assert len({tuple(v) for v in keys.values()}) == 1
    first = keys["docx"]
    assert len(set(first)) == len(first)
    # Importing the same file again gives the same keys: the persistence layer adds nothing.
    assert [a.fingerprint for a in _plan("docx", protocol, resolver).actions] == first


def test_fingerprint_ignores_layout_noise_but_not_meaning() -> None:
    day = date(2023, 10, 19)
    base = fingerprint("KDD sender brev innen 15. januar.", "5", day)
    assert fingerprint("  kdd sender  brev innen 15 januar ", "5.", day) == base
    assert fingerprint("KDD sender brev innen 15. januar.", "6", day) != base
    assert fingerprint("KDD sender brev innen 15. januar.", "5", date(2024, 4, 2)) != base
    assert fingerprint("KS sender brev innen 15. januar.", "5", day) != base


def test_to_json_shape_and_fingerprint_option(resolver: PartyResolver) -> None:
    plan = _plan("docx", TWO_COLUMNS, resolver)
    data = plan.to_json()
    assert list(data) == ["meeting", "next_meeting", "actions", "warnings"]
    assert list(data["meeting"]) == ["title", "kind", "date", "start", "end", "place", "region"]  # type: ignore[arg-type]
    assert all(list(a) == ["id", "text", "parties", "deadline", "deadline_text", "status", "meeting", "case"] for a in data["actions"])  # type: ignore[union-attr]
    with_keys = plan.to_json(fingerprints=True)["actions"]
    assert [a["fingerprint"] for a in with_keys] == [a.fingerprint for a in plan.actions]  # type: ignore[index]


def test_meeting_lookup_fills_meeting_deadlines(resolver: PartyResolver) -> None:
    scheduled = {MeetingRef("national-spring", 2024): date(2024, 4, 18), MeetingRef("national-autumn", 2024): date(2024, 10, 17)}
    asked: list[MeetingRef] = []

    def lookup(ref: MeetingRef) -> date | None:
        asked.append(ref)
        return scheduled.get(ref)

    plan = _plan("html", TWO_COLUMNS, resolver, meetings=lookup)
    by_case = {(a.case, a.parties): a for a in plan.actions}
    notat = by_case[("3", ("ks", "kdd"))]
    assert (notat.deadline, notat.deadline_text) == (date(2024, 4, 18), "til vårmøtet 2024")
    assert notat.deadline_meeting == MeetingRef("national-spring", 2024)
    plan_au = by_case[(None, ("au",))]
    assert plan_au.deadline == date(2024, 10, 17)
    assert set(asked) == set(scheduled)


def test_case_title_is_kept_for_display(resolver: PartyResolver) -> None:
    plan = _plan("docx", TWO_COLUMNS, resolver)
    assert [a.case_title for a in plan.actions][:3] == [
        "Status for regionale samarbeidsavtaler",
        "Kompetansesatsing",
        "Fagdager for virkemiddelaktørene",
    ]
    wide = _plan("docx", WIDE, resolver)
    assert wide.actions[0].case_title == "Handlingsplan for næringsutvikling"


# --- overrides ----------------------------------------------------------------------------------


def test_meeting_date_override_changes_date_counties_and_deadlines(resolver: PartyResolver) -> None:
    plan = _plan("docx", TWO_COLUMNS, resolver, meeting_date=date(2024, 3, 14))
    assert plan.meeting.date == date(2024, 3, 14)
    assert plan.meeting.kind == "national-spring"
    assert plan.warnings[0] == "Møtedatoen 2024-03-14 er brukt i stedet for datoen i protokollen (2023-10-19)."
    by_text = {a.text: a for a in plan.actions}
    # Viken did not exist in 2024: the same words now name its successors (issue 16).
    assert by_text["Viken fylkeskommune og Vestland fylkeskommune deltar i planleggingen."].parties == (
        "akershus",
        "buskerud",
        "ostfold",
        "vestland",
    )
    # "innen 1. desember" counts from the new meeting date.
    assert by_text[
        "Arbeidsgruppa for fagdager kommer tilbake med datoforslag innen 1. desember."
    ].deadline == date(2024, 12, 1)
    # The fingerprint includes the meeting date.
    original = {a.text: a.fingerprint for a in _plan("docx", TWO_COLUMNS, resolver).actions}
    assert all(original[text] != action.fingerprint for text, action in by_text.items())


def test_region_override_makes_a_regional_meeting(resolver: PartyResolver) -> None:
    plan = _plan("docx", TWO_COLUMNS, resolver, region="Vestland")
    assert (plan.meeting.kind, plan.meeting.region) == ("regional-autumn", "vestland")
    plan = _plan("docx", TWO_COLUMNS, resolver, region="innlandet")
    assert plan.meeting.region == "innlandet"


def test_region_must_be_a_county_on_the_meeting_date(resolver: PartyResolver) -> None:
    with pytest.raises(UserError, match="Ukjent fylke «Akershus»"):
        _plan("docx", TWO_COLUMNS, resolver, region="Akershus")  # from 2024; the meeting is in 2023
    with pytest.raises(UserError, match="Ukjent fylke «KDD»"):
        _plan("docx", TWO_COLUMNS, resolver, region="KDD")


def test_meeting_bound_deadlines_in_running_text(resolver: PartyResolver) -> None:
    protocol = build.Protocol(
        before=["Nasjonal samhandlingsmodell, Trondheim 14. november 2023"],
        table=[
            [["Saker"], ["Oppfølging"]],
            [
                ["Sak 12/23 Kompetanse"],
                [
                    "AU utarbeider et notat som legges fram på vårmøtet 2024.",
                    "KS lager en oversikt som legges fram for styringsgruppen.",
                ],
            ],
        ],
    )
    plan = plan_import(build.docx(protocol), "p.docx", resolver=resolver)
    assert [(a.case, a.parties, a.deadline, a.deadline_text) for a in plan.actions] == [
        ("12/23", ("au",), None, "legges fram på vårmøtet 2024"),
        ("12/23", ("ks",), None, "legges fram for styringsgruppen"),
    ]
    assert [a.deadline_meeting for a in plan.actions] == [
        MeetingRef("national-spring", 2024),
        MeetingRef("steering-group", None),
    ]
    assert plan.actions[0].case_title == "Kompetanse"
