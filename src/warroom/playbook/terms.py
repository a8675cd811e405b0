"""The words every layer shares: severities P0..P4 and the incident statuses in order."""

from __future__ import annotations

from typing import Literal

Severity = Literal["P0", "P1", "P2", "P3", "P4"]
SEVERITIES: tuple[Severity, ...] = ("P0", "P1", "P2", "P3", "P4")


def severity_rank(severity: str) -> int:
    """0 for P0 (most severe) up to 4 for P4; ValueError for anything else."""
    if severity not in SEVERITIES:
        raise ValueError(f"expected a severity P0..P4, got {severity!r}")
    return SEVERITIES.index(severity)


def most_severe(*severities: str) -> Severity:
    """The most severe of one or more severities: most_severe("P2", "P0") == "P0"."""
    if not severities:
        raise ValueError("most_severe() needs at least one severity")
    return SEVERITIES[min(severity_rank(s) for s in severities)]


#: The incident lifecycle, in order (``incidents.lifecycle`` says which moves are allowed).
STATUSES: tuple[str, ...] = (
    "triggered",
    "acknowledged",
    "investigating",
    "identified",
    "mitigating",
    "monitoring",
    "resolved",
    "closed",
)
STATUS_RANK = {status: i for i, status in enumerate(STATUSES)}
