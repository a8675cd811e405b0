"""Readiness: checks that paging, on-call coverage, rollback targets and drills really work."""
