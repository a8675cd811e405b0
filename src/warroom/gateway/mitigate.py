"""The AI photo detector playbook's drift actions, applied once each and recorded on the incident
timeline:
monitor (0.15-0.25), lower the decision threshold (0.25-0.40), human review of
low-confidence predictions (> 0.40)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert
from warroom.deploy import registry
from warroom.detect.detectors import Finding
from warroom.env.port import Env
from warroom.incidents import service as incidents
from warroom.incidents.models import TimelineEvent
from warroom.playbook.schema import DetectionPolicy

ACTOR = "detector:warroom"


def apply_drift_actions(
    env: Env, findings: list[tuple[str, str, str, Finding]], policy: DetectionPolicy
) -> None:
    """``findings``: (alert fingerprint, service, version, finding with a drift score)."""
    now = env.clock()
    with env.db.session() as session:
        for fingerprint, service, version, finding in findings:
            score = finding.metrics.get("drift_score", 0.0)
            alert = session.scalars(
                select(Alert).where(
                    Alert.source == "detector",
                    Alert.fingerprint == fingerprint,
                    Alert.status == "firing",
                )
            ).first()
            if alert is None or alert.incident_id is None:
                continue
            done = {
                (e.data.get("action"), e.data.get("version"))
                for e in session.scalars(
                    select(TimelineEvent).where(
                        TimelineEvent.incident_id == alert.incident_id,
                        TimelineEvent.kind == "mitigation",
                    )
                )
            }
            for action in policy.drift.actions:
                if score <= action.min_score or (action.action, version) in done:
                    continue
                message = _apply(session, service, version, action.action, action.threshold, now)
                incidents.add_event(
                    session=session,
                    incident_id=alert.incident_id,
                    kind="mitigation",
                    actor=ACTOR,
                    message=f"Drift {score:.2f} > {action.min_score:g}: {message}",
                    now=now,
                    data={"action": action.action, "version": version, "drift_score": score},
                )


def _apply(
    session: Session,
    service: str,
    version: str,
    action: str,
    threshold: float | None,
    now: datetime,
) -> str:
    if action == "monitor":
        return "monitor closely and collect data for retraining"
    if action == "lower_threshold":
        assert threshold is not None
        row = registry.get_version(session=session, service=service, version=version)
        old = row.threshold
        if old > threshold:
            registry.set_threshold(
                session=session,
                service=service,
                version=version,
                threshold=threshold,
                actor=ACTOR,
                now=now,
            )
        return f"decision threshold of {version} lowered {old:g} → {min(old, threshold):g}"
    registry.set_review(
        session=session, service=service, version=version, enabled=True, actor=ACTOR, now=now
    )
    return f"low-confidence predictions of {version} go to the human review queue"
