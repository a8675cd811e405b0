"""Runbooks and diagnostics through the real HTTP API and CLI, on SQLite and PostgreSQL: the
right runbook for each the AI photo detector playbook alert, running declared steps only, the
postmortem's
investigation section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tests.conftest import LiveServer
from warroom.cli.main import app
from warroom.config import Settings
from warroom.playbook.loader import default_playbook_text

SEED_002 = {
    "HighErrorRate": "high-error-rate",
    "HighLatency": "high-latency",
    "ServiceDown": "service-down",
    "DriftDetected": "drift-detected",
    "HighMemoryUsage": "high-memory-usage",
}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The default playbook plus one admin-declared shell step."""
    data = yaml.safe_load(default_playbook_text())
    data["runbooks"]["diagnostics"].append(
        {"name": "whoami", "kind": "shell", "command": "echo checked $incident_id"}
    )
    data["detection"] = {"enabled": False}
    path = tmp_path / "playbook.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return Settings(
        home=tmp_path, database_url=database_url, sqlite_synchronous="NORMAL", playbook=path
    )


def run(server: LiveServer, *args: str):
    """The `warroom` command in this process (a subprocess would import everything again)."""
    env = {"WARROOM_URL": server.url, "WARROOM_TOKEN": server.responder_token, "COLUMNS": "200"}
    return CliRunner().invoke(app, list(args), env=env)


def _open(api, name: str) -> str:
    sent = api.post("/api/v1/alerts", json={"name": name, "service": f"svc-{name.lower()}"})
    assert sent.status_code == 200, sent.text
    [incident_id] = sent.json()["incidents_opened"]
    return incident_id


def test_each_seed_002_alert_links_its_runbook(live_server: LiveServer) -> None:
    api = live_server.client(live_server.responder_token)
    viewer = live_server.client(live_server.viewer_token)
    for alertname, expected in [*SEED_002.items(), ("SomethingElse", "generic")]:
        incident_id = _open(api, alertname)
        linked = viewer.get(f"/api/v1/incidents/{incident_id}/runbook")
        assert linked.status_code == 200, linked.text
        runbook = linked.json()["runbook"]
        assert runbook["name"] == expected, alertname
        assert (
            runbook["url"]
            == f"{live_server.container.settings.base_url}/api/v1/runbooks/{expected}"
        )
        page = viewer.get(f"/api/v1/runbooks/{expected}").json()
        assert page["markdown"].startswith(f"# {runbook['title']}")
        steps = {s["name"] for s in linked.json()["available_steps"]}
        assert {s["name"] for s in runbook["steps"]} | {"whoami"} <= steps
    listed = viewer.get("/api/v1/runbooks").json()
    assert sorted(r["name"] for r in listed) == sorted([*SEED_002.values(), "generic"])
    assert viewer.get("/api/v1/runbooks/nope").status_code == 404


def test_only_declared_steps_run_through_the_api(live_server: LiveServer) -> None:
    api = live_server.client(live_server.responder_token)
    viewer = live_server.client(live_server.viewer_token)
    incident_id = _open(api, "HighErrorRate")
    path = f"/api/v1/incidents/{incident_id}/diagnostics"
    for body in (
        {"steps": [{"name": "pwn", "kind": "shell", "command": "touch /tmp/pwned"}]},
        {"name": "pwn", "kind": "shell", "command": "touch /tmp/pwned"},
        {"steps": ["whoami"], "kind": "shell", "command": "id"},
    ):
        refused = api.post(path, json=body)
        assert refused.status_code == 422, refused.text
        assert "diagnostic definitions cannot be submitted through the API" in refused.text
    unknown = api.post(f"{path}/pwn")
    assert unknown.status_code == 404
    assert "declared: error_rate_by_version, warroom_ready, recent_changes, whoami" in unknown.text
    assert viewer.post(f"{path}/whoami").status_code == 403
    assert viewer.get(path).json() == []  # nothing ran

    ran = api.post(path, json={"steps": ["whoami"]})
    assert ran.status_code == 200, ran.text
    [result] = ran.json()
    assert (result["step"], result["kind"], result["status"]) == ("whoami", "shell", "ok")
    assert result["output"] == f"$ echo checked {incident_id}\nchecked {incident_id}\n"
    assert (result["trigger"], result["actor"]) == ("manual", "token:responder")
    detail = viewer.get(f"/api/v1/incidents/{incident_id}").json()
    [event] = [e for e in detail["timeline"] if e["kind"] == "diagnostic"]
    assert event["message"] == "Diagnostic whoami (shell): ok — exit status 0"
    admin = live_server.client(live_server.admin_token)
    audit = admin.get("/api/v1/audit", params={"target": incident_id}).json()
    assert "incident.diagnose" in {a["action"] for a in audit}


def test_cli_shows_the_runbook_and_runs_diagnostics_into_the_postmortem(
    live_server: LiveServer,
) -> None:
    api = live_server.client(live_server.responder_token)
    incident_id = _open(api, "ServiceDown")
    done = run(live_server, "diagnose", incident_id, "recent_changes")
    assert done.exit_code == 0, done.output
    assert "recent_changes" in done.stdout and "ok" in done.stdout
    every = json.loads(run(live_server, "diagnose", incident_id, "--json").stdout)
    # The shipped diagnostics succeed on a fresh install: warroom's own readiness, changes;
    # the PromQL step says what to configure.
    statuses = {r["step"]: r["status"] for r in every}
    assert statuses["warroom_ready"] == "ok" and statuses["recent_changes"] == "ok", every
    assert set(statuses) == {"warroom_ready", "requests_answered", "recent_changes"}
    missing = run(live_server, "diagnose", incident_id, "nope")
    assert missing.exit_code != 0 and "no step 'nope' is declared" in missing.output
    shown = run(live_server, "incident", "show", incident_id)
    assert shown.exit_code == 0, shown.output
    assert "Runbook: Service Down (service-down)" in shown.stdout
    assert "A new version does not start or answer" in shown.stdout
    assert "recent_changes" in shown.stdout
    as_json = json.loads(run(live_server, "incident", "show", incident_id, "--json").stdout)
    assert as_json["runbook"]["name"] == "service-down" and len(as_json["diagnostics"]) == 4

    api.post(f"/api/v1/incidents/{incident_id}/status", json={"status": "resolved"})
    drafted = api.post(f"/api/v1/incidents/{incident_id}/postmortem", json={})
    assert drafted.status_code == 201, drafted.text
    markdown = drafted.json()["markdown"]
    section = markdown.split("## Investigation", 1)[1].split("\n## ", 1)[0]
    assert "| recent_changes | recent_changes | ok" in section
    assert "| warroom_ready | http | ok" in section
