"""What the column headers of a follow-up table mean.

Shared by the extractor (which table, which column) and the PDF reader (which line of text is a
table header at all, since a PDF has no tables). Headers are matched by meaning, not position:
protocols name the same column "Oppfølging", "Videre oppfølging" or "Tiltak", and put it anywhere.
"""

from __future__ import annotations

import re

from handlers.core.text import fold

CASE = "case"
DESCRIPTION = "description"
FOLLOWUP = "followup"
RESPONSIBLE = "responsible"
DEADLINE = "deadline"

# Folded header text (see handlers.text.fold) -> role. Checked as whole phrases first, then by
# the first word, so "Oppfølging/tiltak" and "Ansvarlig part" also match.
_EXACT: dict[str, str] = {
    "sak": CASE,
    "saker": CASE,
    "saksnr": CASE,
    "saksnummer": CASE,
    "sak nr": CASE,
    "nr": CASE,
    "sak/tema": CASE,
    "saker/tema": CASE,
    "beskrivelse": DESCRIPTION,
    "tema": DESCRIPTION,
    "innhold": DESCRIPTION,
    "referat": DESCRIPTION,
    "drofting": DESCRIPTION,
    "kommentar": DESCRIPTION,
    "oppfolging": FOLLOWUP,
    "videre oppfolging": FOLLOWUP,
    "oppfolgingspunkt": FOLLOWUP,
    "oppfolgingspunkter": FOLLOWUP,
    "tiltak": FOLLOWUP,
    "vedtak": FOLLOWUP,
    "vedtak/oppfolging": FOLLOWUP,
    "beslutning": FOLLOWUP,
    "konklusjon": FOLLOWUP,
    "aksjon": FOLLOWUP,
    "aksjonspunkt": FOLLOWUP,
    "aksjonspunkter": FOLLOWUP,
    "oppgave": FOLLOWUP,
    "oppfylging": FOLLOWUP,
    "ansvar": RESPONSIBLE,
    "hvem": RESPONSIBLE,
    "kven": RESPONSIBLE,
    "ansvarleg": RESPONSIBLE,
    "utfores av": RESPONSIBLE,
    "nar": DEADLINE,
    "innen": DEADLINE,
    "frist/nar": DEADLINE,
    "ansvarlig": RESPONSIBLE,
    "ansvarlige": RESPONSIBLE,
    "ansvarlig part": RESPONSIBLE,
    "frist": DEADLINE,
    "tidsfrist": DEADLINE,
    "frist/status": DEADLINE,
}
_FIRST_WORD: dict[str, str] = {
    "sak": CASE,
    "saker": CASE,
    "saksnr": CASE,
    "oppfolging": FOLLOWUP,
    "tiltak": FOLLOWUP,
    "vedtak": FOLLOWUP,
    "vedtak/oppfolging": FOLLOWUP,
    "beslutning": FOLLOWUP,
    "konklusjon": FOLLOWUP,
    "aksjon": FOLLOWUP,
    "aksjonspunkt": FOLLOWUP,
    "aksjonspunkter": FOLLOWUP,
    "oppgave": FOLLOWUP,
    "oppfylging": FOLLOWUP,
    "ansvar": RESPONSIBLE,
    "hvem": RESPONSIBLE,
    "kven": RESPONSIBLE,
    "ansvarleg": RESPONSIBLE,
    "utfores av": RESPONSIBLE,
    "nar": DEADLINE,
    "innen": DEADLINE,
    "frist/nar": DEADLINE,
    "ansvarlig": RESPONSIBLE,
    "frist": DEADLINE,
    "tidsfrist": DEADLINE,
}
# Among several columns with the same role the best one wins: "Oppfølging" beats "Tiltak"
# (a "Tiltak" column next to an "Oppfølging" column describes measures, not who does what).
_PREFERENCE = {
    "oppfolging": 0, "videre oppfolging": 0, "oppfolgingspunkter": 0, "oppfolgingspunkt": 0,
    "vedtak/oppfolging": 0, "oppfylging": 0,
}  # fmt: skip


def role(header: str) -> str | None:
    """The role of one header cell, or None for a column the extractor does not use."""
    text = fold(header.replace("\n", " "))
    text = re.sub(r"\s*/\s*", "/", text)
    if not text or len(text) > 40:
        return None
    if text in _EXACT:
        return _EXACT[text]
    first = re.split(r"[\s/(:-]", text, maxsplit=1)[0]
    return _FIRST_WORD.get(first)


def roles(header_row: tuple[str, ...] | list[str]) -> dict[str, int]:
    """Role -> column index for a header row; the preferred column wins when a role repeats."""
    found: dict[str, tuple[int, int]] = {}
    for index, cell in enumerate(header_row):
        kind = role(cell)
        if kind is None:
            continue
        rank = _PREFERENCE.get(fold(cell), 1)
        if kind not in found or rank < found[kind][0]:
            found[kind] = (rank, index)
    return {kind: index for kind, (_, index) in found.items()}


def is_followup_header(header_row: tuple[str, ...] | list[str]) -> bool:
    """A header row of a follow-up table: it has a follow-up column and at least one other
    column the extractor understands (so a one-column list titled "Tiltak" is not taken)."""
    found = roles(header_row)
    return FOLLOWUP in found and len(found) >= 2


def is_action_header(header_row: tuple[str, ...] | list[str]) -> bool:
    """A header row of an action table without a follow-up column ("Sak | Ansvar | Frist"):
    a text column (case or description) and a responsible or deadline column. The text column
    then holds the action itself."""
    found = roles(header_row)
    has_text = CASE in found or DESCRIPTION in found
    return FOLLOWUP not in found and has_text and (RESPONSIBLE in found or DEADLINE in found)
