"""The war room in chat: the platform port, its Slack implementation, the stored rooms and
messages, and the pure pieces (room names, message rendering, request signatures)."""
