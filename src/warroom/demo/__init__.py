"""The guided demo: `warroom demo` runs warroom for real on SQLite, from alerts to postmortem."""
