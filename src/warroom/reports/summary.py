"""Report figures read from the per-day summary of incidents (``incidents.rollup``), so
that a report over a month reads about 31 rows per severity whatever the number of
incidents in it.

A period is cut into whole UTC days, read from the summary, and the parts of a day at
either end (a period that starts or ends inside a day), aggregated exactly from the
incidents by :mod:`warroom.reports.aggregate`. Figures that depend on the time of the
report (an SLA deadline passed, a postmortem due) use the summary for the days wholly
before the deadline and the incidents of the deadline's own day up to the deadline.
Every figure is exact: SLA counts read the histogram buckets only when the target is a
bucket bound (every default is), and otherwise come from the incidents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from warroom.incidents.models import (
    Incident,
    IncidentDay,
    IncidentDayBucket,
    IncidentHour,
    ServiceDay,
)
from warroom.incidents.rollup import BUCKETS, day_of, hour_of
from warroom.reports import aggregate, follow_up
from warroom.reports.aggregate import Period
from warroom.reports.metrics import Target, rate

DAY = timedelta(days=1)
FIELDS = ("n", "d", "a", "an", "r", "rn")


def midnight(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Split:
    """Whole days [first, end) read from the summary (None: open), and the rest."""

    whole: bool
    first: datetime | None = None
    end: datetime | None = None
    edges: list[Period] = field(default_factory=list)

    def where(self, model: Any, drills: bool = True) -> list[Any]:
        clauses = [] if drills or model is ServiceDay else [model.drill.is_(False)]
        if self.first is not None:
            clauses.append(model.day >= day_of(self.first))
        if self.end is not None:
            clauses.append(model.day < day_of(self.end))
        return clauses

    def holds(self, at: datetime) -> bool:
        """Whether ``at`` falls in the whole days."""
        return (self.first is None or at >= self.first) and (self.end is None or at < self.end)


def split(period: Period) -> Split:
    """The period as whole days and the parts of days at its ends."""
    if period.incident_ids is not None:
        return Split(False, edges=[period])
    since, until = period.since, period.until
    first = (
        None if since is None else midnight(since) + (DAY if since != midnight(since) else 0 * DAY)
    )
    end = None if until is None else midnight(until)
    if first is not None and end is not None and first >= end:
        return Split(False, edges=[period])
    edges = []
    if since is not None and first is not None and since < first:
        edges.append(Period(since, first, drills=period.drills))
    if until is not None and end is not None and end < until:
        edges.append(Period(end, until, drills=period.drills))
    return Split(True, first, end, edges)


def merge(into: dict[Any, dict[str, Any]], parts: dict[Any, dict[str, Any]]) -> None:
    for key, part in parts.items():
        mine = into.setdefault(key, dict.fromkeys(FIELDS, 0))
        for name in FIELDS:
            mine[name] += part[name]


def summary_blocks(session: Session, whole: Split, drills: bool, key: Any) -> dict[Any, Any]:
    """Per value of ``key`` (a column of IncidentDay): the blocks of :func:`aggregate.block`."""
    d = IncidentDay
    query = (
        select(key, func.sum(d.n), func.sum(d.mttd_ms), func.sum(d.mtta_ms), func.sum(d.acked),
               func.sum(d.mttr_ms), func.sum(d.resolved))
        .where(*whole.where(d, drills))
        .group_by(key)
    )  # fmt: skip
    out = {}
    # int(): PostgreSQL sums integers as numeric.
    for k, n, d_ms, a_ms, acked, r_ms, resolved in session.execute(query):
        if n:
            out[k] = {"n": int(n), "d": int(d_ms) / 1000, "a": int(a_ms) / 1000,
                      "an": int(acked), "r": int(r_ms) / 1000, "rn": int(resolved)}  # fmt: skip
    return out


def severity_blocks(session: Session, period: Period) -> dict[str, dict[str, Any]]:
    """Per severity: the count and duration sums of the period's incidents."""
    whole = split(period)
    out = summary_blocks(session, whole, period.drills, IncidentDay.severity) if whole.whole else {}
    for edge in whole.edges:
        merge(out, aggregate.duration_blocks(session, edge, Incident.severity))
    return out


def durations(session: Session, period: Period) -> tuple[dict[str, Any], dict[str, int]]:
    """As :func:`aggregate.durations`, from the summary."""
    return aggregate.durations(session, period, severity_blocks(session, period))


def day_blocks(session: Session, first: datetime, end: datetime) -> dict[str, dict[str, Any]]:
    """Per UTC day ``YYYY-MM-DD`` of [first, end) (both midnights), drills left out."""
    return summary_blocks(session, Split(True, first, end), False, IncidentDay.day)


def _on_grid(targets: dict[str, Target]) -> bool:
    limits = [t.response_time for t in targets.values()]
    limits += [t.resolution_target for t in targets.values() if t.resolution_target]
    return all(limit.total_seconds() in BUCKETS for limit in limits)


def hour_start(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _before_cutoff(
    session: Session, at: Any, cutoffs: dict[str, datetime], floor: Any, *where: Any
) -> int:
    """Incidents whose ``at`` falls in [floor(cutoff), cutoff) of their severity's cutoff
    (the part the summary does not count): one short range of the ``at`` index per
    severity. The severity is tested through a CASE, which no index serves: an equality
    would lead the planners to the severity index and every incident of that severity."""
    total = 0
    for severity, cutoff in cutoffs.items():
        if cutoff == floor(cutoff):
            continue
        mine = case((Incident.severity == severity, 1)) == 1
        query = select(func.count()).where(at >= floor(cutoff), at < cutoff, mine, *where)
        total += session.scalar(query) or 0
    return total


def _hours_before_cutoff(
    session: Session, whole: Split, cutoffs: dict[str, datetime], measure: str
) -> int:
    """Incidents not yet acknowledged / resolved (``measure``) detected on their severity's
    cutoff day in the whole hours before the cutoff, from the hourly summary."""
    h = IncidentHour
    done = h.acked if measure == "ack" else h.resolved
    first = min(day_of(c) for c in cutoffs.values())
    clauses = [h.hour >= first, h.hour < max(hour_of(c) for c in cutoffs.values())]
    if whole.first is not None:
        clauses.append(h.hour >= day_of(whole.first))
    if whole.end is not None:
        clauses.append(h.hour < day_of(whole.end))
    rows = session.execute(
        select(h.severity, h.hour, func.sum(h.n) - func.sum(done)).where(*clauses)
        .group_by(h.severity, h.hour)
    )  # fmt: skip
    return sum(
        int(left)
        for severity, hour, left in rows
        if severity in cutoffs and day_of(cutoffs[severity]) <= hour < hour_of(cutoffs[severity])
    )


#: The SLA kinds: the histogram measure and the incident column each is about.
KINDS = {"acknowledgement": ("ack", Incident.acknowledged_at),
         "resolution": ("resolve", Incident.resolved_at)}  # fmt: skip


def _sla_whole(
    session: Session, whole: Split, targets: dict[str, Target], now: datetime
) -> dict[str, list[int]]:
    """[eligible, met] per kind over the whole days."""
    d, b = IncidentDay, IncidentDayBucket
    # Per (severity, day): incidents, and how many of them were acknowledged / resolved.
    days: dict[str, list[tuple[str, int, dict[str, int]]]] = defaultdict(list)
    for severity, day, n, acked, resolved in session.execute(
        select(d.severity, d.day, func.sum(d.n), func.sum(d.acked), func.sum(d.resolved))
        .where(*whole.where(d)).group_by(d.severity, d.day)
    ):  # fmt: skip
        days[severity].append((day, int(n), {"ack": int(acked), "resolve": int(resolved)}))
    within: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for severity, measure, le, n in session.execute(
        select(b.severity, b.measure, b.le, func.sum(b.n))
        .where(*whole.where(b)).group_by(b.severity, b.measure, b.le)
    ):  # fmt: skip
        within[(severity, measure)].append((le, int(n)))
    out = {"acknowledgement": [0, 0], "resolution": [0, 0]}
    for name, (measure, column) in KINDS.items():
        limits = {
            s: t.response_time if name == "acknowledgement" else t.resolution_target
            for s, t in targets.items()
        }
        cutoffs = {s: now - limit for s, limit in limits.items() if limit is not None}
        for severity, cutoff in cutoffs.items():
            rows = days[severity]
            # Eligible: every one done, and those not done whose deadline passed.
            out[name][0] += sum(done[measure] for _, _, done in rows)
            out[name][0] += sum(n - done[measure] for day, n, done in rows if day < day_of(cutoff))
            seconds = (now - cutoff).total_seconds()
            out[name][1] += sum(n for le, n in within[(severity, measure)] if le <= seconds)
        if cutoffs:
            out[name][0] += _hours_before_cutoff(session, whole, cutoffs, measure)
            out[name][0] += _before_cutoff(
                session, Incident.detected_at, cutoffs, hour_start, column.is_(None),
                *_detected_in(whole),
            )  # fmt: skip
    return out


def sla(
    session: Session, period: Period, targets: dict[str, Target], now: datetime
) -> dict[str, Any]:
    """As :func:`aggregate.sla`: whole days from the summary when every target is a bucket
    bound, the rest from the incidents; the missed ids only when some were missed."""
    whole = split(period)
    if not whole.whole or not _on_grid(targets) or not period.drills:
        return aggregate.sla(session, period, targets, now)
    counts = _sla_whole(session, whole, targets, now)
    for edge in whole.edges:
        for name, (eligible, met) in aggregate.sla_counts(session, edge, targets, now).items():
            counts[name][0] += eligible
            counts[name][1] += met
    out = {}
    for name, (eligible, met) in counts.items():
        missed = aggregate.missed(session, period, targets, now, name) if eligible > met else []
        out[name] = {"eligible": eligible, "met": met, "rate": rate(met, eligible),
                     "missed": missed}  # fmt: skip
    return out


def passed_due(
    session: Session, period: Period, delays: Mapping[str, timedelta], now: datetime
) -> int:
    """Incidents of the period resolved longer ago than their severity's postmortem delay."""
    whole = split(period)
    total = sum(follow_up.passed_due(session, edge, delays, now) for edge in whole.edges)
    if not whole.whole:
        return total
    d = IncidentDay
    rows = session.execute(
        select(d.severity, d.resolved_day, func.sum(d.resolved))
        .where(*whole.where(d), d.resolved_day != "").group_by(d.severity, d.resolved_day)
    ).all()  # fmt: skip
    cutoffs = {s: now - delay for s, delay in delays.items()}
    for severity, cutoff in cutoffs.items():
        total += sum(int(n) for s, day, n in rows if s == severity and day < day_of(cutoff))
    # The resolution-time index leads: the period's whole days hold far more incidents.
    detected = aggregate.detected_unindexed(session)
    return total + _before_cutoff(
        session, Incident.resolved_at, cutoffs, midnight, *_detected_in(whole, detected)
    )


def _detected_in(whole: Split, detected: Any = Incident.detected_at) -> list[Any]:
    clauses = []
    if whole.first is not None:
        clauses.append(detected >= whole.first)
    if whole.end is not None:
        clauses.append(detected < whole.end)
    return clauses


#: Services a report lists per page (the rest with ``services_after``).
SERVICES_SHOWN = 100


def services(
    session: Session, period: Period, after: str | None, limit: int | None
) -> tuple[dict[str | None, int], str | None]:
    """Incidents per service (None: no service) in service-name order from after ``after``
    (exclusive), at most ``limit``; and the last service listed when there may be more."""
    whole = split(period)
    found: dict[str | None, int] = defaultdict(int)
    if whole.whole:
        s = ServiceDay
        clauses = whole.where(s) + ([] if after is None else [s.service > after])
        query = (
            select(s.service, func.sum(s.n))
            .where(*clauses)
            .group_by(s.service)
            .having(func.sum(s.n) > 0)
            .order_by(s.service)
            .limit(limit)
        )
        for service, n in session.execute(query):
            found[service or None] += int(n)
    for edge in whole.edges:
        for named, n in aggregate.service_counts(session, edge, after, limit).items():
            found[named] += n
    names = sorted(found, key=lambda n: n or "")[:limit]
    more = limit is not None and len(found) >= limit
    return {n: found[n] for n in names}, (names[-1] or "") if more and names else None
