"""Server side of drills: the targets they are judged by, their record, restoring traffic."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.audit.models import AuditEvent
from warroom.deploy import registry
from warroom.deploy.models import Rollback
from warroom.errors import Conflict, NotFound
from warroom.incidents.models import Incident
from warroom.playbook.schema import Playbook

COMPLETED = "drill.completed"


def targets(playbook: Playbook) -> dict[str, Any]:
    """Stage targets in seconds, per severity where the playbook sets them per severity."""
    return {
        "detection_s": playbook.drills.targets.detection.total_seconds(),
        "page_s": playbook.drills.targets.page.total_seconds(),
        "rollback_s": playbook.rollback.timeout.total_seconds(),
        "by_severity": {
            sev: {
                "acknowledgement_s": level.response_time.total_seconds(),
                "recovery_s": level.resolution_target.total_seconds()
                if level.resolution_target
                else None,
            }
            for sev, level in playbook.severity_levels.items()
        },
    }


def record(
    *, session: Session, scenario: str, details: dict[str, Any], actor: str, now: datetime
) -> AuditEvent:
    """The audit event ``drill.completed`` (target: the scenario) that readiness reads."""
    event = audit.record(
        session=session, actor=actor, action=COMPLETED, target=scenario, now=now, **details
    )
    session.flush()
    return event


def restore(*, session: Session, rollback_id: int, actor: str, now: datetime) -> dict[str, float]:
    """Put traffic back as it was before a drill's rollback: the version rolled back from was
    only hit by an injected fault, so its bad mark goes too. Refused for real incidents."""
    rb = session.get(Rollback, rollback_id)
    if rb is None:
        raise NotFound(f"rollback {rollback_id} not found")
    incident = session.get(Incident, rb.incident_id) if rb.incident_id else None
    if incident is None or (incident.labels or {}).get("drill") != "true":
        raise Conflict(f"rollback {rollback_id} was not caused by a drill: nothing to restore")
    if rb.state != "succeeded":
        raise Conflict(f"rollback {rollback_id} is {rb.state}: traffic was not moved")
    before = rb.snapshot.get("versions", {})
    for name, was in before.items():
        row = registry.get_version(session=session, service=rb.service, version=name)
        if row.state == "bad" and was.get("state") != "bad":
            row.state = was.get("state", "standby")
        row.enabled = bool(was.get("enabled", row.enabled))  # the rollback disabled it
        if name == rb.from_version:
            row.rolled_back_from = False
    return registry.apply_weights(
        session=session,
        service=rb.service,
        weights=rb.snapshot.get("weights") or {},
        actor=actor,
        now=now,
        kind="drill_restore",
        details={"rollback_id": rb.id, "incident_id": rb.incident_id},
    )
