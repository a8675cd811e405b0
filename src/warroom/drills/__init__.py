"""Drills: rehearsals of the response on a live service, their records and stages."""
