"""Texts for security and reliability: refusals, storage faults, abbreviated long texts."""

TEXTS = {
    # Operation labels for `perm.admin_only` / `perm.members_only` ("Bare administratorer kan …").
    "security.op.overview_channel": "velge kanalen for sekretariatets oversikt",
    "security.op.other": "gjøre dette",
    # The database refused the write because the disk (or the configured size) is full.
    "security.db_full": (
        "Oppfølging fikk ikke lagret dette fordi databasen er full. Ingenting er endret. "
        "Si fra til administrator."
    ),
    # A long action text in a list; `vis N` shows the whole text.
    "security.abbreviated": "… (forkortet, {length} tegn – skriv `vis {id}` for hele teksten)",
}
