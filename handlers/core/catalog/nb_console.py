"""Bokmål texts for the local terminal chat and the command line."""

TEXTS = {
    "console.welcome": "Oppfølging – lokal chat. Skriv det du ville skrevet i Slack, f.eks. `/oppfølging liste` "
    "eller `/oppfølging hjelp`. `avslutt` eller Ctrl-D avslutter.",
    "console.form_hint": "(I Slack og Teams åpnes et skjema her. I terminalen: `/oppfølging ny PART: tekst innen dato`.)",
    "cli.init_done": "Databasen er klar ({url}).",
    "cli.demo_loaded": "Eksempeldata lagt inn: {actions} oppfølgingspunkter og {meetings} møter.",
    "cli.demo_exists": "Databasen har allerede oppfølgingspunkter; eksempeldata ble ikke lagt inn.",
}
