"""The meeting calendar: the agreement's cycle, reading and changing meetings, deadlines that follow
meetings, questions, the follow-up report, and iCalendar import and feed."""
