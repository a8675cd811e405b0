"""Release approval gates in chat, against the local Slack: a release waiting for a person is
posted with Approve / Abort to the release channel and as a direct message to each approver;
a signed click approves or aborts the release as that person, and the prompts then show the
outcome instead of the buttons."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.integration.test_releases import fraud, release, settings, wait_for  # noqa: F401
from tests.support.chat import ALICE, SLACK_IDS, use_slack
from tests.support.models import train
from tests.support.slack import SlackServer, click
from warroom.audit import service as audit
from warroom.bootstrap import Container
from warroom.worker.loop import Worker

pytest.importorskip("sklearn")
ALICE_ACTOR = f"slack:{ALICE} (alice)"


def gate_prompts(slack: SlackServer, channel: str, release_id: int) -> list[dict[str, Any]]:
    messages = slack.channels.get(channel, {}).get("messages", [])
    return [m for m in messages if f"Release {release_id} waiting for approval" in m["text"]]


def wait_prompt(container: Container, slack: SlackServer, channel: str, release_id: int) -> Any:
    """Run the worker until the gate's prompt is in ``channel``."""
    worker = Worker(container)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        worker.run_until_idle()
        found = gate_prompts(slack, channel, release_id)
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"release {release_id}'s prompt never reached {channel}")


def button(prompt: dict[str, Any], action_id: str) -> str:
    [actions] = [b for b in prompt["blocks"] if b["type"] == "actions"]
    return str(next(e["value"] for e in actions["elements"] if e["action_id"] == action_id))


def decided(container: Container, slack: SlackServer, channel: str, release_id: int) -> Any:
    """Run the worker until the gate's prompt in ``channel`` lost its buttons."""
    worker = Worker(container)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        worker.run_until_idle()
        [prompt] = gate_prompts(slack, channel, release_id)
        if not any(b["type"] == "actions" for b in prompt["blocks"]):
            return prompt
        time.sleep(0.05)
    raise AssertionError(f"release {release_id}'s prompt kept its buttons")


def test_release_gate_buttons_approve_and_abort(
    live_server: LiveServer,
    fraud: httpx.Client,  # noqa: F811
    tmp_path: Path,
    slack: SlackServer,
) -> None:
    container = live_server.container
    channel = slack.m_conversations_create({"name": "model-releases"})["channel"]["id"]
    use_slack(container, slack, release_channel=channel, release_approvers=["bob"])
    good = str(train(tmp_path / "v2.joblib", seed=1))

    # A click on Abort ends the release as alice.
    first = release(fraud, version="v2", artifact=good, approve_before=[25], interval="10m")
    wait_for(fraud, first["id"], lambda r: r["state"] == "awaiting_approval")
    prompt = wait_prompt(container, slack, channel, first["id"])
    assert "fraud v2 (stable v1) goes to 25% of traffic" in prompt["text"]
    bob_dm = "D" + SLACK_IDS["bob"][1:]
    assert gate_prompts(slack, bob_dm, first["id"])  # the approver has it as a direct message
    value = button(prompt, "warroom_release_abort")
    answer = click(
        live_server.url, slack, user=ALICE, action_id="warroom_release_abort", value=value
    )
    assert answer.status_code == 200
    aborted = wait_for(fraud, first["id"], lambda r: r["state"] == "aborted")
    assert "aborted by " + ALICE_ACTOR in aborted["reason"]
    shown = decided(container, slack, channel, first["id"])
    assert f"Aborted by {ALICE_ACTOR}" in shown["text"]
    assert f"Aborted by {ALICE_ACTOR}" in decided(container, slack, bob_dm, first["id"])["text"]
    # A late click on the finished release changes nothing.
    late = click(
        live_server.url, slack, user=ALICE, action_id="warroom_release_approve", value=value
    )
    assert late.status_code == 200
    assert fraud.get(f"/api/v1/releases/{first['id']}").json()["approved"] == []

    # A click on Approve moves the next release on, as alice.
    good3 = str(train(tmp_path / "v3.joblib", seed=2))
    second = release(fraud, version="v3", artifact=good3, approve_before=[25], interval="10m")
    wait_for(fraud, second["id"], lambda r: r["state"] == "awaiting_approval")
    prompt = wait_prompt(container, slack, channel, second["id"])
    value = button(prompt, "warroom_release_approve")
    forged = click(
        live_server.url,
        slack,
        user=ALICE,
        action_id="warroom_release_approve",
        value=value,
        secret="not-the-secret",
    )
    assert forged.status_code in (401, 403)
    answer = click(
        live_server.url, slack, user=ALICE, action_id="warroom_release_approve", value=value
    )
    assert answer.status_code == 200
    moved = wait_for(fraud, second["id"], lambda r: r["state"] == "canary")
    assert moved["approved"] == [0]
    assert f"Approved by {ALICE_ACTOR}" in decided(container, slack, channel, second["id"])["text"]
    with container.db.read() as session:
        approvals = audit.list_events(session=session, action="release.approve")
        aborts = audit.list_events(session=session, action="release.abort")
    assert [e.actor for e in approvals] == [ALICE_ACTOR]
    assert [e.actor for e in aborts] == [ALICE_ACTOR]
