"""The war room use case: open, fill, mirror and archive an incident's chat room (durable
jobs), ask for rollback approval in chat, and act on incidents from chat requests."""
