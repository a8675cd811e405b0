"""Incident tasks: checklist items stored per incident, added by phase and checked off."""
