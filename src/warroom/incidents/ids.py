"""Incident ids: ``INC-YYYYMMDD-HHMMSS``, with ``-2``, ``-3``.. when a second is taken."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.incidents.models import Incident


def base_id(at: datetime) -> str:
    return at.astimezone(UTC).strftime("INC-%Y%m%d-%H%M%S")


def next_id(*, session: Session, at: datetime, reserved: set[str]) -> str:
    """The first free id for this second; ``reserved`` holds ids taken in this transaction.

    Candidates are looked up by exact id, a chunk at a time, so the lookup uses the primary
    key (a prefix ``LIKE`` scans every incident on SQLite)."""
    base = base_id(at)
    for start in itertools.count(1, CHUNK):
        candidates = [_nth(base, n) for n in range(start, start + CHUNK)]
        taken = set(session.scalars(select(Incident.id).where(Incident.id.in_(candidates))))
        free = next((c for c in candidates if c not in taken and c not in reserved), None)
        if free is not None:
            reserved.add(free)
            return free
    raise AssertionError("unreachable")


CHUNK = 20


def _nth(base: str, n: int) -> str:
    return base if n == 1 else f"{base}-{n}"
