"""Postmortems and action items: drafts from the timeline, charts, deadlines, reminders."""
