"""Alerts: the stored signal (model, schemas), parsers for each source's payload, reads."""
