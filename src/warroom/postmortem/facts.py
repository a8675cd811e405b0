"""What the record of an incident supports: the facts a postmortem draft is filled from.

Pure functions over plain values (the incident, its timeline, alerts, metric samples). A fact
the data does not support is ``None``, so templates say so instead of inventing a figure.

Request counts: samples named ``requests``/``errors`` (the gateway writes them per snapshot
interval) or ``requests_total``/``requests_failed`` (any source) are counts per sample and
are summed over the incident window [started, resolved].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from warroom.alerts.models import AlertRead
from warroom.incidents.models import IncidentRead, TimelineEventRead
from warroom.playbook.schema import SeverityLevel

COUNT_PAIRS = (("requests", "errors"), ("requests_total", "requests_failed"))
# Timeline kinds that record something a person or automation did to restore service.
ACTION_KINDS = ("status", "reopened", "severity", "role", "note", "rollback", "update")
COMMUNICATION_KINDS = ("page", "notification", "escalation", "update", "ack_deadline_missed")


@dataclass(frozen=True)
class Sample:
    at: datetime
    name: str
    value: float
    version: str | None
    source: str


@dataclass(frozen=True)
class Page:
    at: datetime
    person: str
    channel: str | None
    level: Any


@dataclass(frozen=True)
class Ack:
    at: datetime
    by: str | None
    after: timedelta
    target: timedelta
    met: bool


@dataclass(frozen=True)
class RollbackFact:
    rollback_id: Any
    service: str | None
    from_version: str | None
    to_version: str | None
    state: str | None
    trigger: str | None
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None
    snapshot: dict[str, Any]
    verification: dict[str, Any]
    at: datetime

    @property
    def succeeded(self) -> bool:
        return self.state == "succeeded"


@dataclass(frozen=True)
class RequestImpact:
    failed: int
    total: int
    names: tuple[str, str]
    sources: tuple[str, ...]
    samples: int

    @property
    def failed_pct(self) -> float | None:
        return 100.0 * self.failed / self.total if self.total else None


@dataclass(frozen=True)
class Diagnostic:
    """A runbook diagnostic step's result, from its ``diagnostic`` timeline event."""

    at: datetime
    step: str
    kind: str
    status: str
    summary: str
    duration_seconds: float | None
    trigger: str | None
    actor: str


@dataclass(frozen=True)
class Milestone:
    label: str
    at: datetime


@dataclass
class Facts:
    incident: IncidentRead
    level: SeverityLevel
    timeline: list[TimelineEventRead]
    alerts: list[AlertRead]
    detection_delay: timedelta
    duration: timedelta | None
    impact_duration: timedelta | None
    detected_by: list[str]
    pages: list[Page]
    ack: Ack | None
    rollbacks: list[RollbackFact]
    requests: RequestImpact | None
    services: list[str]
    peaks: dict[str, float]
    milestones: list[Milestone]
    resolution_met: bool | None
    actions_taken: list[TimelineEventRead]
    communications: list[TimelineEventRead]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value)
    return None


def pages(timeline: list[TimelineEventRead]) -> list[Page]:
    """Who was paged and when, from ``page`` events."""
    return [
        Page(
            at=e.at,
            person=str(e.data.get("person", "unknown")),
            channel=e.data.get("channel"),
            level=e.data.get("level"),
        )
        for e in timeline
        if e.kind == "page"
    ]


def acknowledgement(
    incident: IncidentRead, timeline: list[TimelineEventRead], target: timedelta
) -> Ack | None:
    """When and by whom the incident was acknowledged, against the response-time target."""
    if incident.acknowledged_at is None:
        return None
    by = next(
        (e.actor for e in timeline if e.kind == "status" and e.data.get("to") == "acknowledged"),
        None,
    )
    after = incident.acknowledged_at - incident.detected_at
    return Ack(at=incident.acknowledged_at, by=by, after=after, target=target, met=after <= target)


def rollbacks(timeline: list[TimelineEventRead]) -> list[RollbackFact]:
    """Every concluded rollback recorded on the timeline, oldest first."""
    out = []
    for e in timeline:
        if e.kind != "rollback":
            continue
        d = e.data
        out.append(
            RollbackFact(
                rollback_id=d.get("rollback_id"),
                service=d.get("service"),
                from_version=d.get("from_version"),
                to_version=d.get("to_version"),
                state=d.get("state"),
                trigger=d.get("trigger"),
                started_at=_parse_time(d.get("started_at")),
                finished_at=_parse_time(d.get("finished_at")),
                duration_seconds=d.get("duration_seconds"),
                snapshot=d.get("snapshot") or {},
                verification=d.get("verification") or {},
                at=e.at,
            )
        )
    return out


def diagnostics(timeline: list[TimelineEventRead]) -> list[Diagnostic]:
    """What the runbook's diagnostics found, oldest first (the investigation section)."""
    return [
        Diagnostic(
            at=e.at,
            step=str(e.data.get("step", "?")),
            kind=str(e.data.get("kind", "?")),
            status=str(e.data.get("status", "?")),
            summary=str(e.data.get("summary", "")),
            duration_seconds=e.data.get("duration_seconds"),
            trigger=e.data.get("trigger"),
            actor=e.actor,
        )
        for e in timeline
        if e.kind == "diagnostic"
    ]


def request_impact(samples: list[Sample]) -> RequestImpact | None:
    """Failed vs total requests when the samples carry both counts; otherwise None."""
    for total_name, failed_name in COUNT_PAIRS:
        totals = [s for s in samples if s.name == total_name]
        failed = [s for s in samples if s.name == failed_name]
        if totals and failed:
            return RequestImpact(
                failed=round(sum(s.value for s in failed)),
                total=round(sum(s.value for s in totals)),
                names=(total_name, failed_name),
                sources=tuple(sorted({s.source for s in totals + failed})),
                samples=len(totals),
            )
    return None


def peaks(samples: list[Sample], names: tuple[str, ...]) -> dict[str, float]:
    """The highest value of each named metric in the samples."""
    out: dict[str, float] = {}
    for s in samples:
        if s.name in names:
            out[s.name] = max(out.get(s.name, s.value), s.value)
    return out


def milestones(incident: IncidentRead, found: list[RollbackFact]) -> list[Milestone]:
    """Detected / acknowledged / rolled back / resolved: the chart's markers."""
    points = [Milestone("detected", incident.detected_at)]
    if incident.acknowledged_at:
        points.append(Milestone("acknowledged", incident.acknowledged_at))
    for rb in found:
        points.append(Milestone(f"rollback {rb.state or ''}".strip(), rb.finished_at or rb.at))
    if incident.resolved_at:
        points.append(Milestone("resolved", incident.resolved_at))
    return points


def gather(
    *,
    incident: IncidentRead,
    level: SeverityLevel,
    timeline: list[TimelineEventRead],
    alerts: list[AlertRead],
    samples: list[Sample],
) -> Facts:
    """Every fact a postmortem draft states, computed from the record alone."""
    found = rollbacks(timeline)
    end = incident.resolved_at
    impact_end = incident.mitigated_at or end
    services = sorted(
        {s for s in [incident.service, *(a.service for a in alerts)] if s}
        | {rb.service for rb in found if rb.service}
    )
    return Facts(
        incident=incident,
        level=level,
        timeline=timeline,
        alerts=alerts,
        detection_delay=incident.detected_at - incident.started_at,
        duration=end - incident.detected_at if end else None,
        impact_duration=impact_end - incident.started_at if impact_end else None,
        detected_by=sorted({f"{a.name} ({a.source})" for a in alerts}),
        pages=pages(timeline),
        ack=acknowledgement(incident, timeline, level.response_time),
        rollbacks=found,
        requests=request_impact(samples),
        services=services,
        peaks=peaks(samples, ("error_rate", "latency_p95_ms")),
        milestones=milestones(incident, found),
        resolution_met=(end - incident.detected_at) <= level.resolution_target
        if end and level.resolution_target
        else None,
        actions_taken=[e for e in timeline if e.kind in ACTION_KINDS],
        communications=[e for e in timeline if e.kind in COMMUNICATION_KINDS],
        diagnostics=diagnostics(timeline),
    )
