"""Incident status updates rendered from the communication templates, and their cadence."""
