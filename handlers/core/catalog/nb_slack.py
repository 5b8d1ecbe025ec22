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
    # Submitted forms: acknowledged at once, saved after (bot.slack.modals)
    "slack.form.saving": "⏳ Lagrer …",
    "slack.form.close": "Lukk",
    "slack.form.required": "Fyll ut dette feltet.",
    "slack.form.too_long": "Teksten er for lang ({length} tegn; høyst {max}).",
    "slack.form.bad_date": "Velg en gyldig dato.",
    "slack.form.fix": "⚠️ Ingenting er lagret ennå. Rett feltene som er merket, og trykk på knappen igjen.",
    # App Home
    "slack.home.intro": "Punktene til partene du er medlem av, forfalte først. Bruk knappene for å legge til, "
    "bla og se møter.",
    "slack.home.new": "Nytt punkt",
    "slack.home.mine": "Mine punkter",
    "slack.home.all": "Alle punkter",
    "slack.home.next_meeting": "Neste møte",
    "slack.home.meetings": "Neste møter",
    "slack.home.no_meetings": "Ingen kommende møter er registrert.",
    "slack.home.meeting": "*{when}* – {title}",
    "slack.home.meeting_place": "*{when}* – {title}, {place}",
    "slack.home.more": "Det er flere punkter enn det er plass til her. Bruk «Neste side» for resten.",
    # Channels the bot cannot post in: the subscribe check, and the message to whoever subscribed one
    "slack.channel.joined": "Jeg har blitt med i kanalen, så påminnelsene kan komme hit.",
    "slack.channel.invite": "⚠️ Jeg er ikke med i denne kanalen og kan ikke poste her. Inviter meg med "
    "`/invite @Oppfølging`, og skriv `/oppfølging abonner {parties}` igjen etterpå. Til da går påminnelsene "
    "til partens andre mottakere.",
    "slack.channel.archived": "Kanalen er arkivert, så jeg kan ikke poste påminnelser her. Abonner i en annen "
    "kanal. Ingenting er endret.",
    "slack.channel.ok": "Jeg er med i kanalen, så påminnelsene kommer hit igjen.",
    "slack.broken.title": "Jeg får ikke postet påminnelser i {channel}",
    "slack.broken.parties": "Kanalen abonnerer på påminnelser for {parties}. Til det er rettet, går påminnelsene "
    "til partens andre mottakere.",
    "slack.broken.not_in_channel": "Jeg er ikke med i kanalen. Inviter meg med `/invite @Oppfølging` i {channel}, "
    "og skriv `/oppfølging abonner PART` der igjen.",
    "slack.broken.channel_not_found": "Kanalen er privat og jeg er ikke med der, eller den er slettet. Er den privat: "
    "inviter meg med `/invite @Oppfølging` i kanalen, og skriv `/oppfølging abonner PART` der igjen. Er den slettet: "
    "abonner i en annen kanal.",
    "slack.broken.is_archived": "Kanalen er arkivert. Abonner i en annen kanal med `/oppfølging abonner PART`.",
    "slack.broken.forbidden": "Slack avviste meldingen. Inviter meg med `/invite @Oppfølging` i {channel}.",
    "slack.broken.not_found": "Jeg finner ikke kanalen lenger. Abonner i en annen kanal med "
    "`/oppfølging abonner PART`.",
    "slack.broken.other": "Slack avviste meldingen. Sjekk at jeg er med i kanalen (`/invite @Oppfølging`), "
    "eller abonner i en annen kanal.",
}
