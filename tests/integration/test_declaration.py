"""The ML platform runbook's declaration criteria as ``for`` durations on classification rules: a
short blip
opens nothing, a sustained fault opens its incident when the duration has passed (through the
durable worker job, with no repeat of the alert needed), on real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from warroom.alerts.models import Alert, AlertCreate
from warroom.bootstrap import Container
from warroom.incidents.models import Incident, TimelineEvent
from warroom.intake.service import IngestResult, ingest
from warroom.playbook.schema import Playbook
from warroom.worker.loop import Worker

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DECLARE = {
    "name": "declare-error-rate",
    "severity": "P2",
    "for": "5m",
    "conditions": [{"metric": "error_rate", "op": ">", "value": 0.05}],
}


def declaration_playbook(container: Container) -> None:
    data = container.playbook.model_dump(mode="json", by_alias=True)
    # The ML platform runbook's criterion replaces Protocol 25's immediate error-rate rules for this
    # test.
    rules = [r for r in data["classification"]["rules"] if r["severity"] in ("P0",)]
    for rule in rules:
        rule["conditions"] = [c for c in rule["conditions"] if c["metric"] != "error_rate"]
    data["classification"]["rules"] = [DECLARE, *rules]
    container.playbook = Playbook.model_validate(data)


def send(
    container: Container, now: datetime, status: str = "firing", **metrics: float
) -> IngestResult:
    alert = AlertCreate.model_validate(
        {
            "source": "generic",
            "fingerprint": "fp-errors",
            "starts_at": T0.isoformat(),
            "ends_at": now.isoformat() if status == "resolved" else None,
            "status": status,
            "name": "HighErrorRate",
            "service": "fraud",
            "metrics": metrics,
        }
    )
    with container.db.session() as session:
        return ingest(
            session=session, alerts=[alert], playbook=container.playbook, actor="test", now=now
        )


def incidents(container: Container) -> list[Incident]:
    with container.db.read() as session:
        return list(session.scalars(select(Incident)))


def run_worker_at(container: Container, clock, at: datetime) -> None:
    clock.set(at)
    Worker(container).run_until_idle()


def test_a_blip_shorter_than_for_opens_nothing(container: Container, clock) -> None:
    declaration_playbook(container)
    clock.set(T0)
    first = send(container, T0, error_rate=0.2)
    assert first.pending == 1 and first.incidents_opened == []
    send(container, T0 + timedelta(minutes=1), status="resolved", error_rate=0.0)
    run_worker_at(container, clock, T0 + timedelta(minutes=6))
    assert incidents(container) == []
    with container.db.read() as session:  # the alert is kept, nothing is lost
        assert session.scalar(select(func.count()).select_from(Alert)) == 1


def test_a_sustained_fault_opens_when_the_duration_has_passed(container: Container, clock) -> None:
    declaration_playbook(container)
    clock.set(T0)
    send(container, T0, error_rate=0.2)
    repeat = send(container, T0 + timedelta(minutes=2), error_rate=0.3)  # still holding
    assert repeat.pending == 1 and repeat.incidents_opened == []
    run_worker_at(container, clock, T0 + timedelta(minutes=4))
    assert incidents(container) == []  # not yet: the job is not due
    run_worker_at(container, clock, T0 + timedelta(minutes=5))
    [incident] = incidents(container)
    assert incident.severity == "P2"
    assert incident.detected_at == T0 + timedelta(minutes=5)
    assert incident.started_at == T0
    with container.db.read() as session:
        opened = session.scalars(select(TimelineEvent).where(TimelineEvent.kind == "opened")).one()
    assert "declare-error-rate: error_rate 0.3 > 0.05 for 5m" in opened.message
    # A later repeat joins the incident instead of waiting again.
    later = send(container, T0 + timedelta(minutes=6), error_rate=0.3)
    assert later.pending == 0 and later.incidents_updated == [incident.id]


def test_a_break_in_the_conditions_restarts_the_clock(container: Container, clock) -> None:
    declaration_playbook(container)
    data = container.playbook.model_dump(mode="json", by_alias=True)
    # A second criterion keeps the alert pending while the error-rate clock restarts.
    data["classification"]["rules"].insert(
        0,
        {
            "name": "declare-slow",
            "severity": "P2",
            "for": "10m",
            "conditions": [{"metric": "latency_increase_pct", "op": ">", "value": 0.5}],
        },
    )
    container.playbook = Playbook.model_validate(data)
    clock.set(T0)
    send(container, T0, error_rate=0.2, latency_increase_pct=0.9)
    send(container, T0 + timedelta(minutes=3), error_rate=0.01, latency_increase_pct=0.9)
    send(container, T0 + timedelta(minutes=4), error_rate=0.2, latency_increase_pct=0.9)
    run_worker_at(container, clock, T0 + timedelta(minutes=5))
    assert incidents(container) == []  # error rate held only since minute 4
    run_worker_at(container, clock, T0 + timedelta(minutes=9))
    [incident] = incidents(container)
    assert incident.detected_at == T0 + timedelta(minutes=9)
