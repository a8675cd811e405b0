"""A raised severity pages again by the new severity's policy (once), and overdue action
items and postmortems reach their owner or team through the outbox (once), with a real
webhook receiver on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from tests.integration.test_response import T0, open_incident, receiver, timeline, use_webhook
from warroom.alerts.models import AlertCreate
from warroom.bootstrap import Container
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.intake.service import ingest
from warroom.jobs.models import Job
from warroom.playbook.schema import Playbook
from warroom.postmortem import actions
from warroom.postmortem.models import ActionItemCreate
from warroom.response import service as response
from warroom.worker.loop import Worker

__all__ = ["receiver"]  # the fixture, shared with test_response


def send_again(container: Container, now: datetime, **metrics: float) -> list[str]:
    """The same alert (fingerprint) again, with new metrics: the incidents it updated."""
    alert = AlertCreate.model_validate(
        {
            "source": "generic",
            "fingerprint": "fp-fraud",
            "starts_at": T0.isoformat(),
            "name": "HighErrorRate",
            "service": "fraud",
            "metrics": metrics,
        }
    )
    with container.db.session() as session:
        result = ingest(
            session=session, alerts=[alert], playbook=container.playbook, actor="test", now=now
        )
    return result.incidents_updated


def pages(rx) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(person, severity tag) of each page: the tag is the raised severity, '' at opening."""
    out = []
    for r in rx.received:
        key = r.headers["Idempotency-Key"]
        tag = key.split(":")[2]
        out.append((r.body["to"], tag if tag.startswith("P") else ""))
    return out


def test_raise_pages_again_once_and_supersedes_the_old_chain(
    container: Container, clock, receiver
) -> None:
    rx, url = receiver
    use_webhook(container, url)
    clock.set(T0)
    incident_id = open_incident(container, T0, error_rate=0.2)  # P1: the chain without the CTO
    worker = Worker(container)
    worker.run_until_idle()
    assert pages(rx) == [("alice", "")]

    raised_at = T0 + timedelta(minutes=5)
    clock.set(raised_at)
    assert send_again(container, raised_at, error_rate=0.6) == [incident_id]
    worker.run_until_idle()
    assert pages(rx) == [("alice", ""), ("alice", "P0")]
    with container.db.session() as session:  # asking again changes nothing
        incident = session.get_one(Incident, incident_id)
        assert incident.severity == "P0"
        assert not response.on_severity_raised(
            session=session, incident=incident, playbook=container.playbook, now=raised_at
        )
    send_again(container, raised_at, error_rate=0.7)
    worker.run_until_idle()
    assert len(rx.received) == 2

    clock.set(T0 + timedelta(minutes=15))  # the P1 chain's secondary: superseded, silent
    worker.run_until_idle()
    assert len(rx.received) == 2
    for minutes in (20, 35, 50):  # the P0 chain, counted from the raise
        clock.set(T0 + timedelta(minutes=minutes))
        worker.run_until_idle()
    assert pages(rx)[2:] == [("bob", "P0"), ("eng-manager", "P0"), ("cto", "P0")]
    events = timeline(container, incident_id)
    repaged = [e for e in events if e.kind == "routed" and e.data.get("repage")]
    assert len(repaged) == 1 and repaged[0].data["severity"] == "P0"
    missed = [e.data["deadline"] for e in events if e.kind == "ack_deadline_missed"]
    assert len(missed) == 2 and len(set(missed)) == 2  # the P1 deadline and the P0 one


def test_a_joining_alert_that_raises_severity_pages_again_once(
    container: Container, clock, receiver
) -> None:
    """Another instance of the alert (a new fingerprint joining the incident) raises it to
    P0: one new chain, however many alerts of the batch raised it."""
    rx, url = receiver
    use_webhook(container, url)
    clock.set(T0)
    incident_id = open_incident(container, T0, error_rate=0.2)
    worker = Worker(container)
    worker.run_until_idle()
    raised_at = T0 + timedelta(minutes=1)
    clock.set(raised_at)
    joining = [
        AlertCreate.model_validate(
            {
                "source": "generic",
                "fingerprint": f"fp-fraud-{n}",
                "starts_at": raised_at.isoformat(),
                "name": "HighErrorRate",
                "service": "fraud",
                "metrics": {"error_rate": 0.6 + n / 100},
            }
        )
        for n in range(3)
    ]
    with container.db.session() as session:
        result = ingest(
            session=session, alerts=joining, playbook=container.playbook, actor="t", now=raised_at
        )
    assert result.incidents_updated == [incident_id] and not result.incidents_opened
    worker.run_until_idle()
    assert pages(rx) == [("alice", ""), ("alice", "P0")]
    repaged = [e for e in timeline(container, incident_id) if e.data.get("repage")]
    assert len(repaged) == 1


def test_acknowledged_incident_is_not_paged_again(container: Container, clock, receiver) -> None:
    rx, url = receiver
    use_webhook(container, url)
    clock.set(T0)
    incident_id = open_incident(container, T0, error_rate=0.2)
    worker = Worker(container)
    worker.run_until_idle()
    with container.db.session() as session:
        incidents.acknowledge(
            session=session,
            incident_id=incident_id,
            actor="alice",
            now=T0,
            playbook=container.playbook,
        )
        incident = incidents.set_severity(
            session=session,
            incident_id=incident_id,
            severity="P0",
            reason="customers affected",
            actor="alice",
            now=T0,
        )
        response.on_severity_raised(
            session=session, incident=incident, playbook=container.playbook, now=T0
        )
    clock.set(T0 + timedelta(hours=1))
    worker.run_until_idle()
    assert pages(rx) == [("alice", "")]


def with_team_room(container: Container) -> None:
    data = container.playbook.model_dump(mode="json")
    for team in data["oncall"]["teams"]:
        team["channel"] = {"channel": "hook", "to": f"#{team['name']}"}
    container.playbook = Playbook.model_validate(data)


def test_overdue_action_items_remind_owner_or_team_once(
    container: Container, clock, receiver
) -> None:
    rx, url = receiver
    use_webhook(container, url)
    with_team_room(container)
    clock.set(T0)
    incident_id = open_incident(container, T0)
    with container.db.session() as session:
        incidents.acknowledge(
            session=session,
            incident_id=incident_id,
            actor="alice",
            now=T0,
            playbook=container.playbook,
        )
        for title, owner in (("add a canary", "bob"), ("fix alerts", "someone-external")):
            actions.add(
                session=session,
                incident_id=incident_id,
                spec=ActionItemCreate(title=title, owner=owner, due_at=T0 + timedelta(days=1)),
                playbook=container.playbook,
                actor="alice",
                now=T0,
            )
    worker = Worker(container)
    worker.run_until_idle()
    before = len(rx.received)
    clock.set(T0 + timedelta(days=2))
    worker.run_until_idle()
    reminders = [r for r in rx.received[before:] if r.body["subject"].startswith("Overdue")]
    assert sorted(r.body["to"] for r in reminders) == ["#backend", "bob"]
    assert all(r.body["incident_id"] == incident_id for r in reminders)
    assert any("add a canary" in r.body["text"] for r in reminders if r.body["to"] == "bob")
    for minutes in (5, 10):  # later ticks find nothing new
        clock.set(T0 + timedelta(days=2, minutes=minutes))
        worker.run_until_idle()
    assert len([r for r in rx.received if r.body["subject"].startswith("Overdue")]) == 2
    kinds = [e.kind for e in timeline(container, incident_id)]
    assert kinds.count("action_overdue") == 2
    with container.db.read() as session:
        ticks = session.scalars(select(Job.status).where(Job.kind == "postmortem.reminders"))
        assert set(ticks) == {"done"}
