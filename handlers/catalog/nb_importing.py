"""Bokmål texts for the import preview and storing (the reader's own texts are in nb_import.py)."""

TEXTS = {
    "help.import": "`importer` – last opp en protokoll (Word, PDF, HTML eller tekst) sammen med kommandoen, "
    "så vises punktene før noe lagres",
    "importing.too_large": "Filen er for stor (høyst {mb} MB).",
    "importing.meeting_title": "Møte {date}",
    "importing.preview_title": "Forhåndsvisning av import fra «{file}»",
    "importing.meeting": "Møte: {title}, {date}, {place}",
    "importing.next_meeting": "Neste møte: {title}, {date}",
    "importing.actions": "Oppfølgingspunkter som blir opprettet ({count})",
    "importing.none": "Fant ingen oppfølgingspunkter.",
    "importing.unknown_party": "{name} (ukjent)",
    "importing.unknown_title": "Ukjente parter",
    "importing.unknown_explain": "Disse opprettes som ad hoc-grupper når du importerer: {names}. "
    "Finnes de fra før under et annet navn, avbryt og rett navnet i protokollen.",
    "importing.warnings": "Merknader",
    "importing.button_import": "Importer",
    "importing.button_cancel": "Avbryt",
    "importing.no_such_preview": "Fant ikke denne forhåndsvisningen. Last opp protokollen på nytt.",
    "importing.already_imported": "Denne protokollen er allerede importert.",
    "importing.already_cancelled": "Denne importen ble avbrutt. Last opp protokollen på nytt for å prøve igjen.",
    "importing.already_pending": "Importen venter fortsatt på bekreftelse.",
    "importing.cancelled": "Importen er avbrutt",
    "importing.nothing_saved": "Ingenting er lagret.",
    "importing.how_title": "Importere en protokoll",
    "importing.how": "Last opp protokollfilen (Word, PDF, HTML eller tekst) i en melding til meg og skriv "
    "`/oppfølging importer` i meldingen. Du får se punktene før noe lagres. "
    "Fra terminalen: `oppfolging import FIL --dry-run`.",
    "importing.done_title": "Protokollen er importert",
    "importing.done": "{created} nye oppfølgingspunkter, {existing} fantes fra før.",
    "importing.groups_created": "Nye ad hoc-grupper: {names}.",
    "importing.see_list": "Se dem med `/oppfølging liste møte {meeting}`.",
}
