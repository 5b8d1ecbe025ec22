"""The Slack adapter: slash commands, buttons, modals, App Home, mentions and proactive messages.

Slack payloads are translated to `bot.app.App.handle` calls and the `Reply` values rendered as Block
Kit; every decision about actions, parties and permissions stays in `handlers`.
"""
