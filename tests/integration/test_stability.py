"""After a verified rollback the incident is monitored, then resolved by the worker once the
playbook's stability window passed quietly; an alert firing again keeps it open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import Clock
from warroom.alerts.models import AlertCreate
from warroom.audit.models import AuditEvent
from warroom.bootstrap import Container
from warroom.deploy import registry
from warroom.deploy.models import DeployRequest, Rollback, ServiceCreate
from warroom.incidents.models import Incident, TimelineEvent
from warroom.intake.service import ingest
from warroom.rollback import service as rollbacks
from warroom.rollback.conclude import conclude
from warroom.worker.loop import Worker

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=30)  # the shipped default


def alert(status: str = "firing", error_rate: float = 0.8) -> AlertCreate:
    return AlertCreate(
        source="generic",
        fingerprint="svc-errors",
        name="HighErrorRate",
        service="svc",
        status="firing" if status == "firing" else "resolved",
        metrics={"error_rate": error_rate},
        starts_at=T0,
    )


def rolled_back_incident(container: Container, clock: Clock) -> str:
    """An incident on a model service whose rollback was verified, its alert resolved."""
    clock.set(T0)
    with container.db.session() as session:
        registry.create_service(session=session, spec=ServiceCreate(name="svc"), actor="t", now=T0)
        for version in ("v1", "v2"):
            spec = DeployRequest(version=version, artifact="m:f", weight=100)
            registry.deploy(session=session, service="svc", spec=spec, actor="t", now=T0)
        registry.mark_stable(session=session, service="svc", version="v1", actor="t", now=T0)
    with container.db.session() as session:
        # The playbook rolls back on its own here; this test drives the conclusion itself.
        result = ingest(
            session=session, alerts=[alert()], playbook=container.playbook, actor="t", now=T0
        )
        (incident_id,) = result.incidents_opened
        if not session.scalars(select(Rollback)).first():
            rollbacks.start(
                session=session,
                service="svc",
                to_version="v1",
                incident_id=incident_id,
                trigger="manual",
                actor="t",
                reason="test",
                stable_after=timedelta(0),
                now=T0,
            )
        ingest(
            session=session,
            alerts=[alert("resolved")],
            playbook=container.playbook,
            actor="t",
            now=T0,
        )
    with container.db.read() as session:
        rb_id = session.scalars(select(Rollback.id)).one()
    clock.set(T0 + timedelta(seconds=20))
    conclude(container, rb_id, "succeeded", "verification passed")
    return incident_id


def status(container: Container, incident_id: str) -> str:
    with container.db.read() as session:
        return session.get_one(Incident, incident_id).status


@pytest.mark.parametrize("comes_back", [False, True])
def test_resolved_after_a_quiet_window_but_not_when_an_alert_fires_again(
    container: Container, clock: Clock, comes_back: bool
) -> None:
    incident_id = rolled_back_incident(container, clock)
    assert status(container, incident_id) == "monitoring"
    worker = Worker(container)
    clock.set(T0 + timedelta(seconds=20) + WINDOW - timedelta(seconds=1))
    worker.run_until_idle()
    assert status(container, incident_id) == "monitoring"  # not yet due
    if comes_back:
        clock.set(T0 + timedelta(minutes=10))
        with container.db.session() as session:
            ingest(
                session=session,
                alerts=[alert()],
                playbook=container.playbook,
                actor="t",
                now=clock(),
            )
    clock.set(T0 + timedelta(seconds=21) + WINDOW)
    worker.run_until_idle()
    with container.db.read() as session:
        incident = session.get_one(Incident, incident_id)
        events = session.scalars(
            select(TimelineEvent)
            .where(
                TimelineEvent.incident_id == incident_id, TimelineEvent.actor == "warroom:recovery"
            )
            .order_by(TimelineEvent.id)
        ).all()
        audited = session.scalars(
            select(AuditEvent).where(
                AuditEvent.target == incident_id, AuditEvent.actor == "warroom:recovery"
            )
        ).all()
    if comes_back:
        assert incident.status == "monitoring" and incident.resolved_at is None
        assert "fired again" in events[-1].message and not audited
    else:
        assert incident.status == "resolved" and incident.resolved_at == clock()
        assert incident.acknowledged_at is None  # automation is not an acknowledgement
        assert [e.kind for e in events] == ["stability_window", "status"]
        assert [a.action for a in audited] == ["incident.status"]
