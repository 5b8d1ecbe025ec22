"""Bokmål texts for the meeting calendar, the questions about meetings and the follow-up report."""

from __future__ import annotations

_QUESTION_EXAMPLES = (
    "«Når er neste møte?», «Når er det nasjonale høstmøtet?», «Når har Agder neste dialogmøte?», "
    "«Hvor skal vårmøtet være?», «Hvem kaller inn til høstmøtet?», «Hvilke møter er det i januar?», "
    "«Når møtes arbeidsutvalget?», «Er det noe møte i uke 12?», «Hvilke møter er det neste uke?» eller "
    "«Blir det vårmøte 22. april?»"
)

TEXTS: dict[str, str] = {
    # --- kinds, as they read in running text -----------------------------------------------------
    "meeting.kind.national-spring": "nasjonalt vårmøte",
    "meeting.kind.national-autumn": "nasjonalt høstmøte",
    "meeting.kind.regional-spring": "regionalt vårmøte (dialogmøte)",
    "meeting.kind.regional-autumn": "regionalt høstmøte (dialogmøte)",
    "meeting.kind.au": "møte i arbeidsutvalget (AU)",
    "meeting.kind.steering-group": "styringsgruppemøte for Missionssatsingen",
    "meeting.kind.other": "annet møte",
    # The same, as the subject of a sentence ("Det nasjonale vårmøtet er ikke fastsatt ennå").
    "meeting.subject.national-spring": "det nasjonale vårmøtet",
    "meeting.subject.national-autumn": "det nasjonale høstmøtet",
    "meeting.subject.regional-spring": "det regionale vårmøtet (dialogmøtet)",
    "meeting.subject.regional-autumn": "det regionale høstmøtet (dialogmøtet)",
    "meeting.subject.au": "neste møte i arbeidsutvalget",
    "meeting.subject.steering-group": "neste møte i styringsgruppen",
    "meeting.subject.other": "møtet",
    "meeting.subject.national": "neste nasjonale møte",
    "meeting.subject.regional": "neste regionale dialogmøte",
    "meeting.subject.any": "neste møte",
    "meeting.subject.in_county": "{subject} i {county}",
    "meeting.subject.year": "{subject} {year}",
    # Default titles for meetings added without one.
    "meeting.title.national-spring": "Nasjonalt vårmøte {year}",
    "meeting.title.national-autumn": "Nasjonalt høstmøte {year}",
    "meeting.title.regional-spring": "Dialogmøte {county}, vår {year}",
    "meeting.title.regional-autumn": "Dialogmøte {county}, høst {year}",
    "meeting.title.au": "Møte i arbeidsutvalget",
    "meeting.title.steering-group": "Styringsgruppemøte for Missionssatsingen",
    "meeting.title.other": "Møte",
    # --- the agreement, in our own words -------------------------------------------------------
    "meeting.theme.national-spring": (
        "Blikket framover: hvilke utfordringer partene ser komme og hva de bør satse på. "
        "Samspillet mellom nasjonale og regionale virkemidler og EU-programmene er også på agendaen."
    ),
    "meeting.theme.national-autumn": (
        "Hva årets satsinger har gitt av erfaringer, og hvilke muligheter neste periode kan gi. "
        "Samspillet mellom nasjonale og regionale virkemidler og EU-programmene er også på agendaen."
    ),
    "meeting.theme.regional-spring": (
        "Virkemiddelaktørene forteller hvordan de har fulgt opp den regionale samarbeidsavtalen, og hvilke "
        "utfordringer og utviklingstrekk de venter for fylket året etter."
    ),
    "meeting.theme.regional-autumn": (
        "Administrativ dialog mellom fylkeskommunen og virkemiddelaktørene om hvordan samarbeidsavtalen "
        "følges opp, og om den trenger endringer."
    ),
    "meeting.theme.au": "Arbeidsutvalget forbereder og planlegger møtene i Nasjonal samhandlingsmodell.",
    "meeting.theme.steering-group": (
        "Nasjonal samhandlingsmodell samlet som styringsgruppe for Missionssatsingen og andre fellessatsinger."
    ),
    "meeting.expect.national-spring": "Etter avtalen holdes vårmøtet om våren, og {convener} kaller inn i god tid.",
    "meeting.expect.national-autumn": "Etter avtalen holdes høstmøtet om høsten, og {convener} kaller inn i god tid.",
    "meeting.expect.regional-spring": (
        "Etter avtalen holdes det regionale vårmøtet i vårhalvåret (for eksempel i april), etter det "
        "nasjonale vårmøtet, og {convener} kaller inn."
    ),
    "meeting.expect.regional-autumn": (
        "Etter avtalen holdes det regionale høstmøtet i høsthalvåret (for eksempel i november), etter det "
        "nasjonale høstmøtet, og {convener} kaller inn."
    ),
    "meeting.expect.au": "Arbeidsutvalget møtes etter behov og kaller selv inn.",
    "meeting.expect.steering-group": "Styringsgruppen møtes etter behov; arbeidsutvalget kaller inn.",
    "meeting.expect.other": "Avtalen sier ikke noe om når slike møter holdes.",
    "meeting.expect.each_county": "hvert fylke",
    "meeting.convener.each_county": "fylkeskommunen i hvert fylke",
    "meeting.convener.nobody": "ikke oppgitt",
    # --- one meeting -----------------------------------------------------------------------------
    "meeting.when_line": "Når: {when}",
    "meeting.where_line": "Hvor: {place}",
    "meeting.kind_line": "Type: {kind}",
    "meeting.county_line": "Fylke: {county}",
    "meeting.convener_line": "Kaller inn: {convener}",
    "meeting.theme_line": "Tema etter avtalen: {theme}",
    "meeting.id_line": "Møtenummer: {id}",
    "meeting.place_unknown": "ikke bestemt ennå",
    "meeting.range": "{start}–{end:02d}.{end_minute:02d}",
    "meeting.all_day": "{date} (hele dagen)",
    "meeting.cancelled_mark": "AVLYST",
    "meeting.list_line": "{id}. {when} – {title}{place}",
    "meeting.list_place": ", {place}",
    "meeting.due_title": "Åpne punkter med frist innen møtet ({count})",
    "meeting.due_none": "Ingen åpne punkter har frist innen møtet.",
    "meeting.due_count": "Åpne punkter med frist innen møtet: {count} (se `møte {id}`)",
    "meeting.due_more": "… og {count} til. Skriv `/oppfølging liste` for alle.",
    "meeting.button.report": "Oppfølgingsrapport",
    # --- commands --------------------------------------------------------------------------------
    "meeting.help.next": "`neste møte [nasjonalt|regionalt|Vestland|AU]` – neste møte med tid, sted, tema og hva som skal være gjort",
    "meeting.help.list": "`møter [nasjonalt|Vestland|alle]` – kommende møter",
    "meeting.help.manage": "`møte ny høstmøte 21. oktober 2027 kl. 10 i Oslo`, `møte flytt 3 28. oktober`, `møte avlys 3` – legg til og endre møter (administratorer). `møte ny` alene åpner et skjema",
    "meeting.help.report": "`rapport [møte]` – «oppfølging fra forrige møte» til sakslisten",
    "meeting.next_title": "Neste møte",
    "meeting.list_title": "Kommende møter",
    "meeting.list_title_filtered": "Kommende møter: {what}",
    "meeting.list_empty": "Ingen kommende møter er registrert.",
    "meeting.list_more": "Viser {shown} av {total}.",
    "meeting.show_title": "{title}",
    "meeting.none_scheduled": "{subject} er ikke fastsatt ennå.",
    "meeting.none_scheduled_any": "Ingen kommende møter er registrert ennå.",
    "meeting.usage": (
        "Bruk: `møte ny …`, `møte flytt N dato`, `møte avlys N` eller `møte N`. "
        "Eksempel: `møte ny høstmøte 21. oktober 2027 kl. 10 i Oslo`."
    ),
    "meeting.bad_filter": "Forstod ikke «{text}». Skriv for eksempel `neste møte nasjonalt`, `neste møte Vestland` eller `neste møte AU`.",
    "meeting.bad_id": "«{value}» er ikke et møtenummer. Skriv `/oppfølging møter` for å se numrene.",
    "meeting.missing_kind": (
        "Hva slags møte? Begynn med vårmøte, høstmøte, dialogmøte (med fylke), AU-møte eller "
        "styringsgruppemøte. Eksempel: `møte ny dialogmøte Vestland 22. april 2027 kl. 9 i Bergen`."
    ),
    "meeting.missing_date": "Hvilken dato? Eksempel: `møte ny høstmøte 21. oktober 2027 kl. 10 i Oslo`. Ingenting er lagret.",
    "meeting.bad_date": "Forstod ikke datoen «{text}». Skriv for eksempel «21. oktober 2027» eller «21.10.2027». Ingenting er lagret.",
    "meeting.date_is_meeting": "Et møte må ha en dato, ikke en henvisning til et annet møte («{text}»).",
    "meeting.bad_time": "Klokkeslettet «{text}» finnes ikke. Skriv for eksempel «kl. 10» eller «kl. 9.30–15». Ingenting er lagret.",
    "meeting.end_before_start": "Møtet kan ikke slutte før det begynner ({text}). Ingenting er lagret.",
    "meeting.missing_county": (
        "Et regionalt møte hører til et fylke. Skriv fylket, f.eks. `møte ny dialogmøte Agder vår "
        "22. april 2027`. Ingenting er lagret."
    ),
    "meeting.unknown_county": "Kjenner ikke fylket «{name}». Ingenting er lagret.",
    "meeting.county_not_regional": "Bare regionale møter (dialogmøter) hører til et fylke. Ingenting er lagret.",
    "meeting.too_long": "{field} er for lang (høyst {max} tegn). Ingenting er lagret.",
    "meeting.field.title": "Tittelen",
    "meeting.field.place": "Stedet",
    "meeting.unknown_kind": "Kjenner ikke møtetypen «{text}».",
    "meeting.created": "Møte {id} er lagt inn: {title}",
    "meeting.past_note": "Merk: datoen er passert; møtet er registrert for historikken.",
    "meeting.moved": "Møte {id} er flyttet til {when}",
    "meeting.not_moved": "Møte {id} har allerede det tidspunktet.",
    "meeting.cancelled": "Møte {id} er avlyst: {title}",
    "meeting.already_cancelled": "Møte {id} var allerede avlyst.",
    "meeting.is_cancelled": "Møte {id} er avlyst og kan ikke flyttes. Legg inn et nytt møte.",
    "meeting.deadlines_moved": "Fristen for {count:punkt|punkter} som hører til møtet, er flyttet med: {ids}.",
    "meeting.deadlines_resolved": "{count:punkt|punkter} med frist «til møtet» har fått dato: {ids}.",
    "meeting.deadlines_unresolved": "{count:punkt|punkter} hadde frist til møtet og venter nå på et nytt møte: {ids}.",
    "meeting.deadline_event": "{date} ({meeting})",
    "meeting.deadline_event_pending": "ikke fastsatt ({meeting} ble avlyst)",
    # --- the form ----------------------------------------------------------------------------------
    "meeting.form.title": "Nytt møte",
    "meeting.form.kind": "Type møte",
    "meeting.form.date": "Dato",
    "meeting.form.time": "Klokkeslett",
    "meeting.form.time_hint": "f.eks. 10 eller 9.30–15",
    "meeting.form.place": "Sted",
    "meeting.form.county": "Fylke (for dialogmøter)",
    "meeting.form.title_field": "Tittel (valgfritt)",
    "meeting.form.missing": "Må fylles ut.",
    "meeting.form.usage": "Fyll ut skjemaet, eller skriv `/oppfølging møte ny høstmøte 21. oktober 2027 kl. 10 i Oslo`.",
    # --- questions -------------------------------------------------------------------------------
    "questions.help_title": "Spør meg om møtene",
    "questions.no_such_week": "Uke {week} finnes ikke i {year}: det året har bare 52 uker.",
    "questions.week_label": "uke {week} ({first}–{last})",
    "questions.month_label": "{month} {year}",
    "questions.period_none": "Nei, det er ingen møter i {period}.",
    "questions.period_none_kind": "Nei, jeg finner ikke {subject} i {period}.",
    "questions.any_meeting": "noe møte",
    "questions.period_only_cancelled": "Nei, møtet i {period} er avlyst.",
    "questions.period_some": "Ja, {n:møte|møter} i {period}:",
    "questions.day_yes": "Ja, {subject} er {when}.",
    "questions.day_cancelled": "Nei, {subject} {date} er avlyst.",
    "questions.day_moved": "Nei, {subject} er flyttet fra {date} til {when}.",
    "questions.day_moved_cancelled": "Nei, {subject} ble flyttet fra {date} og er senere avlyst.",
    "questions.day_other": "Nei, ikke {date}. {title} er {when}.",
    "questions.day_none": "Nei, jeg finner ikke {subject} {date}.",
    "questions.not_understood": "Det spørsmålet kan jeg ikke svare sikkert på.",
    "questions.examples": "Jeg svarer på spørsmål om møtene, for eksempel " + _QUESTION_EXAMPLES + ".",
    "questions.unknown_name": "Kjenner ikke «{name}» som fylke eller møtested.",
    "questions.when": "{subject} er {when}.",
    "questions.when_past": "{subject} var {when}.",
    "questions.where": "Stedet for {subject} er {place} ({when}).",
    "questions.where_past": "Stedet for {subject} var {place} ({when}).",
    "questions.where_unknown": "Stedet for {subject_lower} ({when}) er ikke bestemt ennå.",
    "questions.convener": "{convener} kaller inn til {subject_lower}.",
    "questions.convener_scheduled": "Møtet er satt til {when}.",
    "questions.theme": "Tema for {subject_lower}: {theme}",
    "questions.no_theme": "Avtalen sier ikke noe om tema for {subject_lower}.",
    "questions.none_previous": "Jeg har ikke registrert noe tidligere {subject_lower}.",
    "questions.none_in_year": "Jeg har ikke registrert {subject_lower} i {year}.",
    "questions.month_title": "Møter i {month} {year}",
    "questions.month_none": "Ingen møter er registrert i {month} {year}.",
    "questions.list_title": "Kommende møter",
    "questions.due_title": "Dette skal være gjort til {subject_lower} ({date})",
    "questions.due_none": "Ingen åpne punkter har frist innen {subject_lower} ({date}).",
    "questions.due_unscheduled": "{subject} er ikke fastsatt ennå, så jeg vet ikke hvilke frister som rekker det.",
    # --- report ----------------------------------------------------------------------------------
    "report.title": "Oppfølging fra forrige møte – {meeting}",
    "report.for_meeting": "Til sakslisten for {title}, {when}.",
    "report.previous": "Fra {title} ({date})",
    "report.carried": "Fortsatt åpne punkter fra tidligere møter",
    "report.none_previous": "Det finnes ikke noe tidligere møte i samme serie som {title}.",
    "report.no_actions": "Ingen oppfølgingspunkter er registrert fra forrige møte.",
    "report.counts": "{total:punkt|punkter}: {done:ferdig|ferdige}, {open:åpent eller påbegynt|åpne eller påbegynte}, {cancelled:avbrutt|avbrutte}.",
    "report.line": "#{id} {text} – {parties} – frist {deadline} – {status}",
    "report.history_line": "{date}: {what}",
    "report.comment_line": "Kommentar {date} ({who}): {text}",
    "report.no_meeting": "Ingen kommende møter er registrert. Skriv `rapport N` med et møtenummer.",
    "report.template_title": "Oppfølging fra forrige møte",
    "report.bad_template": "Rapportmalen {path} kan ikke brukes ({reason}). Bruk en .docx-fil, eller fjern "
    "OPPFOLGING_REPORT_TEMPLATE for å bruke standardmalen.",
    "report.col.id": "Nr.",
    "report.col.case": "Sak",
    "report.col.action": "Oppfølgingspunkt",
    "report.col.parties": "Ansvarlig",
    "report.col.deadline": "Frist",
    "report.col.status": "Status",
    "report.col.notes": "Historikk og kommentarer",
    "report.doc_title": "Oppfølging fra forrige møte",
    "report.generated": "Laget av Oppfølging {date}.",
    # --- calendar import ---------------------------------------------------------------------------
    "meeting.ics.bad_file": "Filen kan ikke leses som en kalender (.ics): {error}. Ingenting er importert.",
    "meeting.ics.title": "Kalenderimport",
    "meeting.ics.summary": "{created:ny|nye}, {updated} endret, {unchanged} uendret, {cancelled} avlyst, {skipped} ikke klassifisert.",
    "meeting.ics.unclassified": "Kunne ikke avgjøre hva slags møte dette er (ikke importert): {title} ({date})",
    "meeting.ics.no_county": "Fant ikke fylket for dialogmøtet (ikke importert): {title} ({date})",
    "meeting.ics.no_start": "Mangler starttidspunkt (ikke importert): {title}",
    "meeting.ics.dry_run": "Prøvekjøring: ingenting er lagret.",
    "meeting.ics.unknown_county": "Kjenner ikke fylket «{name}».",
    "meeting.ics.feed_name": "Nasjonal samhandlingsmodell – møter",
    "meeting.ics.feed_name_county": "Nasjonal samhandlingsmodell – møter for {county}",
    "meeting.ics.description_convener": "Kaller inn: {convener}",
    "meeting.ics.description_theme": "Tema etter avtalen: {theme}",
    # --- command line ------------------------------------------------------------------------------
    "meeting.cli.report_written": "Rapporten er skrevet til {path}.",
    "meeting.cli.export_written": "Kalenderen er skrevet til {path} ({count} møter).",
    "meeting.cli.file_missing": "Fant ikke filen {path}.",
}
