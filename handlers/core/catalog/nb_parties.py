"""Norwegian texts about parties: unknown names, suggestions, lists of responsible parties."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    # The word joining the last two names of a list: "AU, KDD og Nordland fylkeskommune".
    "parties.and": "og",
    # The word joining the last two alternatives: "Mente du Akershus, Buskerud eller Østfold?".
    "parties.or": "eller",
    # Shown where a list of responsible parties is empty.
    "parties.none": "ingen",
    "parties.missing": "Oppgi hvem som er ansvarlig, for eksempel «AU», «KDD» eller «Nordland».",
    "parties.unknown": "Finner ingen part som heter «{name}».",
    "parties.unknown_suggest": "Finner ingen part som heter «{name}». Mente du {suggestions}?",
    "parties.ended": "«{name}» finnes ikke per {on}: {party} fantes bare til og med {valid_to}.",
    "parties.not_started": "«{name}» finnes ikke per {on}: {party} regnes som part først fra {valid_from}.",
    "parties.suggest_instead": "Bruk heller {suggestions}.",
    "parties.context_without_county": (
        "«{name}» betyr fylkeskommunen som holder møtet, men dette er ikke et regionalt møte. "
        "Skriv navnet, for eksempel «Nordland fylkeskommune»."
    ),
    "parties.reform_question": "{old} er nå {new} – {which}?",
    "parties.reform_hint": "Skriv «tidligere {old}» om alle er ment, eller navnet på fylket du mener.",
    "parties.reform_which.2": "begge",
    "parties.reform_which.3": "alle tre",
    "parties.reform_which.many": "alle",
    "parties.adhoc_hint": "Er det en ny gruppe, kan den opprettes som en egen part.",
}
