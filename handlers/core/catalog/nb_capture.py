"""Bokmål texts for capturing actions where the conversation happens (shortcuts, the Teams message
extension, the meeting panel) and for snoozing one reminder ("Minn meg på igjen")."""

TEXTS = {
    # Reminder buttons
    "capture.button.again_tomorrow": "Minn meg på igjen i morgen",
    "capture.button.again_week": "Minn meg på igjen om en uke",
    "capture.button.again_pick": "Minn meg på igjen …",
    "capture.ask.again_date": "Minn meg på igjen (bare her – fristen står)",
    "capture.button.new_deadline": "Ny frist for alle …",
    "capture.ask.new_deadline": "Ny frist – endrer fristen for alle ansvarlige",
    # Snoozing one reminder
    "capture.help.snooze": "`minn-igjen N i morgen | om en uke | DATO` – få påminnelsen om punkt N her igjen senere; fristen står",
    "capture.snooze.usage": "Skriv for eksempel `/oppfølging minn-igjen 12 i morgen` eller `/oppfølging minn-igjen 12 om en uke`.",
    "capture.snooze.missing": "Når vil du bli minnet på igjen? Skriv «i morgen», «om en uke» eller en dato.",
    "capture.snooze.past": "«{text}» er ikke fram i tid. Velg en dag etter i dag.",
    "capture.snooze.not_open": "Punkt {id} er {status}, så det kommer ingen flere påminnelser om det.",
    "capture.snooze.not_here": "Jeg har ikke sendt noen påminnelse om punkt {id} hit, så det er ingen påminnelse å utsette her.",
    "capture.snooze.action_wide": "Vil du sette alle påminnelsene om punktet på pause? Skriv `/oppfølging utsett-påminnelse {id} 1 uke`.",
    "capture.snooze.done": "Greit – du blir minnet på punkt {id} igjen {day}",
    "capture.snooze.deadline_stays": "Fristen står: {deadline}. Bare påminnelsen her er utsatt.",
    "capture.snooze.moved_to_workday": "{chosen} er ikke en arbeidsdag, så påminnelsen kommer {day}.",
    "capture.snooze.back": "Du ba om å bli minnet på dette igjen i dag.",
    "capture.history.snooze": "påminnelsen til {where} utsatt til {day} (fristen står)",
    # Where an action came from (`vis N`)
    "capture.show.link": "Fra meldingen: {link}",
    "capture.show.protocol": "Fra protokollen (importert)",
    # The duplicate guard
    "capture.duplicate.title": "Dette ligner et punkt som allerede er åpent",
    "capture.duplicate.message": "Ligner punkt {id} fra samme møte og for de samme partene: «{text}»",
    "capture.duplicate.choose": "Åpne punkt {id} i stedet (`/oppfølging vis {id}`), eller velg «Lagre likevel» og lagre på nytt.",
    "capture.duplicate.open": "Åpne punkt {id}",
    "capture.duplicate.field": "Ligner et åpent punkt",
    "capture.duplicate.save_anyway": "Lagre likevel – det er et nytt punkt",
    "capture.duplicate.hint": "Velg dette bare hvis punktet ikke er det samme som punkt {id}.",
    # Shortcuts and the message extension
    "capture.message_unreadable": "Jeg får ikke lest den meldingen – den er kanskje slettet, eller i en privat kanal eller samtale jeg ikke er med i. Ingenting er lagret. Legg meg til i kanalen, eller skriv punktet med `/oppfølging ny`.",
    "capture.form_failed": "Skjemaet kunne ikke åpnes. Prøv igjen, eller skriv `/oppfølging ny`.",
    "capture.saved_from_message": "Lagret fra meldingen.",
    "capture.search.none": "Fant ingen oppfølgingspunkter med «{words}».",
    # The Teams app package (message extension commands)
    "capture.teams.action_title": "Lag oppfølgingspunkt",
    "capture.teams.action_description": "Gjør meldingen til et oppfølgingspunkt, med lenke tilbake hit",
    "capture.teams.search_title": "Oppfølging",
    "capture.teams.search_description": "Finn et oppfølgingspunkt og sett kortet inn i samtalen",
    "capture.teams.search_parameter": "Søk",
    "capture.teams.search_parameter_description": "Ord fra teksten, eller nummeret på punktet",
}
