"""Reminders and weekly digests, platform-neutral: what is due at a moment, for whom, and the claims
that make every notification go out once. See docs/REMINDERS.md.

    policy.py    ReminderPolicy and the stages of a deadline
    workdays.py  Norwegian working days (holidays)
    due.py       reminders, escalations and convener reminders due at `now`
    digest.py    the weekly digest per party and the secretariat overview
    routing.py   where a party listens: subscribed channels, else its members
    claims.py    claim (UNIQUE key), lease, sent/failed/skipped, backoff, stale claims
    state.py     the sweep and digest watermarks
    engine.py    plan → claim → prepare, as the scheduler and the CLI use them
    messages.py  the reminder texts and buttons
    payload.py   a Reply stored in a claim and read back
"""
