"""Create, list and expire silences; find the one that covers an alert."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.errors import Conflict, InvalidInput, NotFound
from warroom.silences.models import Matcher, Silence, SilenceCreate, SilenceRead, silence_matches


def create(*, session: Session, spec: SilenceCreate, actor: str, now: datetime) -> Silence:
    """Store a silence (starting now unless given)."""
    starts = spec.starts_at or now
    ends = spec.ends_at or starts + timedelta(minutes=spec.duration_minutes or 0)
    if ends <= starts:
        raise InvalidInput("silence ends_at must be after starts_at")
    if ends <= now:
        raise InvalidInput("silence would already be over: ends_at is in the past")
    silence = Silence(
        matchers=[m.model_dump() for m in spec.matchers],
        starts_at=starts,
        ends_at=ends,
        created_by=actor,
        comment=spec.comment,
        created_at=now,
    )
    session.add(silence)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="silence.create",
        target=f"silence:{silence.id}",
        now=now,
        matchers=silence.matchers,
        starts_at=starts.isoformat(),
        ends_at=ends.isoformat(),
        comment=spec.comment,
    )
    return silence


def list_silences(*, session: Session, now: datetime, include_expired: bool) -> list[Silence]:
    """Silences, newest first; only active or pending ones unless asked."""
    query = select(Silence).order_by(Silence.id.desc())
    if not include_expired:
        query = query.where(Silence.ends_at > now)
    return list(session.scalars(query))


def expire(*, session: Session, silence_id: int, actor: str, now: datetime) -> Silence:
    """End a silence now."""
    silence = session.get(Silence, silence_id)
    if silence is None:
        raise NotFound(f"silence {silence_id} not found")
    if silence.ends_at <= now:
        raise Conflict(f"silence {silence_id} already ended at {silence.ends_at.isoformat()}")
    silence.ends_at = now
    audit.record(
        session=session,
        actor=actor,
        action="silence.expire",
        target=f"silence:{silence_id}",
        now=now,
    )
    return silence


def active(*, session: Session, now: datetime) -> list[tuple[int, list[Matcher]]]:
    """Silences in force at ``now``, with parsed matchers."""
    rows = session.scalars(_ACTIVE, {"now": now}).all()
    return [(s.id, [Matcher.model_validate(m) for m in s.matchers]) for s in rows]


# Built once: every intake looks the silences up.
_ACTIVE = select(Silence).where(
    Silence.starts_at <= bindparam("now"), Silence.ends_at > bindparam("now")
)


def covering(silences: list[tuple[int, list[Matcher]]], labels: dict[str, str]) -> int | None:
    """The id of the first silence matching these labels, if any."""
    for silence_id, matchers in silences:
        if silence_matches(matchers, labels):
            return silence_id
    return None


def to_read(silence: Silence, *, now: datetime) -> SilenceRead:
    read = SilenceRead.model_validate(silence)
    read.active = silence.starts_at <= now < silence.ends_at
    return read
