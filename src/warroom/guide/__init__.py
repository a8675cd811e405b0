"""Guided response: the runbook that applies to an incident, and the diagnostics it runs."""
