"""Record and read metric samples; writes join the caller's transaction."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.samples.models import MetricSample
from warroom.storage.bulk import insert_rows


def record(
    *,
    session: Session,
    service: str,
    at: datetime,
    values: dict[str, float],
    source: str,
    version: str | None = None,
) -> None:
    """Store one sample per finite value."""
    rows = [
        {
            "service": service,
            "version": version,
            "at": at,
            "name": k,
            "value": float(v),
            "source": source,
        }
        for k, v in values.items()
        if v is not None and math.isfinite(v)
    ]
    insert_rows(session, MetricSample, rows)


def series(
    *,
    session: Session,
    service: str,
    start: datetime,
    end: datetime,
    names: list[str],
    version: str | None = None,
    source: str | None = None,
) -> dict[str, list[tuple[datetime, float]]]:
    """Samples per metric name in [start, end], oldest first."""
    query = select(MetricSample).where(
        MetricSample.service == service,
        MetricSample.at >= start,
        MetricSample.at <= end,
        MetricSample.name.in_(names),
    )
    if version is not None:
        query = query.where(MetricSample.version == version)
    if source is not None:
        query = query.where(MetricSample.source == source)
    out: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for row in session.scalars(query.order_by(MetricSample.at, MetricSample.id)):
        out[row.name].append((row.at, row.value))
    return dict(out)


def totals(
    *,
    session: Session,
    service: str,
    version: str,
    start: datetime,
    end: datetime,
    names: list[str],
    source: str,
) -> dict[str, float]:
    """The sum of each named metric over [start, end) (names without samples are absent)."""
    query = (
        select(MetricSample.name, func.sum(MetricSample.value))
        .where(
            MetricSample.service == service,
            MetricSample.version == version,
            MetricSample.source == source,
            MetricSample.at >= start,
            MetricSample.at < end,
            MetricSample.name.in_(names),
        )
        .group_by(MetricSample.name)
    )
    return {name: float(total) for name, total in session.execute(query) if total is not None}


def rejected_inputs(
    *, session: Session, service: str, end: datetime, span: timedelta = timedelta(hours=24)
) -> dict[str, int]:
    """Per version: inputs its model refused over ``span`` up to ``end`` (the gateway's
    ``rejected`` samples)."""
    query = (
        select(MetricSample.version, func.sum(MetricSample.value))
        .where(
            MetricSample.service == service,
            MetricSample.name == "rejected",
            MetricSample.source == "gateway",
            MetricSample.at >= end - span,
            MetricSample.at <= end,
        )
        .group_by(MetricSample.version)
    )
    return {str(v): int(n) for v, n in session.execute(query) if v is not None and n}


def saved_counts(
    *, session: Session, service: str, version: str, start: datetime, end: datetime
) -> list[tuple[int, int, int]]:
    """(second, requests, errors) of a version from the gateway's snapshots in [start, end]:
    what a restarted gateway reloads into its burn-rate counts."""
    query = (
        select(MetricSample.at, MetricSample.name, MetricSample.value)
        .where(
            MetricSample.service == service,
            MetricSample.version == version,
            MetricSample.source == "gateway",
            MetricSample.name.in_(("requests", "errors")),
            MetricSample.at >= start,
            MetricSample.at <= end,
        )
        .order_by(MetricSample.at)
    )
    per_second: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for at, name, value in session.execute(query):
        per_second[int(at.timestamp())][name == "errors"] += int(value)
    return [(second, counts[0], counts[1]) for second, counts in per_second.items()]


def record_many(
    *, session: Session, observations: list[tuple[str, datetime, dict[str, float]]], source: str
) -> None:
    """Store many (service, at, values) observations in one INSERT."""
    rows = [
        {
            "service": service,
            "version": None,
            "at": at,
            "name": k,
            "value": float(v),
            "source": source,
        }
        for service, at, values in observations
        for k, v in values.items()
        if v is not None and math.isfinite(v)
    ]
    insert_rows(session, MetricSample, rows)
