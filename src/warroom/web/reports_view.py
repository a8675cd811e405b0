"""The reports page: MTTD / MTTA / MTTR by severity and week by week, drills left out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from warroom.incidents.rollup import day_of
from warroom.reports import aggregate, metrics, summary
from warroom.web import charts

SERIES = (("MTTD", "mttd_seconds"), ("MTTA", "mtta_seconds"), ("MTTR", "mttr_seconds"))


@dataclass
class ReportView:
    days: int
    overall: dict[str, Any]
    by_severity: dict[str, dict[str, Any]]
    weeks: list[tuple[str, dict[str, Any]]]
    severity_chart: Markup
    weekly_chart: Markup


UNITS = (("hours", 3600.0), ("minutes", 60.0), ("seconds", 1.0))


def unit_for(seconds: list[float | None]) -> tuple[str, float]:
    """The largest unit in which the longest duration is at least 2 (seconds at the least)."""
    peak = max((s for s in seconds if s is not None), default=0.0)
    return next(((name, size) for name, size in UNITS if peak >= 2 * size), UNITS[-1])


def _series(rows: list[dict[str, Any]], size: float) -> dict[str, list[float | None]]:
    return {name: [None if r[key] is None else r[key] / size for r in rows] for name, key in SERIES}


def weekly(session: Session, end: datetime, days: int) -> list[tuple[str, dict[str, Any]]]:
    """Response durations per 7-day bucket of the ``days`` whole days before ``end`` (a
    midnight), oldest first, labelled by the bucket's first day (from the per-day summary)."""
    start = end - timedelta(days=days)
    per_day = summary.day_blocks(session, start, end)
    out = []
    for n in range(-(-days // 7)):
        first = start + timedelta(days=7 * n)
        week = [day_of(first + timedelta(days=k)) for k in range(7)]
        label = first.strftime("%m-%d")
        out.append((label, aggregate.block([per_day[d] for d in week if d in per_day])))
    return out


def build(*, session: Session, now: datetime, days: int) -> ReportView:
    """The report over the last ``days`` whole days (UTC, today included), drills left out."""
    end = summary.midnight(now) + summary.DAY
    period = aggregate.Period(end - timedelta(days=days), end, drills=False)
    overall, _ = summary.durations(session, period)
    by_sev: dict[str, dict[str, Any]] = overall["by_severity"]
    weeks = weekly(session, end, days)
    sev_rows = [by_sev[s] for s in metrics.SEVERITIES]
    week_rows = [w for _, w in weeks]
    unit, size = unit_for([r[key] for r in sev_rows + week_rows for _, key in SERIES])
    return ReportView(
        days=days,
        overall=overall,
        by_severity=by_sev,
        weeks=weeks,
        severity_chart=charts.bars(
            f"Mean response times by severity ({unit})",
            list(metrics.SEVERITIES),
            _series(sev_rows, size),
            unit,
        ),
        weekly_chart=charts.lines(
            f"Mean response times per week ({unit})",
            [label for label, _ in weeks],
            _series(week_rows, size),
            unit,
        ),
    )
