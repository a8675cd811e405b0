"""One fault on one version of a service is one incident: every detector alert about it
(errors, outage, latency, accuracy, drift) joins the open incident and raises its severity,
also when an alert resolves and fires again; another version is another incident."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.conftest import Clock
from warroom.alerts.models import Alert
from warroom.bootstrap import Container
from warroom.detect.detectors import Finding
from warroom.gateway.detection import DetectorLoop, fingerprint
from warroom.incidents.models import Incident
from warroom.intake.batch import ingest_batch

START = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

# (alert, metrics) in the order a bad deploy might show them.
SEQUENCE = [
    ("HighErrorRate", {"error_rate": 0.07, "availability": 0.93}),  # P2
    ("HighLatency", {"latency_increase_pct": 0.8}),  # P2
    ("DriftDetected", {"drift_score": 0.2}),  # P3
    ("HighPredictionErrorRate", {"accuracy_drop": 0.15}),  # P2
    ("HighErrorRate", {"error_rate": 0.2, "availability": 0.8}),  # P1
    ("DriftCritical", {"drift_score": 0.45}),  # P2
    ("ServiceDown", {"error_rate": 0.9, "availability": 0.1}),  # P0
]


def send(container: Container, clock: Clock, at: datetime, *alerts: tuple[str, ...]) -> None:
    """Detector alerts as the detector loop sends them: (status, version, name, metrics)."""
    clock.set(at)
    batch = []
    for status, version, name, metrics in alerts:
        fp = fingerprint("fraud", version, name)
        finding = Finding(name, f"{name} on {version}", metrics)  # type: ignore[arg-type]
        batch.append(DetectorLoop._alert(fp, "fraud", version, finding, status, at))
    ingest_batch(container, batch, actor="detector:warroom")


def incidents(container: Container) -> list[Incident]:
    with container.db.read() as session:
        return list(session.scalars(select(Incident).order_by(Incident.detected_at)).all())


def test_every_alert_of_one_version_joins_one_incident_raised_as_it_worsens(
    container: Container, clock: Clock
) -> None:
    at = START
    for name, metrics in SEQUENCE:
        at += timedelta(seconds=5)
        send(container, clock, at, ("firing", "v2", name, metrics))
        # Each alert resolves before the next (a fault flapping between names)...
        at += timedelta(seconds=5)
        send(container, clock, at, ("resolved", "v2", name, metrics))
    # ...and fires again minutes later, healthy in between.
    at += timedelta(minutes=10)
    send(container, clock, at, ("firing", "v2", "HighErrorRate", dict(SEQUENCE[0][1])))
    found = incidents(container)
    assert len(found) == 1, [(i.title, i.severity) for i in found]
    assert found[0].severity == "P0"
    with container.db.read() as session:
        alerts = session.scalars(select(Alert)).all()
        assert {a.incident_id for a in alerts} == {found[0].id}
        assert len(alerts) == len(SEQUENCE) + 1  # the re-fired alert is a new alert


def test_another_version_or_service_is_another_incident(container: Container, clock: Clock) -> None:
    errors = {"error_rate": 0.07, "availability": 0.93}
    send(container, clock, START, ("firing", "v2", "HighErrorRate", errors))
    send(container, clock, START + timedelta(seconds=1), ("firing", "v1", "HighLatency", {}))
    assert len(incidents(container)) == 2
    # Past the grouping window (1 h without an alert) a new fault is a new incident.
    late = START + timedelta(hours=2)
    send(container, clock, late, ("resolved", "v2", "HighErrorRate", errors))
    send(container, clock, late, ("firing", "v2", "DriftDetected", {"drift_score": 0.2}))
    assert len(incidents(container)) == 3
