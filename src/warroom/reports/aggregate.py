"""The response figures computed by the database from the incidents themselves: each query
aggregates the incidents of a period (bounded and indexed) and returns a handful of numbers.
Reports read whole days from the per-day summary (:mod:`warroom.reports.summary`) and use
these queries for the rest of a period, and the tests use them as the summary's reference.

The definitions are those of :mod:`warroom.reports.metrics` (whose pure functions state
them and are the reference the tests compare these queries against). Durations are taken
to the millisecond, the precision SQLite's date arithmetic keeps exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Float,
    Numeric,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement, TextClause

from warroom.incidents.models import Incident
from warroom.reports.metrics import SEVERITIES, Target, rate
from warroom.storage.base import UTCDateTime

#: Ids a report lists (missed deadlines, overdue postmortems and items): the oldest first,
#: at most this many; the counts beside them are always complete.
IDS_SHOWN = 100
#: Stands for "not resolved yet" where an outage's end is compared: later than any time.
NEVER = datetime(9998, 12, 31, tzinfo=UTC)


def seconds(session: Session, later: Any, earlier: Any) -> ColumnElement[float]:
    """``later - earlier`` in seconds, rounded to the millisecond, on either database."""
    if session.get_bind().dialect.name == "sqlite":
        days = func.julianday(later) - func.julianday(earlier)
        return func.round(days * 86400.0, 3)
    return cast(func.round(cast(extract("epoch", later - earlier), Numeric), 3), Float)


@dataclass(frozen=True)
class Period:
    """Incidents detected in [since, until); either end may be open. ``drills`` false
    leaves out incidents raised by a drill."""

    since: datetime | None
    until: datetime | None
    incident_ids: Sequence[str] | None = None
    drills: bool = True

    def where(self, session: Session | None = None) -> list[ColumnElement[bool]]:
        """The conditions; with ``session``, written so that the other table of a join leads
        (see :func:`detected_unindexed`)."""
        detected: Any = Incident.detected_at if session is None else detected_unindexed(session)
        clauses: list[ColumnElement[bool]] = []
        if self.since is not None:
            clauses.append(detected >= self.since)
        if self.until is not None:
            clauses.append(detected < self.until)
        if self.incident_ids is not None:
            clauses.append(Incident.id.in_(list(self.incident_ids)))
        return clauses


def detected_unindexed(session: Session) -> Any:
    """``incidents.detected_at`` written so that SQLite's planner (which has no statistics)
    does not walk its index: for a join in which the few rows of the other table
    (postmortems, action items) should each find their incident by key, or a count that
    another, narrower index range serves. A unary plus on SQLite; PostgreSQL's planner has
    statistics and is left to choose."""
    if session.get_bind().dialect.name != "sqlite":
        return Incident.detected_at
    return type_coerce(literal_column("+incidents.detected_at"), UTCDateTime())


#: Incidents raised by a drill, written exactly as the partial index ix_incidents_drill's
#: predicate (a planner uses a partial index only for its own predicate).
DRILL_PREDICATE = {
    "sqlite": "json_extract(incidents.labels, '$.drill') = 'true'",
    "postgresql": "(incidents.labels ->> 'drill') = 'true'",
}


def drill_only(session: Session) -> TextClause:
    return text(DRILL_PREDICATE[session.get_bind().dialect.name])


def duration_blocks(session: Session, period: Period, key: Any) -> dict[Any, dict[str, Any]]:
    """Per value of ``key`` (an expression over Incident): the count, MTTD/MTTA/MTTR sums and
    counts, never acknowledged and unresolved. Merge with :func:`block`."""
    mttd = seconds(session, Incident.detected_at, Incident.started_at)
    mtta = seconds(session, Incident.acknowledged_at, Incident.detected_at)
    mttr = seconds(session, Incident.resolved_at, Incident.detected_at)
    query = (
        select(
            key.label("k"),
            func.count(),
            func.sum(mttd),
            func.sum(mtta),
            func.count(Incident.acknowledged_at),
            func.sum(mttr),
            func.count(Incident.resolved_at),
        )
        .where(*period.where())
        .group_by(key)
    )
    out: dict[Any, dict[str, Any]] = {}
    for k, n, d_sum, a_sum, acked, r_sum, resolved in session.execute(query):
        out[k] = {"n": n, "d": d_sum or 0.0, "a": a_sum or 0.0, "an": acked, "r": r_sum or 0.0,
                  "rn": resolved}  # fmt: skip
    if not period.drills:
        # Every incident (from the report index) less the drills (from their partial index):
        # filtering on the labels instead would read every row.
        for k, n, d_sum, a_sum, acked, r_sum, resolved in session.execute(
            query.where(drill_only(session))
        ):
            mine = out[k]
            for field, value in zip(
                "n d a an r rn".split(), (n, d_sum, a_sum, acked, r_sum, resolved), strict=True
            ):
                mine[field] -= value or 0  # fmt: skip
            if not mine["n"]:
                del out[k]
    return out


def block(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The response block (count and means) of the groups ``parts`` together."""
    n = sum(p["n"] for p in parts)
    acked = sum(p["an"] for p in parts)
    resolved = sum(p["rn"] for p in parts)
    return {
        "count": n,
        "mttd_seconds": sum(p["d"] for p in parts) / n if n else None,
        "mtta_seconds": sum(p["a"] for p in parts) / acked if acked else None,
        "mttr_seconds": sum(p["r"] for p in parts) / resolved if resolved else None,
        "never_acknowledged": n - acked,
        "unresolved": n - resolved,
    }


def durations(
    session: Session, period: Period, parts: dict[str, dict[str, Any]] | None = None
) -> tuple[dict[str, Any], dict[str, int]]:
    """The report's ``response`` section, and the count per severity (from ``parts``, the
    blocks per severity, when the caller has them)."""
    if parts is None:
        parts = duration_blocks(session, period, Incident.severity)
    by_severity = {}
    for s in SEVERITIES:
        one = block([parts[s]] if s in parts else [])
        by_severity[s] = {k: one[k] for k in ("count", "mttd_seconds", "mtta_seconds",
                                             "mttr_seconds")}  # fmt: skip
    return {**block(list(parts.values())), "by_severity": by_severity}, {
        s: parts[s]["n"] if s in parts else 0 for s in SEVERITIES
    }


def service_counts(
    session: Session, period: Period, after: str | None, limit: int | None
) -> dict[str | None, int]:
    """Incidents of the period per service (None: no service), in name order after
    ``after``, at most ``limit`` services."""
    query = select(Incident.service, func.count()).where(*period.where())
    if after is not None:
        query = query.where(Incident.service > after)
    query = query.group_by(Incident.service).order_by(Incident.service.nulls_first())
    return {value: n for value, n in session.execute(query.limit(limit))}


def mtbf(
    session: Session, period: Period, services: list[str] | None = None
) -> dict[str, float | None]:
    """Mean time between failures per service, over non-overlapping downtime: incidents
    of a service that overlap in time are one outage (from the first start to the last
    resolution), and MTBF is the mean gap from the end of one outage to the start of the
    next. It is never negative; None with fewer than two outages."""
    end = func.coalesce(Incident.resolved_at, literal(NEVER, UTCDateTime()))
    window = func.max(end).over(
        partition_by=Incident.service,
        order_by=(Incident.started_at, Incident.id),
        rows=(None, -1),
    )
    ordered = (
        select(Incident.service, Incident.started_at, window.label("prev_end"))
        .where(Incident.service.is_not(None), *period.where())
        .where(*([] if services is None else [Incident.service.in_(services)]))
        .subquery()
    )
    gap = seconds(session, ordered.c.started_at, ordered.c.prev_end)
    starts_outage = ordered.c.started_at > ordered.c.prev_end
    query = select(
        ordered.c.service,
        func.avg(case((starts_outage, gap))),
        func.count(case((starts_outage, 1))),
    ).group_by(ordered.c.service)
    return {
        service: (float(avg) if gaps else None)
        for service, avg, gaps in sorted(session.execute(query), key=lambda r: r[0])
    }


def per_severity(values: dict[str, Any], type_: Any = None, severity: Any = None) -> Any:
    """The value for the incident's severity (or ``severity``, an expression; NULL for a
    severity not in ``values``).

    A CASE rather than an OR per severity: with an OR the planners pick the severity index
    and read every row, where the CASE leaves them on the report index."""
    if not values:
        return literal(None)
    of = Incident.severity if severity is None else severity
    whens = [(of == s, literal(v, type_)) for s, v in values.items()]
    return case(*whens)


def _met(
    session: Session, deadlines: dict[str, timedelta], done: Any, now: datetime
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Whether an incident is eligible (done, or its deadline has passed) and whether it
    met its deadline, for the severities in ``deadlines`` (measured from detection)."""
    if not deadlines:
        return literal(False), literal(False)
    cutoff = per_severity({s: now - d for s, d in deadlines.items()}, UTCDateTime())
    limit = per_severity({s: d.total_seconds() for s, d in deadlines.items()}, Float())
    taken = seconds(session, done, Incident.detected_at)
    eligible = and_(limit.is_not(None), or_(done.is_not(None), Incident.detected_at < cutoff))
    return eligible, and_(done.is_not(None), taken <= limit)


def _kinds(
    session: Session, targets: dict[str, Target], now: datetime
) -> dict[str, tuple[ColumnElement[bool], ColumnElement[bool]]]:
    ack = {s: t.response_time for s, t in targets.items()}
    res = {s: t.resolution_target for s, t in targets.items() if t.resolution_target}
    return {
        "acknowledgement": _met(session, ack, Incident.acknowledged_at, now),
        "resolution": _met(session, res, Incident.resolved_at, now),
    }


def sla_counts(
    session: Session, period: Period, targets: dict[str, Target], now: datetime
) -> dict[str, tuple[int, int]]:
    """(eligible, met) per kind of SLA, in one pass over the period."""
    kinds = _kinds(session, targets, now)
    columns = []
    for eligible, met in kinds.values():
        columns += [func.count(case((eligible, 1))), func.count(case((and_(eligible, met), 1)))]
    counts = list(session.execute(select(*columns).where(*period.where())).one())
    return {name: (counts[2 * n], counts[2 * n + 1]) for n, name in enumerate(kinds)}


def missed(
    session: Session, period: Period, targets: dict[str, Target], now: datetime, kind: str
) -> list[str]:
    """The incidents that missed the ``kind`` SLA, oldest first, at most IDS_SHOWN."""
    eligible, met = _kinds(session, targets, now)[kind]
    query = (
        select(Incident.id)
        .where(*period.where(), eligible, ~met)
        .order_by(Incident.detected_at, Incident.id)
        .limit(IDS_SHOWN)
    )
    return list(session.scalars(query))


def sla(
    session: Session, period: Period, targets: dict[str, Target], now: datetime
) -> dict[str, Any]:
    """Acknowledgement and resolution SLA compliance (see metrics.sla): the counts in one
    pass over the period, then the missed incidents (oldest first, at most IDS_SHOWN)."""
    out = {}
    for name, (n_eligible, n_met) in sla_counts(session, period, targets, now).items():
        out[name] = {
            "eligible": n_eligible,
            "met": n_met,
            "rate": rate(n_met, n_eligible),
            "missed": missed(session, period, targets, now, name) if n_eligible > n_met else [],
        }
    return out
