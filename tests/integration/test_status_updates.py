"""Status updates go out rendered per audience: the team room (webhook), stakeholders (e-mail
through a real SMTP server on loopback) and, for public updates only, customers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.conftest import free_port
from tests.integration.test_response import T0, open_incident, receiver, use_webhook
from tests.support.mailbox import Mailbox
from warroom.bootstrap import Container
from warroom.incidents import service as incidents
from warroom.playbook.schema import Playbook
from warroom.updates import service as updates
from warroom.updates.models import IncidentUpdateCreate
from warroom.worker.loop import Worker

__all__ = ["receiver"]


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, str]]:
    box = Mailbox(port=free_port())
    url = box.start()
    yield box, url
    box.stop()


def post(container: Container, incident_id: str, minutes: int, **spec: object) -> None:
    with container.db.session() as session:
        updates.post(
            session=session,
            incident_id=incident_id,
            spec=IncidentUpdateCreate.model_validate(spec),
            actor="carol",
            now=T0 + timedelta(minutes=minutes),
            playbook=container.playbook,
        )


def test_updates_reach_room_stakeholders_and_customers(
    container: Container, clock, receiver, mailbox
) -> None:
    rx, url = receiver
    box, smtp_url = mailbox
    use_webhook(container, url)
    data = container.playbook.model_dump(mode="json")
    data["channels"].append({"name": "mail", "type": "email", "url": smtp_url})
    for team in data["oncall"]["teams"]:
        team["channel"] = {"channel": "hook", "to": "#incidents"}
        team["stakeholders"] = [{"channel": "mail", "to": "vp@example.com"}]
        team["customers"] = [{"channel": "hook", "to": "status-page"}]
    container.playbook = Playbook.model_validate(data)
    clock.set(T0)
    incident_id = open_incident(container, T0)
    with container.db.session() as session:
        incidents.assign_role(
            session=session,
            incident_id=incident_id,
            role="incident_commander",
            person="alice",
            actor="alice",
            now=T0,
            playbook=container.playbook,
        )
    post(container, incident_id, 10, status="identified", message="model v2 is bad",
         impact="5% of scoring requests fail")  # fmt: skip
    post(container, incident_id, 40, status="resolved", message="rolled back to v1",
         impact="scoring errors", public=True)  # fmt: skip
    clock.set(T0 + timedelta(minutes=40))
    Worker(container).run_until_idle()

    to_room = [r.body for r in rx.received if r.body["to"] == "#incidents"]
    assert [b["subject"] for b in to_room] == [
        f"[P0] {incident_id} update: identified - {open_title(to_room[0])}",
        f"[P0] {incident_id} update: resolved - {open_title(to_room[0])}",
    ]
    first = to_room[0]["text"]
    assert "Status: identified" in first and "Impact: 5% of scoring requests fail" in first
    assert "Incident Commander: alice" in first and "Duration: 10m" in first
    assert "Next Update: 2026-11-23 12:25 UTC" in first  # P0: every 15 minutes

    mails = sorted(box.mails, key=lambda m: str(m["Subject"]))
    assert [str(m["To"]) for m in mails] == ["vp@example.com"] * 2
    assert "identified" in str(mails[0]["Subject"]) and "resolved" in str(mails[1]["Subject"])

    [notice] = [r.body for r in rx.received if r.body["to"] == "status-page"]
    assert notice["subject"] == "[Resolved] Service Disruption - fraud"
    assert "Duration: 40m" in notice["text"] and "rolled back to v1" in notice["text"]


def open_title(body: dict[str, str]) -> str:
    return body["subject"].split(" - ", 1)[1]


def test_cadence_reminds_the_communications_lead_until_an_update_is_posted(
    container: Container, clock, receiver
) -> None:
    rx, url = receiver
    use_webhook(container, url)
    clock.set(T0)
    incident_id = open_incident(container, T0)  # P0: an update every 15 minutes
    with container.db.session() as session:
        incidents.acknowledge(
            session=session,
            incident_id=incident_id,
            actor="alice",
            now=T0,
            playbook=container.playbook,
        )
        incidents.assign_role(
            session=session,
            incident_id=incident_id,
            role="communications_lead",
            person="carol",
            actor="alice",
            now=T0,
            playbook=container.playbook,
        )
    worker = Worker(container)

    def reminders() -> list[str]:
        return [r.body["to"] for r in rx.received if "status update due" in r.body["subject"]]

    clock.set(T0 + timedelta(minutes=15))
    worker.run_until_idle()
    assert reminders() == ["carol"]
    post(container, incident_id, 16, status="investigating", message="looking")
    clock.set(T0 + timedelta(minutes=30))  # the posted update moved the due time to 12:31
    worker.run_until_idle()
    assert reminders() == ["carol"]
    clock.set(T0 + timedelta(minutes=31))
    worker.run_until_idle()
    assert reminders() == ["carol", "carol"]
