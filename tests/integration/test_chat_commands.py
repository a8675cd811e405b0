"""``/warroom`` in an incident's room, signed as Slack signs it, acting as the mapped person:
``assign`` (the role really changes hands and the person is invited), ``update``, ``page``,
``rollback dry-run`` and ``rollback``; readiness's chat checks against the local Slack; the
console's link to the room."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from tests.conftest import LiveServer
from tests.support.chat import ALICE, BOB, CAROL, T0, kinds, open_incident, room_of, use_slack
from tests.support.console import console
from tests.support.slack import BOT, SlackServer, command
from warroom.audit.models import AuditEvent
from warroom.bootstrap import Container
from warroom.chatops import view
from warroom.deploy.models import Rollback
from warroom.readiness import service as readiness
from warroom.updates.models import IncidentUpdate
from warroom.worker.loop import Worker

ALICE_ACTOR = f"slack:{ALICE} (alice)"


def in_room(server: LiveServer, slack: SlackServer, channel: str, text: str) -> str:
    """Run ``/warroom <text>`` as alice in the room; the ephemeral answer."""
    answer = command(server.url, slack, user=ALICE, text=text, channel=channel)
    assert answer.status_code == 200 and answer.json()["response_type"] == "ephemeral"
    return str(answer.json()["text"])


def opened_room(server: LiveServer, slack: SlackServer, clock) -> tuple[str, str]:
    use_slack(server.container, slack)
    clock.set(T0)
    incident_id = open_incident(server.container, T0)
    Worker(server.container).run_until_idle()
    channel = room_of(server.container, incident_id).channel_id
    assert channel
    return incident_id, channel


def test_assign_hands_the_role_over_and_invites(live_server: LiveServer, clock, slack) -> None:
    container = live_server.container
    incident_id, channel = opened_room(live_server, slack, clock)
    assert CAROL not in slack.channels[channel]["members"]

    said = in_room(live_server, slack, channel, f"assign technical_lead <@{CAROL}|carol>")
    assert said == f"carol is technical_lead of {incident_id}."  # carol is found by e-mail
    with container.db.read() as session:
        assert view.roles(session, incident_id)["technical_lead"] == "carol"
    Worker(container).run_until_idle()
    assert CAROL in slack.channels[channel]["members"]  # invited as she was assigned
    said = in_room(live_server, slack, channel, "assign technical_lead @bob")
    assert said == f"bob is technical_lead of {incident_id}."
    refused = in_room(live_server, slack, channel, "assign technical_lead <@UNOBODY01>")
    assert refused.startswith("Could not do that:") and "not a person" in refused
    with container.db.read() as session:
        holders = view.roles(session, incident_id)
    assert holders["technical_lead"] == "bob"
    Worker(container).run_until_idle()
    members = slack.channels[channel]["members"]
    assert CAROL in members and BOB in members
    roles = [
        (e.data.get("person"), e.actor) for e in kinds(container, incident_id) if e.kind == "role"
    ]
    assert ("carol", ALICE_ACTOR) in roles and ("bob", ALICE_ACTOR) in roles
    assert "Technical lead: bob" in slack.channels[channel]["messages"][0]["text"]


def test_update_and_page_from_the_room(live_server: LiveServer, clock, slack) -> None:
    container = live_server.container
    incident_id, channel = opened_room(live_server, slack, clock)

    said = in_room(live_server, slack, channel, "update Rolled the model back, watching public")
    assert said == f"Update posted (public) for {incident_id}."
    said = in_room(live_server, slack, channel, "update internal note only")
    assert said == f"Update posted for {incident_id}."
    with container.db.read() as session:
        posted = [
            (u.message, u.public, u.posted_by)
            for u in session.scalars(select(IncidentUpdate).order_by(IncidentUpdate.id))
        ]
    assert posted == [
        ("Rolled the model back, watching", True, ALICE_ACTOR),
        ("internal note only", False, ALICE_ACTOR),
    ]

    assert in_room(live_server, slack, channel, "page bob") == f"Paging bob for {incident_id}."
    unknown = in_room(live_server, slack, channel, "page nobody-at-all")
    assert "neither a person nor a team" in unknown
    Worker(container).run_until_idle()
    paged = [e.data["person"] for e in kinds(container, incident_id) if e.kind == "page"]
    assert paged == ["alice", "bob"]
    [page] = slack.channels["D" + BOB[1:]]["messages"]  # a page with buttons, as any page
    assert page["text"].startswith(f"*[P1] {incident_id}")
    assert any(b["type"] == "actions" for b in page["blocks"])
    with container.db.read() as session:
        actors = set(
            session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "incident.page"))
        )
    assert ALICE_ACTOR in actors
    mirrored = [m["text"] for m in slack.channels[channel]["messages"]]
    assert any("*update* by " + ALICE_ACTOR in t for t in mirrored)


def register_fraud(server: LiveServer) -> None:
    """``fraud``: v1 stable, v2 serving (no traffic is needed to plan or start)."""
    api = server.client(server.responder_token)
    assert api.post("/api/v1/services", json={"name": "fraud"}).status_code == 201
    for version in ("v1", "v2"):
        spec = {"version": version, "artifact": "tests.support.models:slow", "weight": 100}
        assert api.post("/api/v1/services/fraud/versions", json=spec).status_code == 201
    assert api.post("/api/v1/services/fraud/versions/v1/stable").status_code == 200


def test_rollback_dry_run_then_for_real(live_server: LiveServer, clock, slack) -> None:
    container = live_server.container
    register_fraud(live_server)
    incident_id, channel = opened_room(live_server, slack, clock)

    plan = in_room(live_server, slack, channel, "rollback dry-run")
    assert plan.startswith("Dry run: fraud v2 → v1\n• ")
    with container.db.read() as session:
        assert session.scalars(select(Rollback)).first() is None  # a dry run changes nothing

    started = in_room(live_server, slack, channel, "rollback")
    assert started.startswith("Rollback ") and started.endswith(" of fraud to v1 started.")
    with container.db.read() as session:
        [row] = session.scalars(select(Rollback))
        assert (row.actor, row.trigger, row.incident_id) == (ALICE_ACTOR, "manual", incident_id)
    again = in_room(live_server, slack, channel, "rollback")
    assert again.startswith("Could not do that:") and "already in flight" in again


def test_readiness_checks_the_token_and_the_signing_secret(
    container: Container, slack: SlackServer, monkeypatch
) -> None:
    use_slack(container, slack)

    def chat_checks() -> dict[str, tuple[bool, str]]:
        found = readiness.gather(env=container, now=T0, send_test=False, actor="test")
        return {c.name: (c.ok, c.detail) for c in found if c.name.startswith("chat:")}

    checks = chat_checks()
    assert checks["chat:token"] == (True, f"slack accepts the bot token (bot user {BOT})")
    assert checks["chat:signing_secret"][0] is True
    assert slack.count("auth.test") == 1

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked-9999-do-not-show")
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    checks = chat_checks()
    assert checks["chat:token"] == (False, "slack auth.test: invalid_auth")
    ok, detail = checks["chat:signing_secret"]
    assert not ok and "SLACK_SIGNING_SECRET is not set" in detail
    assert "do-not-show" not in repr(checks)


def test_console_incident_page_links_the_room(live_server: LiveServer, clock, slack) -> None:
    incident_id, channel = opened_room(live_server, slack, clock)
    name = slack.channels[channel]["name"]
    with console(live_server.url, live_server.viewer_token) as browser:
        page = browser.get(f"/incidents/{incident_id}")
    assert page.status_code == 200
    link = f'<a href="https://slack.com/app_redirect?channel={channel}" class="chat-room">'
    assert f"{link}#{name}</a> (open)" in page.text
    clock.set(T0 + timedelta(minutes=1))
    detail = httpx.get(
        f"{live_server.url}/api/v1/incidents/{incident_id}",
        headers={"Authorization": f"Bearer {live_server.viewer_token}"},
        timeout=30,
    ).json()
    assert detail["chat_room"]["name"] == name
