"""Texts for protocol import (reading files and extracting follow-up actions)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    # Reading the file
    "import.unsupported": (
        "Filtypen «{ext}» støttes ikke. Last opp protokollen som .docx, .pdf, .html, .txt eller .eml."
    ),
    "import.unknown_charset": (
        "«{name}» oppgir tegnsettet «{charset}», som jeg ikke kjenner. Lagre filen som UTF-8 og prøv igjen."
    ),
    "import.no_charset": (
        "Klarte ikke å avgjøre tegnsettet i «{name}»: filen oppgir ikke noe tegnsett (meta charset), "
        "og den er ikke UTF-8. Lagre den på nytt som «Nettside» fra Word, eller som UTF-8, og prøv igjen."
    ),
    "import.wrong_charset": (
        "«{name}» sier at den er skrevet i tegnsettet {charset}, men inneholder tegn som ikke passer. "
        "Lagre filen på nytt og prøv igjen."
    ),
    "import.read_as_cp1252": (
        "«{name}» er ikke UTF-8 og er lest som Windows-1252 (vanlig for tekst lagret i Windows). "
        "Sjekk at æ, ø og å ser riktige ut."
    ),
    "import.eml_unreadable": "Klarte ikke å lese «{name}» som en e-post (.eml).",
    "import.eml_empty": "E-posten «{name}» har verken tekst eller en protokoll som vedlegg.",
    "import.no_followup": (
        "Fant ingen oppfølgingspunkter i «{name}». Jeg leter etter tabeller med en kolonne for "
        "oppfølging, vedtak, tiltak eller ansvar/frist, lister under overskrifter som «Oppfølging», "
        "«Vedtak» eller «Tiltak», og punkter fulgt av «Ansvar:»/«Frist:»-linjer."
    ),
    # Why a row is or is not an action (shown compactly in the preview)
    "import.deadline_partial": (
        "Jeg forstår bare en del av fristen «{text}», og lagrer ingen frist ut fra resten."
    ),
    "import.why_where": "fra {where}",
    "import.why_action_subject": "part {words} er subjekt for «{verb}»",
    "import.why_action_column": "ansvarlig oppgitt: {words}",
    "import.why_deadline_text": "frist fra «{words}»",
    "import.why_deadline_column": "frist oppgitt: «{words}»",
    "import.why_not_action": "{where}: ingen part forplikter seg, og ingen ansvarlig er oppgitt",
    "import.empty_file": "Filen «{name}» er tom.",
    "import.too_large": "Filen «{name}» er for stor ({size} MB). Største tillatte størrelse er {limit} MB.",
    "import.docx_unreadable": (
        "Klarte ikke å lese «{name}» som et Word-dokument (.docx). Er filen skadet, eller er det "
        "en eldre .doc-fil? Lagre den som .docx og prøv igjen."
    ),
    "import.html_unreadable": "Klarte ikke å lese «{name}» som en nettside (HTML).",
    "import.not_text": (
        "«{name}» ser ikke ut til å være en tekstfil. Eksporter protokollen som ren tekst, "
        ".docx eller .pdf og prøv igjen."
    ),
    "import.pdf_unreadable": "Klarte ikke å lese «{name}» som PDF. Filen kan være skadet.",
    "import.pdf_encrypted": (
        "PDF-filen «{name}» er passordbeskyttet. Fjern passordet (eller last opp Word-filen) og "
        "prøv igjen."
    ),
    "import.pdf_no_text": (
        "PDF-filen «{name}» inneholder ingen tekst som kan leses – den er trolig skannet som "
        "bilde. Last opp Word-filen eller en PDF lagret direkte fra Word."
    ),
    "import.pdf_layout": (
        "Tabellen er lest fra en PDF: rader og celler er gjettet ut fra plasseringen av teksten. "
        "Kontroller oppfølgingspunktene før du lagrer dem."
    ),
    "import.no_tables": (
        "Fant ingen tabell i «{name}». Protokollen må ha en tabell med kolonnen «Oppfølging»."
    ),
    "import.no_followup_table": (
        "Fant ingen tabell med kolonnen «Oppfølging» (eller «Tiltak») i «{name}». "
        "Tabellene i filen har disse overskriftene: {headers}."
    ),
    "import.empty_table": "Oppfølgingstabellen i «{name}» er tom – den har ingen rader under overskriften.",
    # Meeting information
    "import.kind_unclear": (
        "Møtetypen går ikke fram av overskriften. Velg type, eller oppgi den ved import "
        "(--kind i terminalen, «importer au» i chat)."
    ),
    "import.region_unclear": (
        "Fylket for dette regionale møtet går ikke fram av overskriften. Velg fylke, eller oppgi det ved "
        "import (--region i terminalen, «importer fylke Agder» i chat)."
    ),
    "import.unknown_kind": (
        "Ukjent møtetype «{kind}». Bruk nasjonal, regional, au eller styringsgruppe."
    ),
    "import.no_meeting_date": (
        "Fant ikke møtedatoen i protokollen. Oppgi den med --meeting-date ÅÅÅÅ-MM-DD "
        "(eller «møtedato» i chat)."
    ),
    "import.unknown_region": "Ukjent fylke «{region}». Bruk et fylke som fantes på møtedatoen {date}.",
    # Warnings in the plan (shown before anything is stored)
    "import.warn_info": "Sak {case}: ikke tatt med som oppfølgingspunkt, ingen ansvarlig er nevnt: «{text}»",
    "import.warn_unknown_party": "Sak {case}: {explanation}",
    "import.warn_bad_deadline": "Sak {case}: {reason} Fristen «{text}» må settes for hånd.",
    "import.warn_duplicate_case": "Saksnummer {case} brukes for flere saker i protokollen.",
    "import.warn_duplicate_action": "Sak {case}: samme oppfølgingspunkt står to ganger; tatt med én gang: «{text}»",
    "import.warn_no_actions": "Fant ingen oppfølgingspunkter med ansvarlig part i tabellen.",
    "import.warn_no_header": (
        "Fant ingen møteoverskrift med dato i protokollen; møtedatoen {date} er brukt."
    ),
    "import.warn_date_override": (
        "Møtedatoen {given} er brukt i stedet for datoen i protokollen ({found})."
    ),
    "import.no_case": "uten nr.",
}
