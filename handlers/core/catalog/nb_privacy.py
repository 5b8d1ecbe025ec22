"""Norwegian texts about personvern: exporting and erasing one person's data."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "perm.op.privacy": "eksportere eller slette en persons opplysninger",
    "privacy.bad_subject": "«{subject}» er ikke en person. Skriv PLATTFORM:ID, for eksempel slack:U0123ABC, "
    "teams:<Entra-objekt-id> eller email:navn@eksempel.no.",
    "privacy.unknown": "Fant ingen opplysninger om {subject}. Ingenting er slettet.",
    "privacy.erased": "{subject} er slettet: navn, e-post og id-er er erstattet med «{pseudonym}». "
    "Punktene og historikken står, med «slettet bruker» som forfatter.",
    "privacy.already_erased": "{subject} er allerede slettet. Ingenting er endret.",
    "privacy.erased_counts": "Endret: {people:person|personer}, {roster:kontaktlisteoppføring|kontaktlisteoppføringer}, "
    "{audit:logglinje|logglinjer}, {notifications:varsel|varsler}; fjernet {memberships:medlemskap|medlemskap} "
    "og {conversations:samtale|samtaler}.",
    "privacy.exported": "Opplysningene om {subject} er eksportert.",
    "privacy.nothing_to_export": "Bot-en har ingen opplysninger om {subject}. Eksporten er tom.",
    "privacy.erased_name": "slettet bruker",
}
