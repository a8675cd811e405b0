"""Rollback approval in chat, end to end: a real scikit-learn model behind the gateway, the
auto-rollback mode ``approval``, the plan posted to the room and to the paged person, a
signed Approve click from alice, and the rollback verified and succeeded as alice."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import LiveServer
from tests.integration.test_rollback import Traffic, fast_playbook, wait_final
from tests.support.chat import ALICE, SLACK_IDS, kinds, room_of, texts, use_slack
from tests.support.models import train
from tests.support.slack import SlackServer, click
from warroom.audit.models import AuditEvent
from warroom.bootstrap import Container
from warroom.chat.models import ChatRoom
from warroom.config import Settings
from warroom.playbook.schema import Playbook
from warroom.worker.loop import Worker

pytest.importorskip("sklearn")
ALICE_ACTOR = f"slack:{ALICE} (alice)"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        home=tmp_path,
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        playbook=fast_playbook(tmp_path),
        gateway_snapshot_interval=0.2,
        rollback_scan_interval=0.2,
        rollback_poll_interval=0.05,
    )


def approval_mode(playbook: Playbook) -> Playbook:
    data = playbook.model_dump(mode="json", by_alias=True)
    data["rollback"]["auto"]["by_severity"] = {"P0": "approval", "P1": "approval"}
    return Playbook.model_validate(data)


def fraud_service(api: httpx.Client, tmp_path: Path) -> None:
    """``fraud``: v1 a real stable model, v2 a broken version taking all traffic."""
    model = train(tmp_path / "v1.joblib")
    assert api.post("/api/v1/services", json={"name": "fraud"}).status_code == 201
    v1 = {"version": "v1", "artifact": str(model)}
    assert api.post("/api/v1/services/fraud/versions", json=v1).status_code == 201
    assert api.post("/api/v1/services/fraud/versions/v1/stable").status_code == 200
    v2 = {"version": "v2", "artifact": "tests.support.models:broken", "weight": 100}
    assert api.post("/api/v1/services/fraud/versions", json=v2).status_code == 201


def prompt_in(slack: SlackServer, channel: str | None) -> dict[str, Any] | None:
    if channel is None or channel not in slack.channels:
        return None
    found = [m for m in slack.channels[channel]["messages"] if "waiting for approval" in m["text"]]
    return found[0] if found else None


def wait_for_prompt(container: Container, slack: SlackServer, incident_id: str) -> dict[str, Any]:
    """Run the worker until the room holds the prompt (its job retries until the room is
    open, whichever of the two ran first)."""
    worker = Worker(container)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        worker.run_until_idle()
        with container.db.read() as session:
            room = session.get(ChatRoom, incident_id)
            channel = room.channel_id if room else None
        found = prompt_in(slack, channel)
        if found is not None:
            return found
        time.sleep(0.05)
    raise AssertionError("the approval prompt never reached the room")


def test_approve_click_starts_a_rollback_that_succeeds(
    live_server: LiveServer, slack: SlackServer, tmp_path: Path
) -> None:
    container = live_server.container
    use_slack(container, slack)
    container.playbook = approval_mode(container.playbook)
    api = live_server.client(live_server.responder_token)
    fraud_service(api, tmp_path)

    with Traffic(live_server.url, "fraud") as traffic:
        alert = {"name": "HighErrorRate", "service": "fraud", "metrics": {"error_rate": 0.97}}
        (incident_id,) = api.post("/api/v1/alerts", json=alert).json()["incidents_opened"]
        assert api.get("/api/v1/rollbacks").json() == []  # nothing starts without a person
        prompt = wait_for_prompt(container, slack, incident_id)
        assert "Roll back fraud from v2 to v1" in prompt["text"]
        assert "error_rate 0.97" in prompt["text"]
        # Whoever is on call this week was paged (and mapped to Slack): the prompt is theirs too.
        paged = [e.data["person"] for e in kinds(container, incident_id) if e.kind == "page"]
        dm = slack.channels["D" + SLACK_IDS[paged[0]][1:]]["messages"]
        assert any(m["text"] == prompt["text"] for m in dm)
        [buttons] = [b for b in prompt["blocks"] if b["type"] == "actions"]
        approve = next(e for e in buttons["elements"] if e["action_id"] == "warroom_approve")

        room = room_of(container, incident_id)
        answer = click(
            live_server.url,
            slack,
            user=ALICE,
            action_id="warroom_approve",
            value=approve["value"],
            channel=room.channel_id or "",
        )
        assert answer.status_code == 200
        (started,) = api.get("/api/v1/rollbacks").json()
        rb = wait_final(api, started["id"], timeout=120)
        seen_by_traffic = len(traffic.answers)

    assert (rb["state"], rb["trigger"], rb["incident_id"]) == ("succeeded", "auto", incident_id)
    assert rb["actor"] == ALICE_ACTOR and (rb["from_version"], rb["to_version"]) == ("v2", "v1")
    assert rb["verification"]["requests"] >= 10 and seen_by_traffic > 0
    assert api.get("/api/v1/services/fraud").json()["weights"] == {"v1": 100.0}

    timeline = kinds(container, incident_id)
    decisions = [(e.data.get("decision"), e.actor) for e in timeline if e.kind == "auto_rollback"]
    assert decisions[0][0] == "await_approval" and ("approved", ALICE_ACTOR) in decisions
    outcome = [e for e in timeline if e.kind == "rollback" and e.data.get("state") == "succeeded"]
    assert outcome and outcome[0].data["to_version"] == "v1"
    with container.db.read() as session:
        actions = dict(
            session.execute(
                select(AuditEvent.action, AuditEvent.actor).where(AuditEvent.target == incident_id)
            ).all()
        )
    assert actions["rollback.approval_approved"] == ALICE_ACTOR

    Worker(container).run_until_idle()  # the decision replaces the buttons; outcome mirrored
    assert prompt["text"].endswith(f"*Approved by {ALICE_ACTOR}*")
    assert not [b for b in prompt["blocks"] if b["type"] == "actions"]
    mirrored = texts(slack, room.channel_id or "")
    assert any("*rollback*" in t and "v2 → v1 verified" in t for t in mirrored)
    assert any("started" in r.get("text", "") for r in slack.responses)
