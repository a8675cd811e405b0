"""Consider an automatic rollback for an incident, inside the intake's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert
from warroom.chat import service as chat
from warroom.deploy import registry, target
from warroom.deploy.models import UNSUCCESSFUL_STATES, ModelService, Rollback
from warroom.deploy.policy import Decision, Facts, decide
from warroom.errors import Conflict
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident, TimelineEvent
from warroom.playbook.schema import Playbook
from warroom.rollback import service as rollbacks

ACTOR = "warroom:auto-rollback"


def consider(*, session: Session, incident: Incident, playbook: Playbook, now: datetime) -> None:
    """Decide for a model service's incident; every decision lands on its timeline once."""
    if incident.service is None or session.get(ModelService, incident.service) is None:
        return
    if _already_rolled_back(session, incident):
        return
    decision = decide(_facts(session, incident, playbook, now), playbook.rollback.auto, now=now)
    if decision.reason == _last_reason(session, incident.id):
        return
    if decision.action == "rollback":
        try:
            rb = rollbacks.start(
                session=session,
                service=incident.service,
                to_version=None,
                incident_id=incident.id,
                trigger="auto",
                actor=ACTOR,
                reason=decision.reason,
                stable_after=playbook.rollback.stable_after,
                now=now,
            )
        except Conflict as exc:
            decision = Decision("decline", str(exc))
        else:
            decision = Decision("rollback", f"{decision.reason} (rollback {rb.id})")
    elif decision.action == "await_approval" and playbook.chat is not None:
        _ask_in_chat(session, incident, playbook, decision, now)
    incidents.add_event(
        session=session,
        incident_id=incident.id,
        kind="auto_rollback",
        actor=ACTOR,
        message=f"Auto-rollback {decision.action}: {decision.reason}",
        now=now,
        data={"decision": decision.action, "reason": decision.reason},
    )


def _ask_in_chat(
    session: Session, incident: Incident, playbook: Playbook, decision: Decision, now: datetime
) -> None:
    """Post the plan to the room and the people paged, with Approve / Decline."""
    assert incident.service is not None and playbook.chat is not None
    try:
        plan = rollbacks.plan(
            session=session,
            service=incident.service,
            to_version=None,
            stable_after=playbook.rollback.stable_after,
            now=now,
            reported=rollbacks.reported_version(session=session, incident=incident),
        )
    except Conflict:
        return  # the decision already says there is no safe target
    chat.request_approval(
        session=session,
        incident_id=incident.id,
        service=incident.service,
        from_version=plan["from_version"],
        to_version=plan["to_version"],
        reason=decision.reason,
        figures=_metrics(session, incident),
        policy=playbook.chat,
        now=now,
    )


def _facts(session: Session, incident: Incident, playbook: Playbook, now: datetime) -> Facts:
    assert incident.service is not None
    rows = registry.versions(session=session, service=incident.service)
    chosen, skipped = target.choose(
        registry.facts(rows),
        now=now,
        stable_after=playbook.rollback.stable_after,
        reported=rollbacks.reported_version(session=session, incident=incident),
    )
    autos = list(
        session.scalars(
            select(Rollback)
            .where(Rollback.trigger == "auto", Rollback.requested_at >= now - timedelta(hours=24))
            .order_by(Rollback.requested_at.desc())
        )
    )
    mine = [r.requested_at for r in autos if r.service == incident.service]
    return Facts(
        severity=incident.severity,
        metrics=_metrics(session, incident),
        last_deploy_at=max((v.deployed_at for v in rows), default=None),
        recent_auto_rollbacks=[r.requested_at for r in autos],
        last_auto_rollback_of_service=mine[0] if mine else None,
        target=chosen.version if chosen else None,
        target_refusal="; ".join(skipped) or "no earlier version",
    )


def _metrics(session: Session, incident: Incident) -> dict[str, float]:
    """The worst value of each metric over the incident's firing alerts."""
    merged = dict(incident.metrics)
    alerts = session.scalars(
        select(Alert.metrics).where(Alert.incident_id == incident.id, Alert.status == "firing")
    )
    for metrics in alerts:
        for name, value in metrics.items():
            worse = min if name.startswith("availability") else max
            merged[name] = worse(merged.get(name, value), value)
    return merged


def _already_rolled_back(session: Session, incident: Incident) -> bool:
    found = session.scalars(
        select(Rollback.id).where(
            Rollback.incident_id == incident.id,
            Rollback.state.not_in(UNSUCCESSFUL_STATES),
        )
    ).first()
    return found is not None


def _last_reason(session: Session, incident_id: str) -> str | None:
    last = session.scalars(
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "auto_rollback")
        .order_by(TimelineEvent.id.desc())
        .limit(1)
    ).first()
    return str(last.data.get("reason")) if last else None
