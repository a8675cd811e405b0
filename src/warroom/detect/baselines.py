"""Capture and read per-version baselines (what "normal" looked like for a stable version)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.detect import drift
from warroom.detect.detectors import Baseline as BaselineView
from warroom.detect.labels import ErrorStats
from warroom.detect.models import Baseline
from warroom.detect.windows import OutcomeWindow
from warroom.errors import Conflict


def capture(
    *,
    session: Session,
    service: str,
    version: str,
    window: OutcomeWindow,
    threshold: float,
    last: int,
    actor: str,
    now: datetime,
    min_requests: int = 1,
    labels: int = 500,
    inputs: int = 500,
) -> Baseline:
    """Save the version's current window as its baseline (Conflict without enough traffic):
    latency and answers over its last ``last`` requests, accuracy over its last ``labels``
    labels (the detectors use it only once it rests on enough of them)."""
    stats = window.stats(last=last)
    labelled = window.labels.stats(last=labels)
    valued = window.labels.errors(last=labels)
    if stats.count < min_requests:
        raise Conflict(
            f"{service} {version} has {stats.count} requests in its window; "
            f"a baseline needs at least {min_requests}"
        )
    probabilities = window.probabilities(last=last)
    prof = drift.profile(probabilities, threshold=threshold)
    row = Baseline(
        service=service,
        version=version,
        created_at=now,
        requests=stats.count,
        latency_p95_ms=stats.latency_p95_ms if stats.count > stats.errors else None,
        accuracy=labelled.accuracy,
        labelled=labelled.labels,
        mean_probability=prof.mean_probability,
        low_confidence_ratio=prof.low_confidence_ratio,
        positive_ratio=prof.positive_ratio,
        probabilities=list(prof.probabilities),
        inputs=input_sample(window, inputs),
        mae=valued.mae if valued.labels else None,
        rmse=valued.rmse if valued.labels else None,
        valued=valued.labels,
    )
    session.add(row)
    audit.record(
        session=session,
        actor=actor,
        action="baseline.update",
        target=f"service:{service}",
        now=now,
        version=version,
        requests=stats.count,
        accuracy=labelled.accuracy,
        labelled=labelled.labels,
    )
    return row


def input_sample(window: OutcomeWindow, rows: int) -> list[list[float]] | None:
    """The window's last ``rows`` inputs (at most 50,000 numbers), None without any."""
    recent = window.recent_inputs(last=rows)
    if recent.size == 0:
        return None
    return recent[-max(1, 50_000 // recent.shape[1]) :].tolist()


def add_accuracy(
    *,
    session: Session,
    baseline_id: int,
    window: OutcomeWindow,
    labels: int,
    actor: str,
    now: datetime,
) -> Baseline:
    """Complete a baseline with the accuracy of its version's last ``labels`` labels (they
    arrive later than the requests the rest of it was taken from)."""
    row = session.get(Baseline, baseline_id)
    if row is None:
        raise Conflict(f"baseline {baseline_id} is gone")
    found = window.labels.stats(last=labels)
    row.accuracy, row.labelled = found.accuracy, found.labels
    valued = window.labels.errors(last=labels)
    if valued.labels:
        row.mae, row.rmse, row.valued = valued.mae, valued.rmse, valued.labels
    audit.record(
        session=session,
        actor=actor,
        action="baseline.update",
        target=f"service:{row.service}",
        now=now,
        version=row.version,
        accuracy=row.accuracy,
        labelled=row.labelled,
        mae=row.mae,
        valued=row.valued,
    )
    return row


def latest(*, session: Session, service: str, version: str | None = None) -> Baseline | None:
    """The newest baseline of the service (of one version if given)."""
    query = select(Baseline).where(Baseline.service == service)
    if version is not None:
        query = query.where(Baseline.version == version)
    return session.scalars(query.order_by(Baseline.id.desc()).limit(1)).first()


def view(row: Baseline | None) -> BaselineView | None:
    """The detectors' view of a stored baseline."""
    if row is None:
        return None
    prof = None
    if row.mean_probability is not None and row.probabilities:
        prof = drift.Profile(
            mean_probability=row.mean_probability,
            low_confidence_ratio=row.low_confidence_ratio or 0.0,
            positive_ratio=row.positive_ratio or 0.0,
            probabilities=tuple(np.asarray(row.probabilities, dtype=float).tolist()),
        )
    return BaselineView(
        latency_p95_ms=row.latency_p95_ms,
        accuracy=row.accuracy,
        profile=prof,
        labelled=row.labelled or 0,
        inputs=np.asarray(row.inputs, dtype=float) if row.inputs else None,
        errors=ErrorStats(row.valued, row.mae, row.rmse or row.mae)
        if row.valued and row.mae is not None
        else None,
    )
