"""The war room's test setting: the default playbook with a ``chat`` section on a local Slack
(alice maps to Slack by her contact, carol by e-mail), an incident opened by an alert, and
readers of the room and the timeline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.support.slack import SIGNING_SECRET, TOKEN, SlackServer
from warroom.alerts.models import AlertCreate
from warroom.bootstrap import Container
from warroom.chat.models import ChatRoom
from warroom.incidents import service as incidents
from warroom.incidents.models import TimelineEvent
from warroom.intake.service import ingest
from warroom.playbook.schema import Playbook

# 2026-11-23 is in an even week of the default rotation: alice is backend primary.
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ALICE, BOB, CAROL = "UALICE001", "UBOB00001", "UCAROL001"
#: The Slack user of each person mapped by a Slack contact.
SLACK_IDS = {"alice": ALICE, "bob": BOB}


def slack_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackServer]:
    """A started local Slack knowing alice, bob, carol and mallory (whom warroom does not know),
    with the bot token and signing secret in the environment."""
    server = SlackServer()
    server.add_user(ALICE, "alice", "alice@example.com")
    server.add_user(BOB, "bob", "bob@example.com")
    server.add_user(CAROL, "carol", "carol@example.com")
    server.add_user("ULONER001", "mallory", "mallory@example.com")
    server.start()
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    yield server
    server.stop()


def chat_playbook(playbook: Playbook, slack: SlackServer, **chat: object) -> Playbook:
    """The default playbook with a chat section on the local Slack: alice and bob map by their
    Slack contact, carol by e-mail (users.lookupByEmail)."""
    data = playbook.model_dump(mode="json", by_alias=True)
    data["channels"] += [
        {"name": "slack", "type": "slack", "url": f"{slack.url}/respond/incoming-webhook"},
        {"name": "mail", "type": "email", "url": "smtp://127.0.0.1:9"},
    ]
    for person in data["oncall"]["people"]:
        if person["name"] in SLACK_IDS:
            person["contacts"] = [{"channel": "slack", "to": SLACK_IDS[person["name"]]}]
        if person["name"] == "carol":
            person["contacts"] = [{"channel": "mail", "to": "carol@example.com"}]
    data["checklists"] = []
    data["chat"] = {"base_url": slack.url + "/api/", "invite": {"team": False}, **chat}
    return Playbook.model_validate(data)


def use_slack(container: Container, slack: SlackServer, **chat: object) -> None:
    container.playbook = chat_playbook(container.playbook, slack, **chat)


def open_incident(container: Container, now: datetime, error_rate: float = 0.2) -> str:
    alert = AlertCreate.model_validate(
        {
            "source": "generic",
            "fingerprint": "fp-fraud",
            "starts_at": now.isoformat(),
            "name": "HighErrorRate",
            "service": "fraud",
            "summary": "fraud model answers 5xx to one request in five",
            "metrics": {"error_rate": error_rate},
        }
    )
    with container.db.session() as session:
        result = ingest(
            session=session, alerts=[alert], playbook=container.playbook, actor="test", now=now
        )
    [incident_id] = result.incidents_opened
    return incident_id


def room_of(container: Container, incident_id: str) -> ChatRoom:
    with container.db.read() as session:
        room = session.get(ChatRoom, incident_id)
        assert room is not None
        session.expunge(room)
        return room


def texts(slack: SlackServer, channel: str) -> list[str]:
    return [m["text"] for m in slack.channels[channel]["messages"]]


def kinds(container: Container, incident_id: str) -> list[TimelineEvent]:
    with container.db.read() as session:
        incident, _ = incidents.get_detail(session=session, incident_id=incident_id)
        return list(incident.timeline)
