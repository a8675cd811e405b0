"""Notification channels: ``base`` defines the port, one module per built-in channel."""
