"""Bokmål texts of the e-mails the bot sends (reminders, digests and overviews by e-mail)."""

TEXTS = {
    "email.sender_name": "Oppfølging",
    "email.subject_default": "Oppfølging",
    "email.overdue": "forfalt",
    "email.case": "sak {case}",
    # What a button does in chat, as an instruction: e-mail has no buttons.
    "email.actions_heading": "Slik svarer du (skriv kommandoen til Oppfølging i Slack eller Teams):",
    "email.action": "{label}: {command}",
    "email.action_date": "{label}: {command} (f.eks. {example})",
    "email.action_text": "{label}: {command}",
    "email.new_deadline": "<ny frist>",
    "email.deadline_example": "uke 35",
    "email.text": "<tekst>",
    "email.items_hint": "Marker et punkt som ferdig med {done}, eller gi det ny frist med {postpone} "
    "(skriv kommandoen til Oppfølging i Slack eller Teams).",
    "email.footer": "Denne e-posten er sendt automatisk av Oppfølging, Nasjonal samhandlingsmodell. "
    "Svar på e-posten blir ikke lest.",
}
