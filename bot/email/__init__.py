"""E-mail as a delivery channel: reminders, digests and overviews sent through an SMTP server.

`config` reads SMTP_URL and OPPFOLGING_EMAIL_FROM, `render` turns a reply into a Norwegian e-mail
(plain text and HTML), `deliverer` sends it (platform "email"), `service` registers it in `serve`.
"""
