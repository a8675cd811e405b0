"""The alert rows a batch writes: new ones, built from the ``alerts`` table's columns and
inserted in bulk, and stored ones, looked up and updated in place.

A storm brings thousands of new alerts; ORM objects cost more per row than the write
itself, so a new alert is a :data:`NewAlert` (a slotted dataclass, not mapped) until the end
of the batch, when they are all inserted in one statement. Its attributes are generated from
the table, so a column added to :class:`Alert` is never silently left out of the insert.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from dataclasses import MISSING, field, make_dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnDefault, bindparam, select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert, AlertCreate
from warroom.storage.base import Base
from warroom.storage.bulk import insert_returning_ids

_TABLE = Base.metadata.tables[Alert.__tablename__]
# Every column but the generated id, in table order: the keys of each inserted row.
INSERTED = tuple(column.key for column in _TABLE.columns if not column.primary_key)
_inserted_values = operator.attrgetter(*INSERTED)


def _new_alert_type() -> type[Alert]:
    """A slotted dataclass with one keyword field per column of ``alerts``. A field defaults
    to its column's Python default (``repeat_count``: 0), else to None when the column is
    nullable or the primary key (set once inserted); any other column must be given, as
    for an ``Alert``, so a new required column fails loudly until the intake sets it."""
    fields: list[tuple[str, type, Any]] = []
    for column in _TABLE.columns:
        if isinstance(column.default, ColumnDefault) and column.default.is_scalar:
            default = column.default.arg
        elif column.nullable or column.primary_key:
            default = None
        else:
            default = MISSING
        fields.append((column.key, object, field(default=default)))
    made = make_dataclass("NewAlert", fields, kw_only=True, slots=True, eq=False)
    made.__doc__ = "A new alert, inserted in bulk at the end of its batch."
    # To the type checker it is an Alert: it has exactly an Alert's columns, as attributes.
    return cast("type[Alert]", made)


NewAlert = _new_alert_type()
# A stored alert, or a NewAlert not inserted yet (an Alert to the type checker).
Row = Alert


def new_row(spec: AlertCreate, now: datetime, integration_id: int | None) -> Row:
    """A new alert as the source sent it; a resolved one ends when it says, else now."""
    resolved = spec.status == "resolved"
    return NewAlert(
        source=spec.source,
        fingerprint=spec.fingerprint,
        name=spec.name,
        service=spec.service,
        severity=spec.severity,
        summary=spec.summary,
        labels=spec.labels,
        annotations=spec.annotations,
        metrics=spec.metrics,
        status=spec.status,
        starts_at=spec.starts_at,
        ends_at=(spec.ends_at or now) if resolved else spec.ends_at,
        received_at=now,
        updated_at=now,
        integration_id=integration_id,
    )


def refresh(row: Row, spec: AlertCreate, now: datetime) -> None:
    """A firing alert fired again: take its latest name, labels and values (a detector's
    alert is named after the worst of its family's findings, e.g. HighErrorRate then
    ServiceDown)."""
    row.name = spec.name
    row.labels = spec.labels
    row.annotations = spec.annotations
    row.metrics = {**row.metrics, **spec.metrics}
    row.severity = spec.severity or row.severity
    row.summary = spec.summary or row.summary
    row.ends_at = spec.ends_at
    row.updated_at = now
    row.repeat_count += 1


def resolve(row: Row, spec: AlertCreate, now: datetime) -> None:
    """The firing alert resolved: it ends when the source says, else now."""
    row.status = "resolved"
    row.ends_at = spec.ends_at or now
    row.updated_at = now
    row.metrics = {**row.metrics, **spec.metrics}


def repeat(row: Row, now: datetime) -> None:
    """The source said again what it said before (a re-sent resolve)."""
    row.repeat_count += 1
    row.updated_at = now


def firing_by_fingerprint(
    session: Session, alerts: list[AlertCreate]
) -> dict[tuple[str, str], Row]:
    """The stored firing alerts of the batch's (source, fingerprint)s: one query a source."""
    by_source: dict[str, set[str]] = defaultdict(set)
    for a in alerts:
        by_source[a.source].add(a.fingerprint)
    found: dict[tuple[str, str], Row] = {}
    for source, fingerprints in by_source.items():
        values = {"source": source, "fingerprints": list(fingerprints)}
        for row in session.scalars(_FIRING, values):
            found[(row.source, row.fingerprint)] = row
    return found


# Built once: building it cost about what SQLite takes to run it, on every intake.
_FIRING = select(Alert).where(
    Alert.source == bindparam("source"),
    Alert.fingerprint.in_(bindparam("fingerprints", expanding=True)),
    Alert.status == "firing",
)


def latest(session: Session, spec: AlertCreate) -> Alert | None:
    """The latest stored alert of the same source and fingerprint, whatever its status."""
    return session.scalars(
        select(Alert)
        .where(Alert.source == spec.source, Alert.fingerprint == spec.fingerprint)
        .order_by(Alert.id.desc())
        .limit(1)
    ).first()


def insert_new(session: Session, rows: list[Row]) -> None:
    """Insert the new alerts among ``rows`` (each once) in one statement, and give them
    their ids."""
    new = list({id(row): row for row in rows if isinstance(row, NewAlert)}.values())
    values = [dict(zip(INSERTED, _inserted_values(row), strict=True)) for row in new]
    for row, new_id in zip(new, insert_returning_ids(session, Alert, values), strict=True):
        row.id = new_id
