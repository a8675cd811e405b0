"""What the intake does once a batch's alerts are stored and grouped: page for the
incidents it opened or raised, acknowledge at the source's word, notice incidents with no
firing alert left, consider automatic rollbacks, and keep the alerts' observations as
samples.

These steps span other use cases (response, rollback) and domains; the orchestration in
:mod:`warroom.intake.service` calls them in order, in the batch's transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert, AlertCreate
from warroom.deploy.models import ModelService
from warroom.incidents import lifecycle
from warroom.incidents import service as incidents
from warroom.incidents.grouping import SYSTEM_ACTOR
from warroom.incidents.models import Incident
from warroom.intake.result import IngestResult
from warroom.playbook.schema import Playbook
from warroom.response import service as response
from warroom.rollback import auto as auto_rollback


def page_opened(session: Session, result: IngestResult, playbook: Playbook, now: datetime) -> None:
    for incident_id in result.incidents_opened:  # route, page, escalate (same transaction)
        response.on_incident_opened(
            session=session,
            incident=result.rows[incident_id],
            playbook=playbook,
            now=now,
        )


def page_raised(session: Session, result: IngestResult, playbook: Playbook, now: datetime) -> None:
    """Page again for the incidents whose severity the batch raised (once each, at the
    severity they ended the batch with)."""
    for incident_id in sorted(result.raised - set(result.incidents_opened)):
        incident = result.rows[incident_id]
        response.on_severity_raised(session=session, incident=incident, playbook=playbook, now=now)


def consider_rollbacks(
    session: Session,
    result: IngestResult,
    playbook: Playbook,
    now: datetime,
    not_models: frozenset[str] = frozenset(),
) -> None:
    """Consider an automatic rollback for each open incident of the batch. ``not_models``:
    services the caller found are no model services (only a model service's incident can
    be rolled back), looked up once for several batches."""
    for incident_id in dict.fromkeys(result.incidents_opened + result.incidents_updated):
        incident = result.row(session, incident_id)
        if incident is None or not lifecycle.is_open(incident.status):
            continue
        if incident.service in not_models:
            continue
        auto_rollback.consider(session=session, incident=incident, playbook=playbook, now=now)


def not_models(session: Session, results: list[IngestResult]) -> frozenset[str]:
    """The services of these results' incidents that are no model services (one query for
    a whole pass, instead of one per incident)."""
    services = {row.service for result in results for row in result.rows.values() if row.service}
    if not services:
        return frozenset()
    found = session.scalars(_MODEL_SERVICES, {"names": list(services)})
    return frozenset(services - set(found))


# Built once: every intake pass looks its services up.
_MODEL_SERVICES = select(ModelService.name).where(
    ModelService.name.in_(bindparam("names", expanding=True))
)


def acknowledge(
    session: Session, incident_id: str, actor: str, now: datetime, playbook: Playbook
) -> None:
    """The source acknowledged an alert of the incident (PagerDuty's event_action)."""
    incident = session.get(Incident, incident_id)
    if incident is not None and incident.status == "triggered":
        incidents.change_status(
            session=session,
            incident_id=incident_id,
            status="acknowledged",
            actor=actor,
            now=now,
            message="acknowledged at the source",
            playbook=playbook,
        )


def check_all_resolved(
    session: Session,
    incident_ids: set[str],
    playbook: Playbook,
    now: datetime,
    result: IngestResult,
) -> None:
    """Record on the timeline of each incident that has no firing alert left, and resolve
    it if the playbook says ``auto_resolve``."""
    for incident_id in sorted(incident_ids):
        still_firing = session.scalar(
            select(func.count())
            .select_from(Alert)
            .where(Alert.incident_id == incident_id, Alert.status == "firing")
        )
        incident = session.get(Incident, incident_id)
        if still_firing or incident is None or not lifecycle.is_open(incident.status):
            continue
        _all_resolved(session, incident_id, playbook, now)
        if incident_id not in result.incidents_updated:
            result.incidents_updated.append(incident_id)


def _all_resolved(session: Session, incident_id: str, playbook: Playbook, now: datetime) -> None:
    incidents.add_event_later(
        session=session,
        incident_id=incident_id,
        kind="alerts_resolved",
        actor=SYSTEM_ACTOR,
        message="All alerts of this incident are resolved",
        now=now,
    )
    if playbook.auto_resolve:
        incidents.change_status(
            session=session,
            incident_id=incident_id,
            status="resolved",
            actor=SYSTEM_ACTOR,
            now=now,
            message="all alerts resolved (playbook auto_resolve)",
            playbook=playbook,
        )


def observations(
    alerts: list[AlertCreate], now: datetime
) -> list[tuple[str, datetime, dict[str, float]]]:
    """One sample per service, time and metric: the worst value the batch reported (a storm
    of 100 alerts of one service is one observation, not 100)."""
    worst: dict[tuple[str, datetime], dict[str, float]] = {}
    for a in alerts:
        if not (a.service and a.metrics):
            continue
        at = (a.ends_at or now) if a.status == "resolved" else now
        seen = worst.setdefault((a.service, at), {})
        for name, value in a.metrics.items():
            pick = min if name == "availability" else max
            seen[name] = pick(seen.get(name, value), value)
    return [(service, at, values) for (service, at), values in worst.items()]
