"""Notifications: a durable outbox and the channels that deliver it."""
