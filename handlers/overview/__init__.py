"""The secretariat's overview: who may open it (signed personal links), what it shows (filters, pages,
charts, meetings' follow-up) and what it exports. The HTTP side lives in `bot.web`."""
