"""Incidents: the model, lifecycle, classification, ids, grouping of alerts, timeline, tasks."""
