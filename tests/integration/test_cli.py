"""The `warroom` command against a real server, as an operator would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import LiveServer

WARROOM = [sys.executable, "-m", "warroom"]


def run(server: LiveServer, *args: str, token: str | None = None, **env: str):
    environ = {
        **os.environ,
        "WARROOM_URL": server.url,
        "WARROOM_TOKEN": token or server.responder_token,
        "WARROOM_DATABASE_URL": server.container.settings.resolved_database_url,
        "WARROOM_HOME": str(server.container.settings.resolved_home),
        "COLUMNS": "200",
        **env,
    }
    return subprocess.run(
        [*WARROOM, *args], env=environ, capture_output=True, text=True, timeout=60
    )


def test_alert_to_resolved_incident_from_the_cli(live_server: LiveServer) -> None:
    sent = run(
        live_server,
        "alert", "send", "--name", "HighErrorRate", "--service", "fraud-model",
        "--metric", "error_rate=0.7", "--label", "region=eu", "--json",
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    (incident_id,) = json.loads(sent.stdout)["incidents_opened"]
    listed = run(live_server, "incident", "list", "--open", "--json")
    assert [i["severity"] for i in json.loads(listed.stdout)] == ["P0"]
    assert run(live_server, "incident", "ack", incident_id).returncode == 0
    again = run(live_server, "incident", "ack", incident_id)  # a no-op, not an error
    assert again.returncode == 0 and f"{incident_id} acknowledged (at " in again.stdout
    assigned = run(live_server, "incident", "assign", incident_id, "incident_commander", "alice")
    assert assigned.returncode == 0, assigned.stderr
    assert run(live_server, "incident", "note", incident_id, "rolling back").returncode == 0
    assert run(live_server, "incident", "resolve", incident_id, "-m", "fixed").returncode == 0
    shown = run(live_server, "incident", "show", incident_id)
    assert shown.returncode == 0
    assert "alice" in shown.stdout and "rolling back" in shown.stdout
    detail = json.loads(run(live_server, "incident", "show", incident_id, "--json").stdout)
    assert detail["status"] == "resolved"
    audit = run(
        live_server, "audit", "list", "--target", incident_id, "--json",
        token=live_server.admin_token,
    )  # fmt: skip
    assert {a["action"] for a in json.loads(audit.stdout)} >= {"incident.status", "incident.role"}


def test_errors_are_one_line_and_non_zero(live_server: LiveServer, tmp_path: Path) -> None:
    bad_metric = run(live_server, "alert", "send", "--name", "X", "--metric", "error_rate=high")
    assert bad_metric.returncode != 0
    assert "error_rate='high': value must be a number" in bad_metric.stderr
    missing = run(live_server, "incident", "show", "INC-19990101-000000")
    assert missing.returncode != 0
    assert missing.stderr.strip().count("\n") == 0 and "404" in missing.stderr
    viewer = run(live_server, "incident", "ack", "INC-1", token=live_server.viewer_token)
    assert viewer.returncode != 0 and "403" in viewer.stderr
    backwards = run(live_server, "alert", "send", "--name", "Y", "--json")
    (iid,) = json.loads(backwards.stdout)["incidents_opened"]
    run(live_server, "incident", "status", iid, "mitigating")
    illegal = run(live_server, "incident", "status", iid, "acknowledged")
    assert illegal.returncode != 0 and "only a resolved incident can be reopened" in illegal.stderr
    unreachable = run(live_server, "incident", "list", WARROOM_URL="http://127.0.0.1:9")
    assert unreachable.returncode != 0 and "cannot reach warroom" in unreachable.stderr
    playbook = tmp_path / "pb.yaml"
    playbook.write_text("version: 1\nseverity_levels: {}\nclassification: {rules: []}\nextra: 1\n")
    invalid = run(live_server, "playbook", "validate", str(playbook))
    assert invalid.returncode != 0
    assert str(playbook) in invalid.stderr and "extra: unknown key" in invalid.stderr
    assert (
        run(live_server, "playbook", "validate", "src/warroom/playbook/default.yaml").returncode
        == 0
    )


def test_token_and_integration_secrets_are_shown_once(live_server: LiveServer) -> None:
    created = run(live_server, "token", "create", "--role", "viewer", "--name", "dash")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("wr_")
    with live_server.client(token) as api:
        assert api.get("/api/v1/incidents").status_code == 200
    listed = run(live_server, "token", "list", "--json")
    assert token not in listed.stdout and "dash" in listed.stdout
    hook = run(
        live_server, "integration", "create", "grafana", "--name", "ops", "--url", live_server.url
    )
    url = hook.stdout.strip().splitlines()[-1]
    assert url.startswith(f"{live_server.url}/api/v1/integrations/grafana?key=wri_")
    body = {"status": "firing", "alerts": [{"status": "firing", "labels": {"alertname": "G"},
                                            "startsAt": "2026-11-23T12:00:00Z"}]}  # fmt: skip
    with live_server.client() as api:
        r = api.post(url.removeprefix(live_server.url), json=body)
    assert r.status_code == 202 and r.json()["accepted"] == 1
    live_server.drain()
    with live_server.client(live_server.viewer_token) as api:
        assert len(api.get("/api/v1/incidents").json()) == 1
