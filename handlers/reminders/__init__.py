"""Reminders and weekly digests, platform-neutral: what is due at a moment, for whom, and the claims
that make every notification go out once. See docs/REMINDERS.md.

    policy.py    ReminderPolicy and the stages of a deadline
    workdays.py  Norwegian working days (holidays)
    due.py       reminders, escalations and convener reminders due at `now`
    digest.py    the weekly digest per party and the secretariat overview
    routing.py   where a party listens: subscribed channels, else its people in chat and by e-mail
    waiting.py   reminders nobody can receive yet: recorded, re-planned each sweep, delivered or expired
    failures.py  what a delivery outcome means: health per address, broken routes, the next route
    coverage.py  `dekning`, `varsling`, and the secretariat's notice of what waits
    claims.py    claim (UNIQUE key), lease, sent/failed/skipped, backoff, stale claims
    state.py     the sweep and digest watermarks
    engine.py    plan → claim → prepare, as the scheduler and the CLI use them
    sweep.py     the reminder sweep planned and claimed in batches (the service's; a dry run plans at once)
    messages.py  the reminder texts and buttons
    payload.py   a Reply stored in a claim and read back
"""
