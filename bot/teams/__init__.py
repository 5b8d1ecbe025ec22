"""The Microsoft Teams adapter on the Microsoft 365 Agents SDK.

Teams activities are translated to `bot.app.App.handle` calls and the `Reply` values rendered as
Adaptive Cards; every decision about actions, parties and permissions stays in `handlers`.

- `options`    configuration from the environment, validated at startup
- `auth`       inbound token validation and the outbound token provider (MSAL)
- `retry`      the Bot Connector client with retries, backoff and Retry-After
- `cards`      `Reply` / `Form` -> Adaptive Cards, card action data -> commands
- `sending`    a `Reply` as message activities (one card per part)
- `incoming`   who, where and what from an activity; conversation references in the database
- `service`    `setup(web_app, app)`: POST /api/messages
- `startup`    what `serve` lists: sets up `service` and `members` only when Teams is configured
- `delivery`   the proactive deliverer (reminders, digests)
- `package`    the Teams app package (manifest.json and icons)
"""
