"""Platform-neutral use cases of Oppfølging: commands, actions, meetings, reminders, import."""
