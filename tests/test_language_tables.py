"""The labelled date and party tables (tests/fixtures/language/), one test per row and per family.

Every row must be right; separately, no row may be silently wrong (the issue's hard rule), so a
row that regresses to a refusal fails one test, and one that regresses to a wrong date fails two.
"""

from __future__ import annotations

import pytest

from tests.support.language import evaluate_date_row, evaluate_party_row, evaluate_table, load, tally

DATES = load("dates")
PARTIES = load("parties")


def _id(row: dict[str, object]) -> str:
    return f"{row['family']}:{row.get('text') or row.get('sentence')}"


@pytest.mark.parametrize("row", DATES["rows"], ids=_id)
def test_date_row(row: dict[str, object]) -> None:
    result = evaluate_date_row(row, DATES)
    assert result.right, f"{result.label!r}: expected {row['expect']} {row.get('date') or row.get('alternatives') or ''}, got {result.got}"


@pytest.mark.parametrize("row", PARTIES["rows"], ids=_id)
def test_party_row(row: dict[str, object]) -> None:
    result = evaluate_party_row(row)
    assert result.right, f"{result.label!r}: got {result.got}"


@pytest.mark.parametrize("name", ["dates", "parties"])
def test_no_row_is_silently_wrong(name: str) -> None:
    wrong = [f"{ev.label!r} -> {ev.got}" for ev in evaluate_table(name) if ev.silently_wrong]
    assert not wrong, "silently wrong:\n" + "\n".join(wrong)


def test_every_family_has_error_cases_and_the_tally_adds_up() -> None:
    counts = tally(evaluate_table("dates"))
    assert {"week", "workdays", "named_days", "weekday_in_weeks", "relative", "periods", "sentences"} <= set(counts)
    for family in ("week", "workdays", "named_days", "weekday_in_weeks", "relative", "periods", "sentences"):
        assert any(row["family"] == family and row["expect"] in ("refused", "question") for row in DATES["rows"]), family
    assert sum(c["rows"] for c in counts.values()) == len(DATES["rows"])


def test_the_evaluator_catches_a_silently_wrong_row() -> None:
    # The evaluator itself must not be a test that cannot fail: a wrong label is reported as such.
    row = {"family": "check", "text": "fredag om to uker", "expect": "date", "date": "2026-03-18"}
    result = evaluate_date_row(row, DATES)
    assert result.silently_wrong and not result.right
