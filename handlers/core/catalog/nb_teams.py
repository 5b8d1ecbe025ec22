"""Bokmål texts of the Microsoft Teams app: card labels, hints and the app manifest."""

TEXTS = {
    # Cards
    "teams.ask_submit": "Lagre",
    "teams.ask_required": "Dette feltet må fylles ut.",
    "teams.ask_missing": "Fyll inn «{label}» før du trykker Lagre. Ingenting er endret.",
    "teams.bad_action": "Denne knappen kan ikke brukes lenger. Skriv kommandoen på nytt, f.eks. `/oppfølging liste`.",
    "teams.no_text": "Jeg fikk ingen tekst. Skriv for eksempel `/oppfølging liste` eller `/oppfølging hjelp`.",
    "teams.choose": "Velg …",
    "teams.no_choice": "(ingen)",
    "teams.part": "{title} – del {part} av {parts}",
    "teams.untitled": "Oppfølging",
    "teams.case": "sak {case}",
    "teams.done_banner": "✔ {text}",
    "teams.welcome_title": "Hei! Jeg er Oppfølging",
    "teams.welcome": "Jeg holder orden på oppfølgingspunktene fra møtene i Nasjonal samhandlingsmodell. "
    "Skriv `/oppfølging liste` for å se åpne punkter, `/oppfølging ny` for å legge til et punkt, "
    "eller `/oppfølging hjelp` for alt jeg kan. I en kanal må du nevne meg med @Oppfølging.",
    # A view for one person (Universal Actions user-specific views): what everyone else sees of it
    "teams.private_view": "Svar til {name}. Bare {name} ser innholdet.",
    # Chats and channels the bot cannot post in any more (the message to whoever subscribed one)
    "teams.broken.title": "Jeg får ikke postet påminnelser i {channel}",
    "teams.broken.parties": "Kanalen abonnerer på påminnelser for {parties}. Til det er rettet, går påminnelsene "
    "til partens andre mottakere.",
    "teams.broken.forbidden": "Teams sier at appen ikke lenger er lagt til der. Legg til Oppfølging i teamet igjen, "
    "og skriv `@Oppfølging abonner PART` i kanalen.",
    "teams.broken.not_found": "Teams finner ikke samtalen lenger. Abonner i en annen kanal med "
    "`@Oppfølging abonner PART`.",
    "teams.broken.not_in_channel": "Appen er ikke lagt til i {channel}. Legg til Oppfølging i teamet igjen.",
    "teams.broken.channel_not_found": "Teams finner ikke kanalen lenger. Abonner i en annen kanal.",
    "teams.broken.is_archived": "Teamet er arkivert. Abonner i en annen kanal.",
    "teams.broken.other": "Teams avviste meldingen. Legg til Oppfølging i teamet igjen, eller abonner i en "
    "annen kanal.",
    # App manifest (what Teams shows in the app store and the command menu)
    "teams.app_short_name": "Oppfølging",
    "teams.app_full_name": "Oppfølging – Nasjonal samhandlingsmodell",
    "teams.app_short_description": "Oppfølgingspunktene fra møtene i Nasjonal samhandlingsmodell",
    "teams.app_full_description": "Oppfølging holder orden på oppfølgingspunktene fra protokollene i Nasjonal "
    "samhandlingsmodell: hvem som er ansvarlig, fristen og status. Den minner ansvarlig part på fristene, sender "
    "ukentlige sammendrag og svarer på spørsmål om neste nasjonale og regionale møte. Fylkeskommuner i Teams og "
    "virkemiddelaktører i Slack ser de samme punktene.",
    "teams.cmd.liste": "Åpne punkter gruppert etter frist, f.eks. «liste AU» eller «liste Nordland forfalt»",
    "teams.cmd.mine": "Punktene til partene du er medlem av",
    "teams.cmd.ny": "Nytt punkt: «ny AU: Sende brev til KDD innen 15. juni», eller bare «ny» for et skjema",
    "teams.cmd.vis": "Ett punkt med historikk: «vis 12»",
    "teams.cmd.ferdig": "Marker et punkt som ferdig: «ferdig 12»",
    "teams.cmd.utsett": "Ny frist: «utsett 12 til uke 35»",
    "teams.cmd.kommenter": "Legg til en kommentar: «kommenter 12 Utkast sendt»",
    "teams.cmd.medlem": "Bli medlem av en part: «medlem Vestland»",
    "teams.cmd.abonner": "Denne kanalen får påminnelser og sammendrag for en part: «abonner AU»",
    "teams.cmd.neste": "Spør med vanlige ord, f.eks. «når er neste høstmøte?»",
    "teams.cmd.hjelp": "Alt Oppfølging kan",
}
