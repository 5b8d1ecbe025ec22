"""The labelled corpus (tests/corpus): the same evaluation as `make accuracy`, as a gate.

Zero silently wrong dates is absolute. The share of parties and deadlines right is held at the
level measured when the corpus was written (the issue's goal is 98 %); the families still short
of it belong to the party resolver and the date parser and are listed in docs/ACCURACY.md. Raise
these floors when those improve; never edit a label to make a number go up.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.corpus.render import FORMATS, sources
from tests.support.accuracy import Tally, evaluate, label, report

# Measured on 36 protocols (89 actions) at the commit that added the corpus.
PARTIES_FLOOR = 0.98
DEADLINES_FLOOR = 0.98
MEETING_FACTS_FLOOR = 0.98
LAYOUTS_FLOOR = 0.98


@pytest.fixture(scope="module")
def tally() -> Tally:
    return evaluate()


def test_corpus_covers_every_format_kind_and_language() -> None:
    corpus = sources()
    assert len(corpus) >= 30
    assert {source.format for source in corpus} == set(FORMATS)
    kinds = Counter(label(source)["meeting"]["kind"].replace("-spring", "").replace("-autumn", "") for source in corpus)
    assert {"national", "regional", "au", "steering-group"} <= set(kinds)
    years = {label(source)["meeting"]["date"][:4] for source in corpus}
    assert {"2023", "2024"} <= years
    assert Counter(source.language for source in corpus)["nn"] >= 5


def test_no_silently_wrong_date(tally: Tally) -> None:
    wrong = [line for line in tally.details if line.startswith("deadlines · silently wrong")]
    assert wrong == []


def test_no_silently_wrong_meeting_fact(tally: Tally) -> None:
    assert tally.counts["meeting facts"]["silently wrong"] == 0


def test_parties_and_deadlines_at_the_measured_level(tally: Tally) -> None:
    assert tally.share("parties") >= PARTIES_FLOOR, report(tally)
    assert tally.share("deadlines") >= DEADLINES_FLOOR, report(tally)
    assert tally.share("meeting facts") >= MEETING_FACTS_FLOOR, report(tally)
    assert tally.share("layouts") >= LAYOUTS_FLOOR, report(tally)


def test_report_has_the_table_date_and_commit(tally: Tally) -> None:
    text = report(tally)
    assert "| family | expected | right | refused | asked | silently wrong | missed | right % |" in text
    assert "at commit `" in text
    for family in ("meeting facts", "parties", "deadlines", "layouts"):
        assert f"| {family} |" in text
