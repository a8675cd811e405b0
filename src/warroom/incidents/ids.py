"""Incident ids: ``INC-YYYYMMDD-HHMMSS``, with ``-2``, ``-3``.. when a second is taken."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.incidents.models import Incident


def base_id(at: datetime) -> str:
    return at.astimezone(UTC).strftime("INC-%Y%m%d-%H%M%S")


def next_id(*, session: Session, at: datetime, reserved: set[str]) -> str:
    """The first free id for this second; ``reserved`` holds ids taken in this transaction."""
    base = base_id(at)
    taken = set(session.scalars(select(Incident.id).where(Incident.id.startswith(base))))
    taken |= {r for r in reserved if r.startswith(base)}
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    reserved.add(candidate)
    return candidate
