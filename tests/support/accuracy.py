"""How well the protocol import reads the labelled corpus: `make accuracy` and its test.

Every protocol in tests/corpus/protocols is rendered to its file format (tests/corpus/render.py),
imported with `plan_import` exactly as a user's upload is, and compared with its label file.
Each expected fact ends in one of these outcomes:

* right — as labelled (a deadline labelled "refused" or "asked" is right when it was);
* refused — not taken, with a reason the user sees (a warning, an info item);
* asked — the user is asked (an unknown party marker, an unclear meeting fact, a date question);
* silently wrong — a different value given without a word: the outcome that must never happen;
* missed — no action at all where one was expected (counted under parties and deadlines too).

Families: meeting facts (type, county, date, place, next meeting), actions (matched by the
label's gist words; "extra" are actions that no label expects), parties, deadlines and layouts.

`python -m tests.support.accuracy` writes docs/ACCURACY.md with the date and the commit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from handlers.core.errors import UserError
from handlers.core.text import fold
from handlers.importing.extract import ImportPlan, PlannedAction, plan_import
from handlers.parties.resolver import default_resolver
from tests.corpus.render import CORPUS, Source, render, sources

FAMILIES = ("meeting facts", "actions", "parties", "deadlines", "layouts")
OUTCOMES = ("right", "refused", "asked", "silently wrong", "missed")
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Tally:
    counts: dict[str, Counter[str]] = field(default_factory=lambda: {f: Counter() for f in FAMILIES})
    extra: int = 0
    details: list[str] = field(default_factory=list)  # one line per outcome that is not right
    formats: Counter[str] = field(default_factory=Counter)

    def add(self, family: str, outcome: str, where: str, detail: str = "") -> None:
        self.counts[family][outcome] += 1
        if outcome != "right":
            self.details.append(f"{family} · {outcome} · {where}: {detail}")

    def expected(self, family: str) -> int:
        return sum(self.counts[family].values())

    def share(self, family: str, outcome: str = "right") -> float:
        total = self.expected(family)
        return self.counts[family][outcome] / total if total else 1.0


def label(source: Source) -> dict[str, Any]:
    return json.loads((CORPUS / f"{source.name}.label.json").read_text(encoding="utf-8"))


def _words(text: str) -> list[str]:
    return fold(text).split()


def _match(gist: str, actions: list[PlannedAction], used: set[int]) -> PlannedAction | None:
    wanted = _words(gist)
    for index, action in enumerate(actions):
        folded = fold(action.text)
        if index not in used and all(word in folded for word in wanted):
            used.add(index)
            return action
    return None


def _deadline_outcome(action: PlannedAction, expected: str | None) -> tuple[str, str]:
    status = action.deadline_status
    found: str | None
    if action.deadline is not None:
        found = action.deadline.isoformat()
    elif status in ("refused", "asked", "meeting"):
        found = status
    else:
        found = None
    shown = f"ventet {expected}, fikk {found} ({action.deadline_text or '–'})"
    if found == expected:
        return "right", shown
    if found in ("refused", "asked"):
        return found, shown
    if found is None:
        return "missed", shown
    if found == "meeting":
        return "refused", shown  # kept as text tied to a meeting: visible, not a wrong date
    return "silently wrong", shown


def _meeting(tally: Tally, name: str, plan: ImportPlan, want: dict[str, Any]) -> None:
    meeting = plan.meeting
    got = {
        "kind": meeting.kind,
        "region": meeting.region,
        "date": meeting.date.isoformat() if meeting.date else None,
        "place": meeting.place,
        "next": plan.next_meeting.date.isoformat() if plan.next_meeting and plan.next_meeting.date else None,
    }
    for key in ("kind", "region", "date", "place", "next"):
        if key not in want:
            continue
        expected, found = want[key], got[key]
        where = f"{name} {key}"
        if found == expected:
            tally.add("meeting facts", "right", where)
        elif key in meeting.unclear:
            tally.add("meeting facts", "asked", where, f"ventet {expected}, spør (gjetter {found})")
        elif found is None:
            tally.add("meeting facts", "refused", where, f"ventet {expected}, fant ingenting")
        else:
            tally.add("meeting facts", "silently wrong", where, f"ventet {expected}, fikk {found}")


def evaluate_one(tally: Tally, source: Source) -> None:
    want = label(source)
    data = render(source)
    tally.formats[source.format] += 1
    try:
        plan = plan_import(data, source.filename, resolver=default_resolver())
    except UserError as error:
        for family in ("actions", "parties", "deadlines"):
            for _ in want["actions"]:
                tally.add(family, "refused", source.name, error.message)
        tally.add("layouts", "refused", source.name, error.message)
        return
    _meeting(tally, source.name, plan, want["meeting"])
    expected_layouts = set(want.get("layouts", []))
    if expected_layouts <= set(plan.layout_kinds):
        tally.add("layouts", "right", source.name)
    else:
        tally.add("layouts", "missed", source.name, f"ventet {sorted(expected_layouts)}, fant {list(plan.layout_kinds)}")
    actions = list(plan.actions)
    used: set[int] = set()
    for item in want["actions"]:
        where = f"{source.name} «{item['gist']}»"
        action = _match(item["gist"], actions, used)
        if action is None:
            info = any(all(w in fold(i.text) for w in _words(item["gist"])) for i in plan.info)
            outcome = "refused" if info else "missed"
            for family in ("actions", "parties", "deadlines"):
                tally.add(family, outcome, where, "lagt til side som informasjon" if info else "ikke funnet")
            continue
        tally.add("actions", "right", where)
        expected_parties = sorted(item["parties"])
        found_parties = sorted(action.parties)
        if found_parties == expected_parties:
            tally.add("parties", "right", where)
        elif any(p.startswith("?") for p in found_parties):
            tally.add("parties", "asked", where, f"ventet {expected_parties}, fikk {found_parties}")
        else:
            tally.add("parties", "silently wrong", where, f"ventet {expected_parties}, fikk {found_parties}")
        outcome, shown = _deadline_outcome(action, item.get("deadline"))
        tally.add("deadlines", outcome, where, shown)
    for index, action in enumerate(actions):
        if index not in used:
            tally.extra += 1
            tally.details.append(f"actions · extra · {source.name}: «{action.text[:90]}» {list(action.parties)}")


def evaluate() -> Tally:
    tally = Tally()
    for source in sources():
        evaluate_one(tally, source)
    return tally


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)
    except OSError:
        return "ukjent"
    return out.stdout.strip() or "ukjent"


def report(tally: Tally, *, today: date | None = None) -> str:
    today = today or date.today()
    lines = [
        "# Accuracy of the protocol import",
        "",
        f"Generated by `make accuracy` on {today.isoformat()} at commit `{_commit()}`. Do not edit by hand.",
        "",
        f"Corpus: {sum(tally.formats.values())} fictional protocols and minutes in tests/corpus/protocols "
        f"({', '.join(f'{n} {fmt}' for fmt, n in sorted(tally.formats.items()))}), each with a label file.",
        "The forum judges the import on protocols none of these contain: the rules aim at families, not at",
        "these examples, and the labels are never tuned to the code.",
        "",
        "| family | expected | right | refused | asked | silently wrong | missed | right % |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for family in FAMILIES:
        c = tally.counts[family]
        lines.append(
            f"| {family} | {tally.expected(family)} | {c['right']} | {c['refused']} | {c['asked']} | "
            f"{c['silently wrong']} | {c['missed']} | {100 * tally.share(family):.1f} |"
        )
    lines += [
        "",
        f"Actions found that no label expects (extra): {tally.extra}.",
        "",
        "Outcomes: *right* as labelled; *refused* not taken, with a reason shown; *asked* the preview asks",
        "(unknown party, unclear meeting fact, date question); *silently wrong* a different value with no",
        "word — must stay 0 for dates; *missed* nothing found where something was expected.",
        "",
        "## Everything that was not right",
        "",
    ]
    lines += [f"- {detail}" for detail in tally.details] or ["- nothing"]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    target = ROOT / "docs" / "ACCURACY.md"
    tally = evaluate()
    text = report(tally)
    target.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
