"""`oppfolging healthcheck`: asks the running service's `/readyz` (the container image's HEALTHCHECK).

The slim image has no curl; this needs nothing but the package. Exit 0 when the service is ready
(also when a platform is degraded: restarting the container would not fix Slack or Entra), 1 when
it answers 503 or not at all.
"""

from __future__ import annotations

import argparse
import json
import os


def cmd_healthcheck(args: argparse.Namespace) -> int:
    # Imported here: urllib.request loads http.client, ssl and email, which only this command needs.
    import urllib.error
    import urllib.request

    url = args.url or f"http://127.0.0.1:{os.environ.get('PORT') or 3978}/readyz"
    try:
        with urllib.request.urlopen(url, timeout=args.timeout) as response:
            body = json.loads(response.read() or b"{}")
            print(f"{response.status} {body.get('status', '')}".strip())
            return 0
    except urllib.error.HTTPError as exc:
        print(f"{exc.code} {exc.reason}")
        return 1
    except (OSError, ValueError) as exc:
        print(f"no answer from {url}: {exc.__class__.__name__}")
        return 1


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("healthcheck", help="exit 0 when the running service is ready (/readyz)")
    p.add_argument("--url", help="default: http://127.0.0.1:$PORT/readyz")
    p.add_argument("--timeout", type=float, default=5.0)
    p.set_defaults(func=cmd_healthcheck)
