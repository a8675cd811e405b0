"""People and teams managed through the API and CLI on top of the playbook: validated,
audited, used for paging at once in this process and within the refresh in others."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.conftest import Clock, LiveServer
from tests.support.receiver import Receiver
from warroom.audit import service as audit
from warroom.bootstrap import bootstrap
from warroom.cli.main import app
from warroom.config import Settings
from warroom.playbook.loader import default_playbook_text
from warroom.worker.loop import Worker

# 2026-11-23 is in an even week of the default rotation: alice is backend primary.
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    rx = Receiver()
    url = rx.start()
    yield rx, url
    rx.stop()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, receiver: tuple[Receiver, str]) -> Settings:
    # A webhook channel beside the log one: the directory's contacts may use either.
    text = default_playbook_text().replace(
        "channels:\n  - {name: log, type: log}",
        "channels:\n  - {name: log, type: log}\n"
        f"  - {{name: hook, type: webhook, url: '{receiver[1]}/page'}}",
    )
    path = tmp_path / "playbook.yaml"
    path.write_text(text)
    return Settings(
        home=tmp_path,
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        playbook=path,
        directory_refresh=0,
    )


def names(api: httpx.Client, plural: str) -> dict[str, str]:
    return {e["name"]: e["source"] for e in api.get(f"/api/v1/oncall/{plural}").json()}


def test_people_and_teams_from_the_api(
    live_server: LiveServer, settings: Settings, receiver: tuple[Receiver, str], clock: Clock
) -> None:
    clock.set(T0)
    admin = live_server.client(live_server.admin_token)
    viewer = live_server.client(live_server.viewer_token)
    assert names(viewer, "people")["alice"] == "playbook"

    # Bad input is refused and changes nothing.
    bad = admin.put("/api/v1/oncall/people/zoe", json={"contacts": [{"channel": "sms"}]})
    assert bad.status_code == 422 and "sms" in bad.json()["detail"]
    assert admin.put("/api/v1/oncall/people/zoe", json={"name": "amy"}).status_code == 422
    denied = live_server.client(live_server.responder_token).put(
        "/api/v1/oncall/people/zoe", json={}
    )
    assert denied.status_code == 403
    assert "zoe" not in names(viewer, "people")

    # Add a person and a team; replace alice's contact (the playbook's entry stays beneath).
    ok = admin.put(
        "/api/v1/oncall/people/zoe", json={"contacts": [{"channel": "log", "to": "zoe"}]}
    )
    assert ok.status_code == 200, ok.text
    team = {"oncall": {"primary": "backend-primary"}, "manager": "zoe"}
    assert admin.put("/api/v1/oncall/teams/payments", json=team).status_code == 200
    moved = {"contacts": [{"channel": "hook", "to": "alice-phone"}]}
    assert admin.put("/api/v1/oncall/people/alice", json=moved).status_code == 200
    assert names(viewer, "people")["alice"] == "directory"
    assert names(viewer, "teams")["payments"] == "directory"

    # Another process sees the directory when it starts and after a change.
    other = bootstrap(settings)
    try:
        assert other.playbook.oncall.person("zoe") is not None
        assert other.playbook.oncall.team("payments") is not None
        # Paging in this process uses alice's new contact at once.
        alert = {"name": "HighErrorRate", "service": "checkout", "metrics": {"error_rate": 0.6}}
        assert admin.post("/api/v1/alerts", json=alert).status_code in (200, 201)
        Worker(live_server.container).run_until_idle()
        assert [r.body["to"] for r in receiver[0].received] == ["alice-phone"]

        # Removing returns alice to the playbook's entry; a playbook-only person stays.
        assert admin.delete("/api/v1/oncall/people/alice").status_code == 204
        assert names(viewer, "people")["alice"] == "playbook"
        assert admin.delete("/api/v1/oncall/people/bob").status_code == 409
        assert admin.delete("/api/v1/oncall/people/nobody").status_code == 404
        # zoe manages payments: removing her would leave the team pointing at nobody.
        assert admin.delete("/api/v1/oncall/people/zoe").status_code == 409
        other.refresh_directory()
        alice = other.playbook.oncall.person("alice")
        assert alice is not None and alice.contacts[0].channel == "log"
    finally:
        other.close()

    with live_server.container.db.read() as session:
        actions = [e.action for e in audit.list_events(session=session, limit=100)]
    assert {"directory.person.add", "directory.team.add", "directory.person.replace"} <= set(
        actions
    )
    assert "directory.person.remove" in actions


def test_people_from_the_cli(live_server: LiveServer) -> None:
    runner = CliRunner()
    auth = ["--url", live_server.url, "--token", live_server.admin_token]
    saved = runner.invoke(
        app,
        ["oncall", "person", "set", "yuri", "--contact", "log:yuri", "--full-name", "Yuri"] + auth,
    )
    assert saved.exit_code == 0, saved.output
    listed = runner.invoke(app, ["oncall", "person", "list", "--json", *auth])
    people = {p["name"]: p for p in json.loads(listed.output)}
    assert people["yuri"]["source"] == "directory"
    assert people["yuri"]["spec"]["contacts"] == [{"channel": "log", "to": "yuri"}]
    refused = runner.invoke(app, ["oncall", "person", "remove", "bob", *auth])
    assert refused.exit_code != 0 and "409" in refused.output and "playbook" in refused.output
    assert runner.invoke(app, ["oncall", "person", "remove", "yuri", *auth]).exit_code == 0
