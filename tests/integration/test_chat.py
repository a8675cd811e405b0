"""The war room in Slack, against a local Slack Web API server, on SQLite and PostgreSQL: a
P1 gets a room (invites, pinned opening message, mirrored timeline, archive after close);
buttons and /warroom act as the mapped person; forged, stale and unknown requests change
nothing; rate limiting delays but loses nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from tests.support.chat import ALICE, CAROL, T0, kinds, open_incident, room_of, texts, use_slack
from tests.support.slack import BOT, SlackServer, click, command
from warroom.audit.models import AuditEvent
from warroom.bootstrap import Container
from warroom.chat.models import ChatMessage
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident, TimelineEvent
from warroom.jobs.models import Job
from warroom.worker.loop import Worker


def test_p1_room_invites_pins_mirrors_and_archives(container: Container, clock, slack) -> None:
    use_slack(container, slack)
    clock.set(T0)
    incident_id = open_incident(container, T0)
    worker = Worker(container)
    worker.run_until_idle()

    room = room_of(container, incident_id)
    channel = slack.channels[room.channel_id]
    assert channel["name"].startswith("incident-2026-11-23-1200-")
    assert len(channel["name"]) <= 80 and channel["name"] == channel["name"].lower()
    assert ALICE in channel["members"]  # paged, mapped by her Slack contact
    opening = channel["messages"][0]
    assert channel["pins"] == [opening["ts"]]
    assert opening["text"].startswith(f"*[P1] {incident_id}: ")
    for line in (
        "Service: fraud",
        "fraud model answers 5xx",
        "Incident commander: unassigned",
        "Technical lead: unassigned",
        "Communications lead: unassigned",
        "|Console>",
    ):
        assert line in opening["text"]
    actions = [b for b in opening["blocks"] if b["type"] == "actions"][0]["elements"]
    assert [a["action_id"] for a in actions] == [
        "warroom_ack",
        "warroom_escalate",
        "warroom_resolve",
    ]
    assert channel["topic"]["value"] == "P1 · triggered · IC: unassigned"
    assert any("*page* by warroom:response: Paged alice" in t for t in texts(slack, channel["id"]))

    with container.db.session() as session:
        incidents.assign_role(
            session=session,
            incident_id=incident_id,
            role="technical_lead",
            person="carol",
            actor="test",
            now=T0,
            playbook=container.playbook,
        )
        incidents.assign_role(
            session=session,
            incident_id=incident_id,
            role="incident_commander",
            person="alice",
            actor="test",
            now=T0,
            playbook=container.playbook,
        )
    worker.run_until_idle()
    assert CAROL in channel["members"]  # invited as assigned, found by e-mail
    assert slack.count("users.lookupByEmail") == 1
    assert channel["topic"]["value"] == "P1 · triggered · IC: alice"
    assert "Technical lead: carol" in channel["messages"][0]["text"]  # opening kept current

    for status in ("resolved", "closed"):
        with container.db.session() as session:
            incidents.change_status(
                session=session,
                incident_id=incident_id,
                status=status,
                actor="test",
                now=T0,
                playbook=container.playbook,
            )
    worker.run_until_idle()
    assert any("Status resolved → closed" in t for t in texts(slack, channel["id"]))
    assert not channel["is_archived"]  # 24 h after closing, by default
    clock.set(T0 + timedelta(hours=24, minutes=1))
    worker.run_until_idle()
    assert channel["is_archived"]
    assert room_of(container, incident_id).state == "archived"
    assert any("War room archived" in e.message for e in kinds(container, incident_id))

    keys = [m["metadata"]["event_payload"]["key"] for m in channel["messages"]]
    posts = [c for c in slack.calls if c.method == "chat.postMessage"]
    into_room = [c for c in posts if c.params["channel"] == channel["id"]]
    assert len(keys) == len(set(keys)) == len(into_room)  # none twice
    assert {c.params["channel"] for c in posts} == {channel["id"], "D" + ALICE[1:]}  # + her page
    assert slack.count("conversations.create") == 1


def test_ack_button_stops_escalation(live_server, clock, slack) -> None:
    container = live_server.container
    use_slack(container, slack)
    clock.set(T0)
    incident_id = open_incident(container, T0)
    worker = Worker(container)
    worker.run_until_idle()
    room = room_of(container, incident_id)

    response = click(
        live_server.url,
        slack,
        user=ALICE,
        action_id="warroom_ack",
        value=incident_id,
        channel=room.channel_id or "",
    )
    assert response.status_code == 200
    with container.db.read() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None and incident.status == "acknowledged"
        actors = set(
            session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "incident.status"))
        )
    assert f"slack:{ALICE} (alice)" in actors
    ack = [e for e in kinds(container, incident_id) if e.kind == "status"][-1]
    assert ack.actor == f"slack:{ALICE} (alice)"

    clock.set(T0 + timedelta(minutes=20))  # bob would be paged at 15 minutes
    worker.run_until_idle()
    paged = [e.data["person"] for e in kinds(container, incident_id) if e.kind == "page"]
    assert paged == ["alice"]
    assert any("You acknowledged" in r.get("text", "") for r in slack.responses)
    detail = live_server.client(live_server.viewer_token).get(f"/api/v1/incidents/{incident_id}")
    assert detail.json()["chat_room"]["link"] == (
        f"https://slack.com/app_redirect?channel={room.channel_id}"
    )


def test_slash_commands_declare_and_act(live_server, clock, slack) -> None:
    container = live_server.container
    use_slack(container, slack)
    clock.set(T0)
    answer = command(
        live_server.url,
        slack,
        user=ALICE,
        text="declare Checkout model returns garbage P1 checkout",
    )
    assert answer.status_code == 200 and answer.json()["response_type"] == "ephemeral"
    assert answer.json()["text"].startswith("Declared INC-")
    incident_id = answer.json()["text"].split()[1].rstrip(";")
    with container.db.read() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        assert (incident.severity, incident.service) == ("P1", "checkout")
        assert incident.title.startswith("Checkout model returns garbage")
    Worker(container).run_until_idle()
    room = room_of(container, incident_id)
    assert room.state == "open"

    help_text = command(live_server.url, slack, user=ALICE, text="help").json()["text"]
    assert "declare <title>" in help_text
    outside = command(live_server.url, slack, user=ALICE, text="ack", channel="CNOTAROOM")
    assert "run this in an incident's room" in outside.json()["text"]
    inside = command(live_server.url, slack, user=ALICE, text="ack", channel=room.channel_id or "")
    assert inside.json()["text"] == f"You acknowledged {incident_id}."
    moved = command(
        live_server.url,
        slack,
        user=ALICE,
        channel=room.channel_id or "",
        text=f"assign technical_lead <@{CAROL}|carol>",
    )
    assert moved.json()["text"] == f"carol is technical_lead of {incident_id}."  # by e-mail
    status = command(
        live_server.url,
        slack,
        user=ALICE,
        channel=room.channel_id or "",
        text="status investigating looking at the last deploy",
    )
    assert status.json()["text"] == f"{incident_id} is now investigating."
    with container.db.read() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None and incident.status == "investigating"


def rooms(slack: SlackServer) -> list[dict[str, Any]]:
    """The channels, without the bot's direct messages (pages go there)."""
    return [c for c in slack.channels.values() if not c.get("is_im")]


def _snapshot(container: Container) -> tuple[int, int, int]:
    with container.db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
            session.scalar(select(func.count()).select_from(TimelineEvent)) or 0,
            session.scalar(select(func.count()).select_from(Job)) or 0,
        )


def test_forged_stale_and_unknown_requests_change_nothing(live_server, clock, slack) -> None:
    container = live_server.container
    use_slack(container, slack)
    clock.set(T0)
    incident_id = open_incident(container, T0)
    before = _snapshot(container)
    forged = click(
        live_server.url,
        slack,
        user=ALICE,
        action_id="warroom_ack",
        value=incident_id,
        secret="not-the-signing-secret",
    )
    import time

    stale = click(
        live_server.url,
        slack,
        user=ALICE,
        action_id="warroom_ack",
        value=incident_id,
        at=time.time() - 6 * 60,
    )
    declare = command(
        live_server.url, slack, user=ALICE, text="declare x P0", secret="not-the-signing-secret"
    )
    unknown = command(live_server.url, slack, user="ULONER001", text="declare Outage P0")
    assert (forged.status_code, stale.status_code, declare.status_code) == (401, 401, 401)
    assert "5 minutes" in stale.json()["detail"]
    assert unknown.status_code == 200 and "does not know you" in unknown.json()["text"]
    assert _snapshot(container) == before
    with container.db.read() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None and incident.status == "triggered"
        assert session.scalar(select(func.count()).select_from(Incident)) == 1


def test_rate_limited_calls_wait_and_nothing_is_lost(container: Container, clock, slack) -> None:
    use_slack(container, slack)
    slack.rate_limit("chat.postMessage", times=2, retry_after=30)
    clock.set(T0)
    incident_id = open_incident(container, T0)
    worker = Worker(container)
    worker.run_until_idle()
    room = room_of(container, incident_id)
    assert room.channel_id and room.opening_ts is None  # the post was refused with 429
    with container.db.read() as session:
        job = session.scalars(select(Job).where(Job.kind == "chat.open")).one()
        assert job.status == "pending" and job.attempts == 0
        assert job.due_at == T0 + timedelta(seconds=30)  # exactly as long as Slack asked
    for step in range(1, 4):
        clock.set(T0 + timedelta(seconds=31 * step))
        worker.run_until_idle()
    channel = slack.channels[room.channel_id]
    assert channel["pins"] == [channel["messages"][0]["ts"]]
    assert slack.count("429:chat.postMessage") == 2
    with container.db.read() as session:
        rows = list(session.scalars(select(ChatMessage)))
        assert all(r.ts for r in rows)
        assert (
            session.scalar(select(func.count()).select_from(Job).where(Job.status == "dead")) == 0
        )
    keys = [m["metadata"]["event_payload"]["key"] for m in channel["messages"]]
    assert len(keys) == len(set(keys)) == len([r for r in rows if r.channel_id == channel["id"]])
    assert any(k.endswith(":opening") for k in keys) and any(":event:" in k for k in keys)
    assert BOT in channel["members"]
    [page] = slack.channels["D" + ALICE[1:]]["messages"]  # alice's page, delayed, sent once
    assert page["metadata"]["event_payload"]["key"] == "page:1"


def test_worker_killed_after_room_created_opens_no_second_room(
    container: Container, clock, slack, tmp_path
) -> None:
    """A real ``warroom worker`` is killed (SIGKILL) while Slack creates the room, before it
    could store the channel id; the next worker adopts that room instead of making another."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from warroom.playbook.loader import dump_playbook

    use_slack(container, slack)
    playbook = tmp_path / "playbook.yaml"
    playbook.write_text(dump_playbook(container.playbook))
    env = {
        **os.environ,
        "WARROOM_DATABASE_URL": container.settings.resolved_database_url,
        "WARROOM_PLAYBOOK": str(playbook),
        "WARROOM_HOME": str(tmp_path),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "warroom", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def kill_on_create(call: object) -> None:
        if getattr(call, "method", "") == "conversations.create":
            os.kill(worker.pid, signal.SIGKILL)

    slack.after = kill_on_create
    now = datetime.now(UTC)
    incident_id = open_incident(container, now)
    try:
        worker.wait(timeout=120)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL
    slack.after = None
    assert len(rooms(slack)) == 1
    assert room_of(container, incident_id).channel_id is None  # created, never stored

    clock.set(datetime.now(UTC) + timedelta(seconds=container.settings.job_lease + 5))
    deadline = time.monotonic() + 60
    while room_of(container, incident_id).opening_ts is None and time.monotonic() < deadline:
        Worker(container).run_until_idle()
    room = room_of(container, incident_id)
    [channel] = rooms(slack)
    assert room.channel_id == channel["id"] and room.name == channel["name"]  # no "-2" room
    assert channel["pins"] == [channel["messages"][0]["ts"]]
    assert slack.count("conversations.create") == 2  # the retry met name_taken and adopted it


def test_approval_prompt_decline_and_expiry(live_server, clock, slack) -> None:
    """The rollback plan goes to the room and to the paged person with Approve / Decline; a
    Decline click decides as the person; an unanswered prompt expires on the timeline."""
    from warroom.chat import service as chat

    container = live_server.container
    use_slack(container, slack, approval_expires="10m")
    clock.set(T0)
    incident_id = open_incident(container, T0)
    worker = Worker(container)
    worker.run_until_idle()
    ids = []
    for to_version in ("v1", "v0"):
        with container.db.session() as session:
            row = chat.request_approval(
                session=session,
                incident_id=incident_id,
                service="fraud",
                from_version="v2",
                to_version=to_version,
                reason="error_rate 0.6 > 0.5",
                figures={"error_rate": 0.6},
                policy=container.playbook.chat,
                now=clock(),
            )
            assert row is not None
            ids.append(row.id)
        worker.run_until_idle()
        if to_version == "v1":
            room = room_of(container, incident_id)
            prompt = [
                m
                for m in slack.channels[room.channel_id]["messages"]
                if "waiting for approval" in m["text"]
            ]
            assert len(prompt) == 1 and "from v2 to v1" in prompt[0]["text"]
            dm = slack.channels["D" + ALICE[1:]]["messages"]  # alice was paged
            asked = [m for m in dm if "waiting for approval" in m["text"]]
            assert len(asked) == 1 and asked[0]["text"] == prompt[0]["text"]
            answer = click(
                live_server.url,
                slack,
                user=ALICE,
                action_id="warroom_decline",
                value=str(row.id),
                channel=room.channel_id or "",
            )
            assert answer.status_code == 200
            worker.run_until_idle()
            assert prompt[0]["text"].endswith(f"*Declined by slack:{ALICE} (alice)*")
    clock.set(T0 + timedelta(minutes=11))
    worker.run_until_idle()
    decisions = [
        (e.data.get("decision"), e.actor)
        for e in kinds(container, incident_id)
        if e.kind == "auto_rollback"
    ]
    assert decisions == [("declined", f"slack:{ALICE} (alice)"), ("expired", "warroom:chat")]
    late = click(live_server.url, slack, user=ALICE, action_id="warroom_approve", value=str(ids[1]))
    assert late.status_code == 200
    worker.run_until_idle()
    assert "expired" in slack.responses[-1]["text"]
