"""Personvern: what the bot keeps about a person, giving it to them, erasing it, and retention.

- `subjects`: who "PLATFORM:ID" is (`slack:U0123`, `teams:<Entra object id>`, `email:kari@…`), and
  the pseudonyms an erased person's identifiers become;
- `export`: everything about one person, as one JSON document;
- `erase`: pseudonymise one person (name, e-mail, ids), keeping the actions and their history;
- `retention`: emptying request-dedup records and old notification payloads after
  `OPPFOLGING_RETENTION_DAYS`, keeping the keys that prevent doubles.

docs/PERSONVERN.md describes all of it for a DPIA.
"""
