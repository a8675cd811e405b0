"""The per-day summary of incidents that reports read instead of the incidents themselves.

Every change to an incident (opened, acknowledged, resolved, reopened, severity or service
changed, deleted) takes the incident's old contribution out of the summary and puts the new
one in, in the same transaction: :func:`on_flush` runs before each flush of a session and
sees every incident written through the ORM, whichever service wrote it, so no code path
can forget it; :func:`on_commit` writes what the transaction changed just before it commits.
Code that writes incidents around the ORM (Core inserts) must call :func:`apply` itself.
:func:`rebuild` recomputes the summary from the incidents (the migration that adds it and
``warroom db rebuild-summary`` call it).

Durations are kept in whole milliseconds (the precision reports use), as integer sums, so
that taking a contribution away leaves exactly what was there before. The time to
acknowledge and to resolve is also counted in fixed histogram buckets (:data:`BUCKETS`):
an SLA count whose target is one of those durations is exact; percentiles read from them
are approximate (the bucket's upper bound).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, UOWTransaction, attributes
from sqlalchemy.sql.expression import Executable

from warroom.incidents.models import (
    Incident,
    IncidentDay,
    IncidentDayBucket,
    IncidentHour,
    ServiceDay,
)

#: Upper bounds (seconds) of the histogram buckets of time to acknowledge and to resolve;
#: every default response time and resolution target of the playbook is one of them.
BUCKETS = (60, 120, 180, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 14400,
           21600, 28800, 43200, 86400, 172800, 259200, 604800)  # fmt: skip
#: The bucket of durations longer than the last bound.
OVER = 10**12
#: The incident columns a contribution depends on: a change to any other column (title,
#: status alone, metrics) leaves the summary as it is.
WATCHED = ("severity", "service", "started_at", "detected_at", "acknowledged_at",
           "resolved_at", "labels")  # fmt: skip
_COLUMNS = (Incident.id, *(getattr(Incident, name) for name in WATCHED))


def day_of(at: datetime) -> str:
    """The UTC day of ``at``, as the summary keys it (``YYYY-MM-DD``)."""
    return at.astimezone(UTC).strftime("%Y-%m-%d")


def hour_of(at: datetime) -> str:
    """The UTC hour of ``at``, as the summary keys it (``YYYY-MM-DD HH``)."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H")


def millis(later: datetime, earlier: datetime) -> int:
    return round((later - earlier).total_seconds() * 1000)


def bucket_of(ms: int) -> int:
    """The upper bound (seconds) of the bucket holding a duration of ``ms`` milliseconds."""
    return next((b for b in BUCKETS if ms <= b * 1000), OVER)


@dataclass(frozen=True)
class Snapshot:
    """What one incident contributes to the summary."""

    severity: str
    service: str | None
    started_at: datetime
    detected_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    drill: bool

    @classmethod
    def of(cls, row: Any) -> Snapshot:
        labels = row.labels or {}
        return cls(row.severity, row.service, row.started_at, row.detected_at,
                   row.acknowledged_at, row.resolved_at, labels.get("drill") == "true")  # fmt: skip


class Deltas:
    """Changes to the summary tables, keyed by primary key, added up."""

    def __init__(self) -> None:
        self.days: dict[tuple[str, str, str, bool], list[int]] = defaultdict(lambda: [0] * 6)
        self.buckets: dict[tuple[str, str, bool, str, int], int] = defaultdict(int)
        self.services: dict[tuple[str, str], int] = defaultdict(int)
        self.hours: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * 3)

    def add(self, snap: Snapshot, sign: int) -> None:
        """Add (sign 1) or take away (sign -1) one incident's contribution."""
        day = day_of(snap.detected_at)
        resolved_day = day_of(snap.resolved_at) if snap.resolved_at else ""
        row = self.days[(day, resolved_day, snap.severity, snap.drill)]
        parts = [1, millis(snap.detected_at, snap.started_at), 0, 0, 0, 0]
        for at, index, measure in ((snap.acknowledged_at, 2, "ack"),
                                   (snap.resolved_at, 4, "resolve")):  # fmt: skip
            if at is not None:
                taken = millis(at, snap.detected_at)
                parts[index], parts[index + 1] = 1, taken
                self.buckets[(day, snap.severity, snap.drill, measure, bucket_of(taken))] += sign
        for n, value in enumerate(parts):
            row[n] += sign * value
        self.services[(snap.service or "", day)] += sign
        hour = self.hours[(hour_of(snap.detected_at), snap.severity)]
        for n, value in enumerate((1, parts[2], parts[4])):
            hour[n] += sign * value

    def rows(self) -> tuple[list[dict[str, Any]], ...]:
        """Non-zero changes as rows, in key order (so that concurrent writers lock the
        summary's rows in the same order and cannot deadlock)."""
        names = ("n", "mttd_ms", "acked", "mtta_ms", "resolved", "mttr_ms")
        days = [
            {"day": k[0], "resolved_day": k[1], "severity": k[2], "drill": k[3],
             **dict(zip(names, v, strict=True))}
            for k, v in sorted(self.days.items()) if any(v)
        ]  # fmt: skip
        buckets = [
            {"day": k[0], "severity": k[1], "drill": k[2], "measure": k[3], "le": k[4], "n": v}
            for k, v in sorted(self.buckets.items()) if v
        ]  # fmt: skip
        services = [
            {"service": k[0], "day": k[1], "n": v} for k, v in sorted(self.services.items()) if v
        ]
        hours = [
            {"hour": k[0], "severity": k[1], "n": v[0], "acked": v[1], "resolved": v[2]}
            for k, v in sorted(self.hours.items()) if any(v)
        ]  # fmt: skip
        return days, buckets, services, hours


def _upsert(
    session: Session, model: Any, rows: list[dict[str, Any]], keys: tuple[str, ...]
) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    session.execute(_upsert_statement(dialect, model.__table__, tuple(rows[0]), keys), rows)


@cache
def _upsert_statement(
    dialect: str, table: Table, columns: tuple[str, ...], keys: tuple[str, ...]
) -> Executable:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE`` adding each other column to the row's;
    built once (building it cost more than running it, on every commit that opens an
    incident)."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    sums = {c: table.c[c] + insert.excluded[c] for c in columns if c not in keys}
    return insert.on_conflict_do_update(index_elements=list(keys), set_=sums)


def apply(session: Session, deltas: Deltas) -> None:
    """Write ``deltas`` into the summary (in the session's transaction)."""
    days, buckets, services, hours = deltas.rows()
    _upsert(session, IncidentDay, days, ("day", "resolved_day", "severity", "drill"))
    _upsert(session, IncidentDayBucket, buckets, ("day", "severity", "drill", "measure", "le"))
    _upsert(session, ServiceDay, services, ("service", "day"))
    _upsert(session, IncidentHour, hours, ("hour", "severity"))


def _changed(incident: Incident) -> bool:
    state = attributes.instance_state(incident)
    return any(state.attrs[name].history.has_changes() for name in WATCHED)


def on_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    """Before a flush: note how the incidents it writes move the summary."""
    added = [o for o in session.new if isinstance(o, Incident)]
    changed = [o for o in session.dirty if isinstance(o, Incident) and _changed(o)]
    gone = [o for o in session.deleted if isinstance(o, Incident)]
    if not (added or changed or gone):
        return
    deltas = session.info.setdefault(PENDING, Deltas())
    old_ids = [o.id for o in changed + gone]
    if old_ids:
        # The rows as the database holds them before this flush: the contribution to take
        # away (attribute history lacks the old value of an attribute that was never loaded).
        with session.no_autoflush:
            for row in session.execute(select(*_COLUMNS).where(Incident.id.in_(old_ids))):
                deltas.add(Snapshot.of(row), -1)
    for incident in added + changed:
        deltas.add(Snapshot.of(incident), 1)


def on_commit(session: Session) -> None:
    """Just before the commit: write the transaction's changes to the summary. Last, so that
    the summary's few busy rows stay locked (PostgreSQL) only while the commit runs, and are
    never held by a transaction that then waits for another's incident row."""
    session.flush()
    deltas = session.info.pop(PENDING, None)
    if deltas is not None:
        apply(session, deltas)


def on_rollback(session: Session, *_: object) -> None:
    """A rolled-back transaction changed nothing: forget its changes."""
    session.info.pop(PENDING, None)


#: Where a session keeps the changes of its transaction until it commits.
PENDING = "warroom.incidents.rollup"
#: The session events that keep the summary (``Database.on`` in bootstrap).
LISTENERS: dict[str, Callable[..., None]] = {
    "before_flush": on_flush,
    "before_commit": on_commit,
    "after_rollback": on_rollback,
    "after_soft_rollback": on_rollback,
}


def rebuild(session: Session) -> int:
    """Recompute the whole summary from the incidents; returns how many were read."""
    for model in (IncidentDay, IncidentDayBucket, ServiceDay, IncidentHour):
        session.execute(delete(model))
    deltas = Deltas()
    count = 0
    for row in session.execute(select(*_COLUMNS).execution_options(yield_per=2000)):
        deltas.add(Snapshot.of(row), 1)
        count += 1
    apply(session, deltas)
    return count
