"""Capture and read per-version baselines (what "normal" looked like for a stable version)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.detect import drift
from warroom.detect.detectors import Baseline as BaselineView
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
) -> Baseline:
    """Save the version's current window as its baseline (Conflict without enough traffic)."""
    stats = window.stats(last=last)
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
        accuracy=stats.accuracy,
        labelled=stats.labelled,
        mean_probability=prof.mean_probability,
        low_confidence_ratio=prof.low_confidence_ratio,
        positive_ratio=prof.positive_ratio,
        probabilities=list(prof.probabilities),
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
        accuracy=stats.accuracy,
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
    return BaselineView(latency_p95_ms=row.latency_p95_ms, accuracy=row.accuracy, profile=prof)
