"""Incident opened → routed → paged → escalated, on real SQLite and PostgreSQL, with a real
webhook receiver on loopback; acknowledging stops the chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.receiver import Receiver
from warroom.alerts.models import AlertCreate
from warroom.bootstrap import Container
from warroom.incidents import service as incidents
from warroom.incidents.models import TimelineEvent
from warroom.intake.service import ingest
from warroom.notify import service as outbox
from warroom.playbook.schema import Playbook
from warroom.worker.loop import Worker

# 2026-11-23 is in an even week of the default rotation: alice is backend primary, bob secondary.
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    rx = Receiver()
    url = rx.start()
    yield rx, url
    rx.stop()


def use_webhook(container: Container, url: str) -> None:
    """The default playbook with every contact on a webhook channel to the receiver."""
    data = container.playbook.model_dump(mode="json")
    data["channels"] = [{"name": "hook", "type": "webhook", "url": f"{url}/page?token=s3cret"}]
    for person in data["oncall"]["people"]:
        person["contacts"] = [{"channel": "hook", "to": person["name"]}]
    container.playbook = Playbook.model_validate(data)


def open_incident(
    container: Container, now: datetime, service: str = "fraud", **metrics: float
) -> str:
    alert = AlertCreate.model_validate(
        {
            "source": "generic",
            "fingerprint": f"fp-{service}",
            "starts_at": now.isoformat(),
            "name": "HighErrorRate",
            "service": service,
            "metrics": metrics or {"error_rate": 0.6},
        }
    )
    with container.db.session() as session:
        result = ingest(
            session=session, alerts=[alert], playbook=container.playbook, actor="test", now=now
        )
    [incident_id] = result.incidents_opened
    return incident_id


def timeline(container: Container, incident_id: str) -> list[TimelineEvent]:
    with container.db.read() as session:
        incident, _ = incidents.get_detail(session=session, incident_id=incident_id)
        return list(incident.timeline)


def test_page_escalate_and_ack_stops_the_chain(container: Container, clock, receiver) -> None:
    rx, url = receiver
    use_webhook(container, url)
    clock.set(T0)
    incident_id = open_incident(container, T0)
    worker = Worker(container)
    worker.run_until_idle()
    assert [r.body["to"] for r in rx.received] == ["alice"]
    first = rx.received[0]
    assert first.headers["Idempotency-Key"].startswith(f"page:{incident_id}:0:0:alice")
    assert first.body["incident_id"] == incident_id
    events = [
        e
        for e in timeline(container, incident_id)
        if e.kind in ("opened", "routed", "page", "notification")
    ]
    assert [e.kind for e in events] == ["opened", "routed", "page", "notification"]
    assert events[1].data["team"] == "backend"
    assert events[2].data["person"] == "alice" and events[2].data["level"] == 0
    assert events[3].data["status"] == "sent"
    assert "s3cret" not in str([e.data for e in events]) + str([e.message for e in events])

    clock.set(T0 + timedelta(minutes=15))  # secondary; the 5 min P0 ack deadline has passed
    worker.run_until_idle()
    assert [r.body["to"] for r in rx.received] == ["alice", "bob"]
    kinds = [e.kind for e in timeline(container, incident_id)]
    assert "ack_deadline_missed" in kinds and "escalation" in kinds
    assert "cadence_reminder" in kinds  # P0: an update every 15 minutes, none posted

    with container.db.session() as session:
        incidents.acknowledge(
            session=session,
            incident_id=incident_id,
            actor="bob",
            now=clock(),
            playbook=container.playbook,
        )
    clock.set(T0 + timedelta(hours=2))
    worker.run_until_idle()
    assert [r.body["to"] for r in rx.received] == ["alice", "bob"]  # the chain stopped
    with container.db.read() as session:
        rows = outbox.list_notifications(session=session, incident_id=incident_id)
        assert sorted((n.person, n.status) for n in rows) == [("alice", "sent"), ("bob", "sent")]


def test_unacknowledged_p0_reaches_the_cto(container: Container, clock, receiver) -> None:
    rx, url = receiver
    use_webhook(container, url)
    clock.set(T0)
    open_incident(container, T0)
    worker = Worker(container)
    for minutes in (0, 15, 30, 45, 120):
        clock.set(T0 + timedelta(minutes=minutes))
        worker.run_until_idle()
    assert [r.body["to"] for r in rx.received] == ["alice", "bob", "eng-manager", "cto"]


def test_p1_skips_the_cto_level(container: Container, clock, receiver) -> None:
    rx, url = receiver
    use_webhook(container, url)
    clock.set(T0)
    open_incident(container, T0, error_rate=0.2)
    worker = Worker(container)
    for minutes in (0, 15, 30, 45, 120):
        clock.set(T0 + timedelta(minutes=minutes))
        worker.run_until_idle()
    assert [r.body["to"] for r in rx.received] == ["alice", "bob", "eng-manager"]


def test_failed_delivery_retries_then_dies_on_the_timeline(
    container: Container, clock, receiver
) -> None:
    rx, url = receiver
    rx.status = 503
    container.settings.job_max_attempts = 2
    container.settings.job_backoff_base = 1
    use_webhook(container, url)
    clock.set(T0)
    incident_id = open_incident(container, T0)
    worker = Worker(container)
    worker.run_until_idle()
    clock.set(T0 + timedelta(seconds=5))
    worker.run_until_idle()
    assert len(rx.received) == 2 and len(set(rx.keys())) == 1  # same key on the retry
    notes = [e for e in timeline(container, incident_id) if e.kind == "notification"]
    assert [e.data["status"] for e in notes] == ["failed", "dead"]
    assert "HTTP 503" in notes[-1].data["error"] and "s3cret" not in notes[-1].data["error"]
