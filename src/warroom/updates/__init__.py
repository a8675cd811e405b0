"""Incident status updates (seed 001's communication template) and their cadence."""
