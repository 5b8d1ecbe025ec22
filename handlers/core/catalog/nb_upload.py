"""Bokmål texts for protocol files uploaded in chat (Slack file shares, Teams file attachments)."""

TEXTS = {
    "upload.ask": "Vil du importere protokollen? Skriv «importer» i samme melding som filen, "
    "så viser jeg oppfølgingspunktene før noe lagres.",
    "upload.ok": "Du kan importere protokoller.",
    "upload.no_file": "Fant ingen fil i meldingen. Last opp protokollen (Word, PDF, HTML eller tekst) og skriv "
    "«importer» i samme melding.",
    "upload.too_many": "Jeg leser høyst {count} filer fra én melding; resten er hoppet over.",
    "upload.bad_date": "Forstod ikke møtedatoen «{text}». Skriv den som 2026-10-15 eller 15. oktober 2026.",
    "upload.too_large": "Filen «{name}» er for stor ({size} MB). Største tillatte størrelse er {limit} MB.",
    "upload.refused_host": "Filen «{name}» ligger et sted jeg ikke henter filer fra. "
    "Last den opp direkte i meldingen til meg.",
    "upload.failed": "Klarte ikke å hente filen «{name}». Prøv å laste den opp på nytt om litt.",
    "upload.gone": "Filen «{name}» finnes ikke lenger eller er ikke tilgjengelig. Last den opp på nytt.",
    "upload.slack_denied": "Fikk ikke tilgang til filen «{name}» i Slack. Appen trenger tillatelsen files:read; "
    "be den som administrerer Slack-appen om å installere den på nytt fra manifestet.",
    "upload.teams_denied": "Lenken til filen «{name}» er utløpt eller gir ikke tilgang. Last opp filen på nytt.",
    "upload.teams_reference": "Filer delt i kanaler og gruppechatter kan jeg ikke hente. Send protokollen til meg "
    "i en 1:1-chat med «importer» i meldingen.",
}
