"""Norwegian texts about the roster: who represents each party (kontakter), its file and its import."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "help.contacts": "`kontakter [part]` – hvem som representerer partene (kontaktlista og medlemmer). "
    "`kontakter importer` med en CSV- eller Excel-fil oppdaterer kontaktlista (bare administratorer)",
    "perm.op.roster": "importere kontaktlista",
    "roster.refused": "Kontaktlista er ikke lagret: fila har {count} feil. Rett dem og prøv igjen.",
    "roster.row": "Rad {row}: {problems}",
    "roster.row_no_party": "Mangler part.",
    "roster.row_no_name": "Mangler navn.",
    "roster.row_no_email": "Mangler e-postadresse.",
    "roster.row_bad_email": "«{email}» er ikke en gyldig e-postadresse.",
    "roster.row_long": "Kolonnen «{column}» er lengre enn {max} tegn.",
    "roster.row_duplicate": "{email} står allerede for {party} i rad {first}.",
    "roster.missing_columns": "Fant ikke kolonnen {columns} i første rad. Første rad må ha kolonnene "
    "«part», «navn», «e-post» og eventuelt «rolle». Fant: {found}.",
    "roster.empty": "Fila er tom.",
    "roster.no_rows": "Fila har bare overskriftsraden (rad {header}), ingen personer.",
    "roster.too_many": "Fila har mer enn {limit} rader.",
    "roster.too_large": "Fila er større enn {limit} MB.",
    "roster.not_utf8": "Fila er ikke UTF-8. Lagre den i Excel som «CSV UTF-8 (kommadelt)» eller som .xlsx.",
    "roster.bad_csv": "Kan ikke lese CSV-fila: {error}.",
    "roster.bad_xlsx": "Kan ikke lese Excel-fila. Lagre den på nytt som .xlsx eller som CSV UTF-8.",
    "roster.old_excel": "Gamle Excel-filer (.xls) kan ikke leses. Lagre fila som .xlsx eller som CSV UTF-8.",
    "contacts.title": "Kontakter",
    "contacts.parties": "Parter med kontakter",
    "contacts.none": "Ingen parter har kontakter ennå. En administrator kan laste opp kontaktlista med "
    "`/oppfølging kontakter importer`, og hvem som helst kan bli medlem av en part med `medlem PART`.",
    "contacts.overview_hint": "Skriv `kontakter PART` for å se personene, for eksempel `kontakter Nordland`.",
    "contacts.count_line": "{party}: {roster} i kontaktlista ({linked} koblet til chat), {members} medlemmer",
    "contacts.party_title": "{party} – {roster} i kontaktlista, {members} medlemmer",
    "contacts.no_roster": "Ingen i kontaktlista.",
    "contacts.entry_line": "{name} <{email}>{role} – {linked}",
    "contacts.linked": "koblet til {platform}",
    "contacts.not_linked": "ikke koblet til chat",
    "contacts.member_line": "{name} – medlem ({platform})",
    "contacts.how_title": "Importere kontaktlista",
    "contacts.how": "Last opp kontaktlista (CSV eller Excel .xlsx) i en melding til meg og skriv "
    "`/oppfølging kontakter importer` i meldingen. Første rad må ha kolonnene «part», «navn», «e-post» og "
    "eventuelt «rolle». Du får se endringene før noe lagres. Fra terminalen: "
    "`oppfolging roster import FIL --dry-run`.",
    "contacts.preview_title": "Kontaktlista fra {file}",
    "contacts.plan_summary": "Parter i fila: {parties}. {new:ny|nye}, {updated} endret, {restored} tilbake, "
    "{removed} slutter, {unchanged} uendret.",
    "contacts.plan_nothing": "Ingen endringer: kontaktlista er allerede slik fila sier.",
    "contacts.plan_new": "Nye ({count})",
    "contacts.plan_updated": "Endret ({count})",
    "contacts.plan_restored": "Representerer parten igjen ({count})",
    "contacts.plan_removed": "Slutter å representere parten ({count})",
    "contacts.change_line": "{name} <{email}>{role} – {party}",
    "contacts.change_before": "(før: {name} · {role})",
    "contacts.no_such_preview": "Fant ikke denne forhåndsvisningen av kontaktlista. Last opp fila på nytt.",
    "contacts.already_imported": "Denne kontaktlista er allerede lagret.",
    "contacts.already_cancelled": "Denne importen ble avbrutt. Last opp kontaktlista på nytt for å prøve igjen.",
    "contacts.done_title": "Kontaktlista er oppdatert",
    "contacts.matched": "{count:kobling|koblinger} til chatbrukere er endret (e-postadressene sammenlignes).",
    "contacts.cancelled": "Importen av kontaktlista er avbrutt",
}
