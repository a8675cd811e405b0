"""Conclude a rollback: final state, duration, audit, incident timeline and follow-up."""

from __future__ import annotations

from typing import Any

from warroom.audit import service as audit
from warroom.deploy import registry
from warroom.deploy.models import FINAL_STATES, Rollback
from warroom.env.port import Env
from warroom.incidents import lifecycle
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.playbook.schema import Playbook
from warroom.playbook.terms import SEVERITIES, severity_rank
from warroom.response import service as response
from warroom.rollback import stability

ACTOR = "warroom:rollback"
VERDICTS = {
    "succeeded": "verified",
    "inconclusive": "switched, not verified (too little traffic)",
    "reverted": "failed, routing put back as it was",
}


def conclude(
    env: Env,
    rollback_id: int,
    state: str,
    reason: str,
    verification: dict[str, Any] | None = None,
    *,
    owner: str | None = None,
) -> None:
    """Record the ending exactly once, in one transaction with everything it implies.

    With ``owner``, only the runner holding the rollback may conclude it.
    """
    with env.db.session() as session:
        rb = session.get(Rollback, rollback_id)
        assert rb is not None
        if rb.state in FINAL_STATES or (owner is not None and rb.runner != owner):
            return
        now = env.clock()
        rb.state, rb.reason, rb.finished_at = state, reason, now
        rb.started_at = rb.started_at or now
        rb.duration_seconds = (now - rb.started_at).total_seconds()
        rb.in_flight_service, rb.lease_until, rb.runner = None, None, None
        if verification is not None:
            rb.verification = verification
        if state == "succeeded" and rb.from_version:
            bad = registry.get_version(session=session, service=rb.service, version=rb.from_version)
            bad.state = "bad"
        audit.record(
            session=session,
            actor=ACTOR,
            action=f"rollback.{state}",
            target=f"service:{rb.service}",
            now=now,
            rollback_id=rb.id,
            from_version=rb.from_version,
            to_version=rb.to_version,
            reason=reason,
            duration_seconds=rb.duration_seconds,
        )
        if rb.incident_id:
            _on_incident(session, rb, now, env.playbook)


def timeline_data(rb: Rollback) -> dict[str, Any]:
    return {
        "rollback_id": rb.id,
        "service": rb.service,
        "from_version": rb.from_version,
        "to_version": rb.to_version,
        "state": rb.state,
        "trigger": rb.trigger,
        "started_at": rb.started_at.isoformat() if rb.started_at else None,
        "switched_at": rb.switched_at.isoformat() if rb.switched_at else None,
        "finished_at": rb.finished_at.isoformat() if rb.finished_at else None,
        "duration_seconds": rb.duration_seconds,
        "snapshot": rb.snapshot,
        "verification": rb.verification,
        "reason": rb.reason,
    }


def _on_incident(session: Any, rb: Rollback, now: Any, playbook: Playbook) -> None:
    assert rb.incident_id is not None
    incident = session.get(Incident, rb.incident_id)
    if incident is None:
        return
    verdict = VERDICTS.get(rb.state, rb.state.replace("_", " "))
    incidents.add_event(
        session=session,
        incident_id=incident.id,
        kind="rollback",
        actor=ACTOR,
        message=f"Rollback of {rb.service} {rb.from_version} → {rb.to_version} {verdict} in "
        f"{rb.duration_seconds:.1f}s: {rb.reason}",
        now=now,
        data=timeline_data(rb),
    )
    # Too little traffic to judge is no sign that the target is unhealthy: no escalation.
    if not lifecycle.is_open(incident.status) or rb.state == "inconclusive":
        return
    if rb.state == "succeeded":
        if lifecycle.RANK[incident.status] < lifecycle.RANK["monitoring"]:
            incidents.change_status(
                session=session,
                incident_id=incident.id,
                status="monitoring",
                actor=ACTOR,
                now=now,
                message="rollback verified",
                playbook=playbook,
            )
            stability.schedule(
                session=session, incident=incident, playbook=playbook, rollback_id=rb.id, now=now
            )
        return
    # The mitigation did not work: the incident gets more attention, not less.
    rank = severity_rank(incident.severity)
    if rank > 0:
        incidents.set_severity(
            session=session,
            incident_id=incident.id,
            severity=SEVERITIES[rank - 1],
            actor=ACTOR,
            now=now,
            reason=f"rollback {rb.id} {rb.state}: {rb.reason}",
        )
        response.on_severity_raised(session=session, incident=incident, playbook=playbook, now=now)
    incidents.add_event(
        session=session,
        incident_id=incident.id,
        kind="escalation",
        actor=ACTOR,
        message=f"Escalated: rollback {rb.state}",
        now=now,
        data={"rollback_id": rb.id, "reason": rb.reason},
    )
