"""Every common shape of rollback, as a new user runs it from the README: a canary, a
rollback to the version that already serves most traffic, a step that fails after traffic
moved (routing put back), too little traffic to verify, and the CLI's progress and exit
codes."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer
from tests.integration.test_cli import run
from tests.integration.test_rollback import Traffic, settings, wait_final  # noqa: F401
from tests.support.console import console
from tests.support.fake_kube import FakeKube
from tests.support.models import train
from warroom.readiness import service as readiness
from warroom.samples import service as samples

pytest.importorskip("sklearn")


def cli(server: LiveServer, *args: str) -> str:
    done = run(server, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def readme_canary(server: LiveServer, tmp_path: Path) -> None:
    """The README's example, word for word: v1 stable, v2 a 10 % canary."""
    model = str(train(tmp_path / "m.joblib"))
    cli(server, "service", "create", "canary")
    cli(server, "deploy", "canary", "v1", "--artifact", model)
    cli(server, "service", "stable", "canary", "v1")
    cli(server, "deploy", "canary", "v2", "--artifact", model, "--weight", "10")


def wait_for_baseline(server: LiveServer, service: str, version: str, requests: int) -> None:
    """Until the gateway's snapshots hold ``requests`` of the version (its own baseline)."""
    deadline = time.monotonic() + 60
    db, clock = server.container.db, server.container.clock
    while time.monotonic() < deadline:
        with db.read() as session:
            sums = samples.totals(
                session=session,
                service=service,
                version=version,
                start=clock() - timedelta(hours=1),
                end=clock() + timedelta(seconds=1),
                names=["requests"],
                source="gateway",
            )
        if sums.get("requests", 0) >= requests:
            return
        time.sleep(0.05)
    raise AssertionError(f"{service} {version} never served {requests} requests")


def test_readme_canary_plans_and_rolls_back_to_the_stable_side(
    live_server: LiveServer, tmp_path: Path
) -> None:
    readme_canary(live_server, tmp_path)
    plan = cli(live_server, "rollback", "canary", "--dry-run")
    assert "plan: canary v2 → v1 via gateway" in plan
    api = live_server.client(live_server.responder_token)
    assert api.get("/api/v1/services/canary").json()["stable_target"] == "v1"
    env = live_server.container
    (check,) = [c for c in readiness.service_checks(env, now=env.clock()) if "canary" in c.name]
    assert check.ok and check.detail == "rolls back to v1 through gateway"
    alert = {"name": "HighErrorRate", "service": "canary", "metrics": {"error_rate": 0.2}}
    (incident_id,) = api.post("/api/v1/alerts", json=alert).json()["incidents_opened"]
    with console(live_server.url, live_server.responder_token) as browser:
        page = browser.get(f"/incidents/{incident_id}/rollback", params={"service": "canary"})
        assert page.status_code == 200, page.text
        assert "from\n  <strong>v2</strong> to <strong>v1</strong>" in page.text
    with Traffic(live_server.url, "canary"):
        wait_for_baseline(live_server, "canary", "v1", 20)
        # The exact command: v1 already takes 90 %; this used to end in `error`.
        done = run(live_server, "rollback", "canary", "--to", "v1", "--incident", incident_id)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("rollback ") and lines[0].endswith("canary v2 → v1")
    steps = [line.split()[1] for line in lines if line.startswith("  ✓")]
    assert steps == ["prepare", "switch", "retire"]
    assert lines[-1].startswith("succeeded: verification passed: error rate ")
    assert "vs its own baseline" in lines[-1]
    detail = api.get("/api/v1/services/canary").json()
    assert detail["weights"] == {"v1": 100.0}
    versions = {v["version"]: v for v in detail["versions"]}
    assert not versions["v2"]["enabled"] and versions["v2"]["state"] == "bad"
    assert versions["v1"]["enabled"]


def test_a_bad_canary_is_rolled_back_automatically(live_server: LiveServer, tmp_path: Path) -> None:
    api = live_server.client(live_server.responder_token)
    model = str(train(tmp_path / "m.joblib"))
    api.post("/api/v1/services", json={"name": "canary"})
    api.post("/api/v1/services/canary/versions", json={"version": "v1", "artifact": model})
    api.post("/api/v1/services/canary/versions/v1/stable")
    bad = {"version": "v2", "artifact": "tests.support.models:flaky", "weight": 10}
    assert api.post("/api/v1/services/canary/versions", json=bad).status_code == 201
    with Traffic(live_server.url, "canary"):
        wait_for_baseline(live_server, "canary", "v1", 20)
        alert = {
            "name": "HighErrorRate",
            "service": "canary",
            "labels": {"version": "v2"},
            "metrics": {"error_rate": 0.6},
        }
        (incident_id,) = api.post("/api/v1/alerts", json=alert).json()["incidents_opened"]
        rollbacks = api.get("/api/v1/rollbacks").json()
        assert len(rollbacks) == 1, api.get(f"/api/v1/incidents/{incident_id}").json()["timeline"]
        rb = wait_final(api, rollbacks[0]["id"])
    assert (rb["trigger"], rb["from_version"], rb["to_version"]) == ("auto", "v2", "v1")
    assert rb["state"] == "succeeded", rb
    assert api.get("/api/v1/services/canary").json()["weights"] == {"v1": 100.0}


def kube_canary(api: httpx.Client, kube: FakeKube, model: str) -> None:
    """A canary on Kubernetes whose bad version's Deployment someone deleted: the switch
    works, retiring it cannot."""
    kube.add_service("model-serving", {"app": "model-serving", "version": "v1"})
    kube.add_deployment("model-serving-v1", {"app": "model-serving", "version": "v1"}, 3)
    config = {"host": kube.url, "namespace": "prod"}
    body = {"name": "scorer", "backend": "kubernetes", "backend_config": config}
    assert api.post("/api/v1/services", json=body).status_code == 201
    for version, weight in (("v1", 100), ("v2", 10)):
        body = {"version": version, "artifact": model, "weight": weight}
        assert api.post("/api/v1/services/scorer/versions", json=body).status_code == 201
    api.post("/api/v1/services/scorer/versions/v1/stable")


def test_a_step_that_fails_after_traffic_moved_puts_the_routing_back(
    live_server: LiveServer, tmp_path: Path
) -> None:
    pytest.importorskip("kubernetes")
    api = live_server.client(live_server.responder_token)
    with FakeKube() as kube:
        kube_canary(api, kube, str(train(tmp_path / "m.joblib")))
        kube.services["model-serving"]["spec"]["selector"]["version"] = "v2"
        requested = run(live_server, "rollback", "scorer", "--no-wait")
        assert requested.returncode == 0, requested.stderr
        assert "rollback 1 of scorer requested (v2 → v1)" in requested.stdout
        assert "warroom rollback status 1 --wait" in requested.stdout
        status = run(live_server, "rollback", "status", "1", "--wait")
        rb = api.get("/api/v1/rollbacks/1").json()
        selector = kube.services["model-serving"]["spec"]["selector"]
    assert rb["state"] == "reverted", rb
    assert rb["reason"].startswith("switched: kubernetes: scale down model-serving-v2")
    assert rb["reason"].endswith("routing put back as it was (v1 90%, v2 10%)")
    assert [s["step"] for s in rb["steps"]] == ["prepare", "switch"]
    assert rb["previous_weights"] == {"v1": 90.0, "v2": 10.0}
    assert selector["version"] == "v2"  # the Service selects what it selected before
    assert api.get("/api/v1/services/scorer").json()["weights"] == {"v1": 90.0, "v2": 10.0}
    assert status.returncode == 1
    assert status.stdout.splitlines()[-1].startswith("reverted: switched: kubernetes")
    again = run(live_server, "rollback", "status", "1")  # without --wait: as it stands
    assert again.returncode == 1, again.stderr
    assert again.stdout.splitlines()[-1].startswith("reverted: switched: kubernetes")
    kinds = [e["kind"] for e in api.get("/api/v1/services/scorer/history").json()]
    assert kinds[:2] == ["rollback_reverted", "rollback"]


@pytest.mark.playbook(max_wait="1s")
def test_too_little_traffic_is_inconclusive_and_escalates_nothing(
    live_server: LiveServer, tmp_path: Path
) -> None:
    api = live_server.client(live_server.responder_token)
    readme_canary(live_server, tmp_path)
    alert = {"name": "HighErrorRate", "service": "canary", "metrics": {"error_rate": 0.2}}
    (incident_id,) = api.post("/api/v1/alerts", json=alert).json()["incidents_opened"]
    before = api.get(f"/api/v1/incidents/{incident_id}").json()["severity"]
    done = run(live_server, "rollback", "canary", "--incident", incident_id)  # no traffic
    assert done.returncode == 3, done.stdout + done.stderr
    assert "inconclusive: switched to v1, but only 0 requests reached it" in done.stdout
    incident = api.get(f"/api/v1/incidents/{incident_id}").json()
    assert incident["severity"] == before
    kinds = [e["kind"] for e in incident["timeline"]]
    assert "escalation" not in kinds and "rollback" in kinds
    assert api.get("/api/v1/services/canary").json()["weights"] == {"v1": 100.0}
