"""Response metrics: pure functions over incident timestamps and follow-up records.

Definitions (seconds; a mean over nothing is ``None``, never 0):

- MTTD: started → detected; MTTA: detected → acknowledged (acknowledged incidents only);
  MTTR: detected → resolved (resolved incidents only).
- MTBF per service, over non-overlapping downtime: a service's incidents that overlap in
  time are one outage (from the first start to the last resolution; an unresolved incident
  keeps the outage open), and MTBF is the mean time from the end of one outage to the start
  of the next. Never negative; None with fewer than two outages.
- Acknowledgement SLA: acknowledged within the severity's response time. An incident never
  acknowledged counts as missed once its deadline has passed, and is left out until then.
- Resolution SLA: resolved (from detection) within the severity's resolution target, for
  severities that have one; unresolved past the target counts as missed.
- Postmortem completion: published no later than the due date, over incidents whose due date
  has passed or whose postmortem is published.
- Action items: done no later than the due date, over items due by now or already done
  (wont_do items are left out).
- Rollback durations: percentiles by linear interpolation between closest ranks.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from warroom.postmortem import deadlines

SEVERITIES = ("P0", "P1", "P2", "P3", "P4")
UNCATEGORISED = "uncategorised"


@dataclass(frozen=True)
class IncidentTimes:
    id: str
    severity: str
    service: str | None
    started_at: datetime
    detected_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    root_cause: str | None = None


@dataclass(frozen=True)
class Target:
    response_time: timedelta
    resolution_target: timedelta | None


@dataclass(frozen=True)
class PostmortemDue:
    incident_id: str
    due_at: datetime
    published_at: datetime | None


@dataclass(frozen=True)
class ActionDue:
    id: int
    incident_id: str
    due_at: datetime | None
    status: str
    completed_at: datetime | None


@dataclass(frozen=True)
class RollbackRun:
    state: str | None
    duration_seconds: float | None


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def rate(met: int, eligible: int) -> float | None:
    return met / eligible if eligible else None


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0..100), interpolating linearly between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _secs(delta: timedelta) -> float:
    return delta.total_seconds()


def durations(incidents: list[IncidentTimes]) -> dict[str, Any]:
    """MTTD, MTTA and MTTR overall and per severity, and the never-acknowledged count."""

    def block(group: list[IncidentTimes]) -> dict[str, Any]:
        return {
            "count": len(group),
            "mttd_seconds": mean([_secs(i.detected_at - i.started_at) for i in group]),
            "mtta_seconds": mean(
                [_secs(i.acknowledged_at - i.detected_at) for i in group if i.acknowledged_at]
            ),
            "mttr_seconds": mean(
                [_secs(i.resolved_at - i.detected_at) for i in group if i.resolved_at]
            ),
        }

    by_sev = {s: block([i for i in incidents if i.severity == s]) for s in SEVERITIES}
    return {
        **block(incidents),
        "never_acknowledged": sum(1 for i in incidents if i.acknowledged_at is None),
        "unresolved": sum(1 for i in incidents if i.resolved_at is None),
        "by_severity": by_sev,
    }


def mtbf(incidents: list[IncidentTimes]) -> dict[str, float | None]:
    """Mean time between failures per service (seconds) over merged outages, None with
    fewer than two outages."""
    by_service: dict[str, list[IncidentTimes]] = defaultdict(list)
    for i in incidents:
        if i.service:
            by_service[i.service].append(i)
    out: dict[str, float | None] = {}
    for service, group in sorted(by_service.items()):
        group.sort(key=lambda i: (i.started_at, i.id))
        gaps: list[float] = []
        outage_end: datetime | None = None  # None: still open (or no outage yet)
        for n, i in enumerate(group):
            if n and outage_end is not None and i.started_at > outage_end:
                gaps.append(_secs(i.started_at - outage_end))
                outage_end = i.resolved_at
            elif n == 0:
                outage_end = i.resolved_at
            elif outage_end is not None and i.resolved_at is not None:
                outage_end = max(outage_end, i.resolved_at)
            else:
                outage_end = None
        out[service] = mean(gaps)
    return out


def counts(incidents: list[IncidentTimes]) -> dict[str, dict[str, int]]:
    """Incidents by severity (every level), by service and by root-cause category."""
    sev = Counter(i.severity for i in incidents)
    return {
        "by_severity": {s: sev.get(s, 0) for s in SEVERITIES},
        "by_service": dict(sorted(Counter(i.service or "none" for i in incidents).items())),
        "by_root_cause": dict(
            sorted(Counter(i.root_cause or UNCATEGORISED for i in incidents).items())
        ),
    }


def sla(
    incidents: list[IncidentTimes], targets: dict[str, Target], now: datetime
) -> dict[str, Any]:
    """Acknowledgement and resolution SLA compliance (met / eligible)."""
    ack_met = ack_all = res_met = res_all = 0
    missed_ack: list[str] = []
    missed_res: list[str] = []
    for i in incidents:
        target = targets[i.severity]
        deadline = i.detected_at + target.response_time
        if i.acknowledged_at is not None or now > deadline:
            ack_all += 1
            if i.acknowledged_at is not None and i.acknowledged_at <= deadline:
                ack_met += 1
            else:
                missed_ack.append(i.id)
        if target.resolution_target is None:
            continue
        due = i.detected_at + target.resolution_target
        if i.resolved_at is not None or now > due:
            res_all += 1
            if i.resolved_at is not None and i.resolved_at <= due:
                res_met += 1
            else:
                missed_res.append(i.id)
    return {
        "acknowledgement": {
            "eligible": ack_all,
            "met": ack_met,
            "rate": rate(ack_met, ack_all),
            "missed": missed_ack,
        },
        "resolution": {
            "eligible": res_all,
            "met": res_met,
            "rate": rate(res_met, res_all),
            "missed": missed_res,
        },
    }


def postmortem_completion(dues: list[PostmortemDue], now: datetime) -> dict[str, Any]:
    """Postmortems published by their due date (Protocol 25 target: 100%)."""
    eligible = [d for d in dues if d.published_at is not None or now > d.due_at]
    on_time = [
        d
        for d in eligible
        if deadlines.postmortem_on_time(due_at=d.due_at, published_at=d.published_at)
    ]
    overdue = [
        d.incident_id
        for d in dues
        if deadlines.postmortem_overdue(due_at=d.due_at, published_at=d.published_at, now=now)
    ]
    return {
        "eligible": len(eligible),
        "on_time": len(on_time),
        "rate": rate(len(on_time), len(eligible)),
        "target": 1.0,
        "overdue": overdue,
    }


def action_completion(items: list[ActionDue], now: datetime) -> dict[str, Any]:
    """Action items done by their due date (Protocol 25 target: > 90%)."""
    eligible = [a for a in items if a.status == "done" or (a.due_at is not None and now > a.due_at)]
    eligible = [a for a in eligible if a.status != "wont_do"]
    on_time = [
        a
        for a in eligible
        if deadlines.action_on_time(due_at=a.due_at, completed_at=a.completed_at, status=a.status)
    ]
    overdue = [
        a.id for a in items if deadlines.action_overdue(due_at=a.due_at, status=a.status, now=now)
    ]
    return {
        "total": len(items),
        "open": sum(1 for a in items if a.status in ("open", "in_progress")),
        "eligible": len(eligible),
        "on_time": len(on_time),
        "rate": rate(len(on_time), len(eligible)),
        "target": 0.9,
        "overdue": overdue,
    }


def rollback_stats(runs: list[RollbackRun]) -> dict[str, Any]:
    """Rollback count, success rate and duration percentiles (seconds)."""
    secs = [r.duration_seconds for r in runs if r.duration_seconds is not None]
    ok = sum(1 for r in runs if r.state == "succeeded")
    return {
        "count": len(runs),
        "succeeded": ok,
        "success_rate": rate(ok, len(runs)),
        "duration_seconds": {
            "p50": percentile(secs, 50),
            "p90": percentile(secs, 90),
            "p95": percentile(secs, 95),
            "max": max(secs) if secs else None,
        },
    }
