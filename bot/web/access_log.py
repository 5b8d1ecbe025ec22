"""The HTTP access log without query strings: an overview link carries its token in `?t=`, and a
log line must never hold a working link."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger


class PathOnlyAccessLogger(AbstractAccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if self.logger.isEnabledFor(logging.INFO):
            self.logger.info('%s "%s %s" %s %.1f ms', request.remote, request.method, request.path, response.status,
                             time * 1000)
