"""`serve` sends e-mail when SMTP_URL is set: the deliverer is registered with the service's start.

Listed in `bot.server.SERVICE_MODULES`; adds no routes. A configuration that cannot work stops the
start with the reason, like Slack's and Teams' settings do.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.app import App
from bot.email.config import EmailConfigError
from bot.email.deliverer import install

log = logging.getLogger(__name__)


def setup(web_app: web.Application, app: App) -> None:
    try:
        deliverer = install(app.settings)
    except EmailConfigError as exc:
        raise SystemExit(f"E-mail: {exc}") from None
    if deliverer is not None:
        c = deliverer.config
        log.warning("e-mail via %s:%s (%s) from %s", c.host, c.port,
                    "TLS" if c.implicit_tls else "STARTTLS" if c.starttls else "plain relay", c.sender)
