"""Bokmål texts that only the Slack adapter shows (Block Kit labels, modals, App Home)."""

TEXTS = {
    # Messages
    "slack.fallback": "Oppfølging",
    "slack.continued": "Fortsettelse, del {part} av {parts}",
    "slack.overdue": "forfalt",
    "slack.changed_by": "✔️ {what} (av <@{user}>)",
    "slack.open_form": "Åpne skjema",
    "slack.form_hint": "Trykk på knappen for å fylle ut skjemaet.",
    "slack.button_outdated": "Denne knappen er utdatert. Skriv kommandoen på nytt, f.eks. `/oppfølging liste`.",
    "slack.form_failed": "Skjemaet kunne ikke åpnes. Prøv igjen, eller skriv `/oppfølging ny PART: tekst innen dato`.",
    # Modals
    "slack.cancel": "Avbryt",
    "slack.ask.item": "Punkt {id}",
    "slack.ask.date_label": "Ny frist",
    "slack.ask.text_label": "Kommentar",
    "slack.ask.missing_date": "Velg en dato.",
    "slack.ask.missing_text": "Skriv en kommentar.",
    # App Home
    "slack.home.intro": "Punktene til partene du er medlem av, forfalte først. "
    "Skriv `/oppfølging hjelp` for alle kommandoene.",
    "slack.home.meetings": "Neste møter",
    "slack.home.no_meetings": "Ingen kommende møter er registrert.",
    "slack.home.meeting": "*{when}* – {title}",
    "slack.home.meeting_place": "*{when}* – {title}, {place}",
    "slack.home.more": "Det er flere punkter enn det er plass til her. Skriv `/oppfølging mine` for hele listen.",
}
