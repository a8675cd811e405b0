"""Releases through the real gateway, with a real scikit-learn model: a good candidate goes
shadow → every step → promoted; bad ones are stopped at the first stage that can see them."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.integration.test_cli import run
from tests.integration.test_rollback import fast_playbook
from tests.support.chat import ALICE, use_slack
from tests.support.console import console, csrf_of
from tests.support.models import Faulty, sample_rows, train
from tests.support.slack import SlackServer, command
from warroom.audit import service as audit
from warroom.config import Settings
from warroom.detect import baselines
from warroom.samples import service as samples

pytest.importorskip("sklearn")

RELEASE = """\nrelease:
  steps: [25, 50, 100]
  interval: 1s
  shadow: 0s
  shadow_share: 1.0
  min_requests: 40
  inconclusive_limit: 10m
"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    path = fast_playbook(tmp_path)
    text = re.sub(r"\nrelease:\n(  .*\n)+", RELEASE, path.read_text())
    # Labels judge accuracy from 40 of them (the canary step's traffic in these tests).
    text = text.replace(
        "detection:\n  enabled: false\n", "detection:\n  enabled: false\n  min_labels: 40\n"
    )
    path.write_text(text)
    return Settings(
        home=tmp_path,
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        playbook=path,
        gateway_snapshot_interval=0.2,
        rollback_scan_interval=0.2,
        rollback_poll_interval=0.05,
        release_tick=0.05,
    )


class Users:
    """Steady prediction traffic, each answer labelled with the truth (by request id), and a
    record of which version answered each request."""

    def __init__(self, url: str, service: str, *, labels: bool = False):
        self.url, self.service, self.labels = url, service, labels
        self.answers: list[tuple[int, str | None]] = []
        self.times: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.rows, self.truth = sample_rows(2000)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            i = 0
            while not self.stop.is_set():
                row, truth = self.rows[i % len(self.rows)], int(self.truth[i % len(self.rows)])
                i += 1
                try:
                    r = client.post(
                        f"/v1/models/{self.service}/predict", json={"features": row.tolist()}
                    )
                except httpx.HTTPError:  # the server was killed (the crash test)
                    continue
                body = r.json() if r.status_code == 200 else {}
                self.answers.append((r.status_code, body.get("version")))
                self.times.append(time.time())
                if self.labels and r.status_code == 200:
                    client.post(
                        f"/v1/models/{self.service}/feedback",
                        json={"request_id": body["request_id"], "label": truth},
                    )

    def versions(self, before: float = float("inf")) -> set[str | None]:
        return {
            v
            for (code, v), at in zip(list(self.answers), list(self.times), strict=False)
            if code == 200 and at < before
        }

    def __enter__(self) -> Users:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


def wait_for(
    api: httpx.Client, release_id: int, done: Callable[[dict[str, Any]], bool], timeout: float = 90
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    release: dict[str, Any] = {}
    while time.monotonic() < deadline:
        release = api.get(f"/api/v1/releases/{release_id}").json()
        if done(release):
            return release
        time.sleep(0.05)
    raise AssertionError(f"release {release_id} did not get there: {release}")


def final(release: dict[str, Any]) -> bool:
    return release["state"] in ("promoted", "aborted")


def wait_for_rollback(api: httpx.Client, rollback_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rb = api.get(f"/api/v1/rollbacks/{rollback_id}").json()
        if rb["state"] in ("succeeded", "failed", "timed_out", "error"):
            return dict(rb)
        time.sleep(0.05)
    raise AssertionError(f"rollback {rollback_id} did not finish")


def wait_for_switch(api: httpx.Client, rollback_id: int) -> dict[str, Any]:
    """The rollback once its traffic switch is done (verification may still be running)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rb = api.get(f"/api/v1/rollbacks/{rollback_id}").json()
        if rb.get("switched_at"):
            return dict(rb)
        time.sleep(0.05)
    raise AssertionError(f"rollback {rollback_id} did not switch")


@pytest.fixture
def fraud(live_server: LiveServer, tmp_path: Path) -> Iterator[httpx.Client]:
    """Service `fraud` serving v1, a real model, to all of its traffic."""
    model = train(tmp_path / "v1.joblib")
    Faulty.model_path, Faulty._model, Faulty.mode = model, None, None
    api = live_server.client(live_server.responder_token)
    assert api.post("/api/v1/services", json={"name": "fraud"}).status_code == 201
    r = api.post("/api/v1/services/fraud/versions", json={"version": "v1", "artifact": str(model)})
    assert r.status_code == 201, r.text
    yield api
    Faulty.mode = None
    api.close()


def release(api: httpx.Client, service: str = "fraud", **body: Any) -> dict[str, Any]:
    r = api.post(f"/api/v1/services/{service}/releases", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_good_candidate_goes_through_shadow_and_every_step(
    live_server: LiveServer, fraud: httpx.Client, tmp_path: Path
) -> None:
    good = str(train(tmp_path / "v2.joblib", seed=1))
    assert fraud.post("/api/v1/services/fraud/versions/v1/stable").status_code == 200
    with Users(live_server.url, "fraud") as users:
        started = release(fraud, version="v2", artifact=good, shadow="1s")
        in_shadow = wait_for(fraud, started["id"], lambda r: r["state"] != "planned")
        assert in_shadow["state"] in ("shadow", "canary", "promoted")
        done = wait_for(fraud, started["id"], final)
    # Nobody was answered by the candidate while it was in shadow.
    canary_from = datetime.fromisoformat(done["judgements"][0]["closed_at"]).timestamp()
    assert users.versions(before=canary_from) == {"v1"}
    assert "v2" in users.versions()
    assert done["state"] == "promoted", done
    stages = [(j["stage"], j["step"], j["verdict"]) for j in done["judgements"]]
    assert stages == [
        ("shadow", -1, "pass"),
        ("canary", 0, "pass"),
        ("canary", 1, "pass"),
        ("canary", 2, "pass"),
    ], stages
    shadow = done["judgements"][0]
    agreement = next(c for c in shadow["checks"] if c["name"] == "agreement")
    assert agreement["figures"]["paired"] >= 40
    detail = fraud.get("/api/v1/services/fraud").json()
    assert detail["weights"] == {"v2": 100.0}
    # The previous version stays the rollback target; v2 is not vouched for by the release.
    assert detail["stable_target"] == "v1"
    assert not next(v for v in detail["versions"] if v["version"] == "v2")["marked_stable"]
    with live_server.container.db.read() as session:
        baseline = baselines.latest(session=session, service="fraud")
        assert baseline is not None and baseline.version == "v2"
    admin = live_server.client(live_server.admin_token)
    audit = admin.get("/api/v1/audit", params={"limit": 500}).json()
    actions = [e["action"] for e in reversed(audit) if e["action"].startswith("release.")]
    assert actions == [
        "release.start",
        "release.shadow",
        "release.canary",
        "release.canary",
        "release.canary",
        "release.promoted",
    ], actions


@pytest.mark.parametrize("mode", ["errors", "latency", "wrong"])
def test_bad_candidate_is_stopped_in_shadow(
    live_server: LiveServer, fraud: httpx.Client, mode: str
) -> None:
    Faulty.mode = mode
    with Users(live_server.url, "fraud") as users:
        started = release(fraud, version="v2", artifact="tests.support.models:faulty", shadow="10m")
        done = wait_for(fraud, started["id"], final)
    assert done["state"] == "aborted", done
    assert done["judgements"][-1]["stage"] == "shadow"
    failed = {c["name"] for c in done["judgements"][-1]["checks"] if c["verdict"] == "fail"}
    expected = {"errors": "errors", "latency": "latency", "wrong": "agreement"}[mode]
    assert expected in failed, done["judgements"][-1]
    # Users were never answered by the candidate.
    assert users.versions() == {"v1"}
    assert fraud.get("/api/v1/services/fraud").json()["weights"] == {"v1": 100.0}


def test_less_accurate_candidate_is_stopped_at_the_first_step(
    live_server: LiveServer, fraud: httpx.Client
) -> None:
    Faulty.mode = "worse"
    with Users(live_server.url, "fraud", labels=True):
        started = release(
            fraud, version="v2", artifact="tests.support.models:faulty", interval="10m"
        )
        done = wait_for(fraud, started["id"], lambda r: final(r) and r["incident_id"])
        rollback = done["rollback_id"]
    assert done["state"] == "aborted", done
    last = done["judgements"][-1]
    assert (last["stage"], last["step"]) == ("canary", 0)
    failed = {c["name"] for c in last["checks"] if c["verdict"] == "fail"}
    assert "accuracy" in failed, last
    assert rollback is not None and done["incident_id"]
    rb = wait_for_switch(fraud, rollback)  # the version is marked once the switch is done
    assert (rb["from_version"], rb["to_version"]) == ("v2", "v1")
    versions = {v["version"]: v for v in fraud.get("/api/v1/services/fraud/versions").json()}
    assert versions["v2"]["rolled_back_from"] and versions["v2"]["weight"] == 0
    timeline = fraud.get(f"/api/v1/incidents/{done['incident_id']}").json()["timeline"]
    assert any("failed its analysis" in e["message"] for e in timeline), timeline


def test_erroring_candidate_without_shadow_is_stopped_at_the_first_step(
    live_server: LiveServer, fraud: httpx.Client
) -> None:
    Faulty.mode = "errors"
    with Users(live_server.url, "fraud"):
        started = release(
            fraud, version="v2", artifact="tests.support.models:faulty", interval="10m"
        )
        done = wait_for(fraud, started["id"], lambda r: final(r) and r["incident_id"])
    assert done["state"] == "aborted" and done["judgements"][-1]["step"] == 0, done
    assert done["incident_id"]
    incident = fraud.get(f"/api/v1/incidents/{done['incident_id']}").json()
    assert incident["service"] == "fraud"


def test_approval_gate_waits_for_a_person(
    live_server: LiveServer, fraud: httpx.Client, tmp_path: Path
) -> None:
    good = str(train(tmp_path / "v2.joblib", seed=1))
    with Users(live_server.url, "fraud"):
        started = release(fraud, version="v2", artifact=good, approve_before=[100])
        waiting = wait_for(fraud, started["id"], lambda r: r["state"] == "awaiting_approval")
        assert waiting["step"] == 2
        assert fraud.get("/api/v1/services/fraud").json()["weights"] == {"v1": 50.0, "v2": 50.0}
        viewer = live_server.client(live_server.viewer_token)
        assert viewer.post(f"/api/v1/releases/{started['id']}/approve").status_code == 403
        r = fraud.post(f"/api/v1/releases/{started['id']}/approve", json={"reason": "looks good"})
        assert r.status_code == 200, r.text
        done = wait_for(fraud, started["id"], final)
    assert done["state"] == "promoted", done


def test_release_requests_are_checked(live_server: LiveServer, fraud: httpx.Client) -> None:
    bad = [
        ({"version": "v2"}, "artifact"),
        ({"version": "v2", "artifact": "x:y", "steps": [50, 25]}, "steps"),
        ({"version": "v2", "artifact": "x:y", "steps": [0, 100]}, "steps"),
        ({"version": "v2", "artifact": "x:y", "interval": "soon"}, "interval"),
        ({"version": "v2", "artifact": "x:y", "approve_before": [30]}, "approve_before"),
        ({"version": "v1", "artifact": "x:y"}, "already has"),
    ]
    for body, named in bad:
        r = fraud.post("/api/v1/services/fraud/releases", json=body)
        assert r.status_code in (409, 422) and named in r.text, (body, r.text)
    assert (
        fraud.post(
            "/api/v1/services/nope/releases", json={"version": "v2", "artifact": "a:b"}
        ).status_code
        == 404
    )
    assert fraud.post("/api/v1/releases/999/pause").status_code == 404
    assert fraud.post("/api/v1/releases/1/dance").status_code == 422
    anonymous = httpx.post(f"{live_server.url}/api/v1/services/fraud/releases", json={}, timeout=30)
    assert anonymous.status_code == 401
    versions = {v["version"] for v in fraud.get("/api/v1/services/fraud/versions").json()}
    assert versions == {"v1"}


def test_release_from_the_cli(live_server: LiveServer, fraud: httpx.Client, tmp_path: Path) -> None:
    good = str(train(tmp_path / "v2.joblib", seed=1))
    started = run(
        live_server,
        "release", "fraud", "v2", "--artifact", good, "--steps", "10,50,100",
        "--interval", "1m", "--approve-before", "10", "--json",
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    row = json.loads(started.stdout)
    assert (row["steps"], row["interval_seconds"], row["approve_before"]) == (
        [10.0, 50.0, 100.0],
        60.0,
        [10.0],
    )
    waiting = wait_for(fraud, row["id"], lambda r: r["state"] == "awaiting_approval")
    assert waiting["step"] == 0
    status = run(live_server, "release", "status", "fraud")
    assert status.returncode == 0 and "awaiting_approval" in status.stdout, status.stdout
    paused = run(live_server, "release", "pause", str(row["id"]), "--json")
    assert json.loads(paused.stdout)["paused"] is True
    run(live_server, "release", "resume", str(row["id"]))
    bad = run(live_server, "release", "fraud", "v3", "--artifact", good, "--steps", "ten")
    assert bad.returncode != 0 and "--steps" in bad.stderr + bad.stdout
    busy = run(live_server, "release", "fraud", "v3", "--artifact", good)
    assert busy.returncode != 0 and "in flight" in busy.stderr + busy.stdout
    aborted = run(live_server, "release", "abort", str(row["id"]), "--reason", "not today")
    assert aborted.returncode == 0, aborted.stderr
    done = wait_for(fraud, row["id"], final)
    assert done["state"] == "aborted" and done["rollback_id"] is None
    assert fraud.get("/api/v1/services/fraud").json()["weights"] == {"v1": 100.0}
    admin = live_server.client(live_server.admin_token)
    audit = admin.get("/api/v1/audit", params={"action": "release.abort"}).json()
    assert audit and audit[0]["actor"] == "token:responder"


def command_service(api: httpx.Client, tmp_path: Path) -> Path:
    """Service `scorer` deployed by a user's script (the `command` backend); warroom's
    gateway serves its traffic, so the analysis reads the gateway's per-version samples."""
    state = tmp_path / "serving.txt"
    script = tmp_path / "switch.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s" "$2" > {state}\n')
    script.chmod(0o755)
    spec = {"name": "scorer", "backend": "command", "backend_config": {"command": str(script)}}
    assert api.post("/api/v1/services", json=spec).status_code == 201
    model = str(train(tmp_path / "s1.joblib"))
    r = api.post("/api/v1/services/scorer/versions", json={"version": "v1", "artifact": model})
    assert r.status_code == 201, r.text
    return state


@pytest.mark.parametrize("good", [True, False])
def test_command_service_switches_once_and_reverts_on_failure(
    live_server: LiveServer, fraud: httpx.Client, tmp_path: Path, good: bool
) -> None:
    state = command_service(fraud, tmp_path)
    candidate = str(train(tmp_path / "s2.joblib", seed=1)) if good else "tests.support.models:flaky"
    with Users(live_server.url, "scorer") as users:
        # The previous version's figures before the switch: some traffic first, stored by
        # the gateway's snapshots (however long a busy machine takes, it falls within the 20
        # windows looked back at).
        _wait_answers(users, 100)
        _wait_stored(live_server, "scorer", "v1", 100)
        started = release(fraud, service="scorer", version="v2", artifact=candidate,
                          interval="3s", steps=[10, 50])  # fmt: skip
        assert started["steps"] == [100.0]
        done = wait_for(fraud, started["id"], final)
        if not good:
            rb = wait_for_rollback(fraud, done["rollback_id"])
    assert [j["stage"] for j in done["judgements"]][:1] == ["before"]
    if good:
        assert done["state"] == "promoted", (done["reason"], done["judgements"])
        assert state.read_text() == "v2"
        return
    assert done["state"] == "aborted", done
    assert rb["state"] == "succeeded", rb
    assert state.read_text() == "v1"


def _stored_requests(live_server: LiveServer, service: str, version: str) -> float:
    """The requests of a version that the gateway's snapshots have stored as samples (what a
    release judges the stable version on), whenever they came."""
    with live_server.container.db.read() as session:
        found = samples.series(
            session=session,
            service=service,
            start=datetime(2000, 1, 1, tzinfo=UTC),
            end=datetime(2100, 1, 1, tzinfo=UTC),
            names=["requests"],
            version=version,
            source="gateway",
        )
    return sum(value for _, value in found.get("requests", []))


def _wait_stored(live_server: LiveServer, service: str, version: str, count: float) -> None:
    """Until the gateway's snapshots (every ``gateway_snapshot_interval``) hold ``count``
    requests of the version."""
    deadline = time.monotonic() + 60
    while (stored := _stored_requests(live_server, service, version)) < count:
        assert time.monotonic() < deadline, f"{stored} requests stored of {count}"
        time.sleep(0.05)


def _wait_answers(users: Users, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(users.answers) < count:
        assert time.monotonic() < deadline, f"{len(users.answers)} answers of {count}"
        time.sleep(0.05)


def test_a_quiet_stable_version_is_judged_on_the_windows_before(
    live_server: LiveServer, fraud: httpx.Client, tmp_path: Path
) -> None:
    """A one-switch release whose last window before the switch saw no request takes the
    stable version's figures from the windows before it, instead of staying inconclusive."""
    state = command_service(fraud, tmp_path)
    with Users(live_server.url, "scorer") as users:
        _wait_answers(users, 100)
    _wait_stored(live_server, "scorer", "v1", len(users.answers))  # every request stored
    time.sleep(3.5)  # the last 3 s window before the switch holds none of that traffic
    candidate = str(train(tmp_path / "s2.joblib", seed=1))
    started = release(fraud, service="scorer", version="v2", artifact=candidate,
                      interval="3s", steps=[100])  # fmt: skip
    wait_for(fraud, started["id"], lambda r: r["state"] != "planned")  # switched
    with Users(live_server.url, "scorer"):
        done = wait_for(fraud, started["id"], final)
    before = done["judgements"][0]
    assert before["stage"] == "before" and before["requests"] >= 100, before
    assert done["state"] == "promoted", (done["reason"], done["judgements"])
    assert state.read_text() == "v2"


def test_console_release_page_and_buttons(
    live_server: LiveServer, fraud: httpx.Client, tmp_path: Path
) -> None:
    good = str(train(tmp_path / "v2.joblib", seed=1))
    started = release(fraud, version="v2", artifact=good, approve_before=[25], interval="10m")
    wait_for(fraud, started["id"], lambda r: r["state"] == "awaiting_approval")
    page_url = f"/releases/{started['id']}"
    with console(live_server.url, live_server.viewer_token) as web:
        seen = web.get(page_url)
        assert seen.status_code == 200 and "awaiting approval" in seen.text
        assert "Approve" not in seen.text  # a viewer gets no buttons
        assert f'href="{page_url}"' in web.get("/services").text
    with console(live_server.url, live_server.responder_token) as web:
        shown = web.get(page_url)
        assert "Approve" in shown.text and "25% of traffic, after a person" in shown.text
        r = web.post(f"{page_url}/approve", data={"csrf": csrf_of(shown.text)})
        assert r.status_code == 303 and "error:" not in r.headers.get("set-cookie", "")
        refused = web.post(f"{page_url}/approve", data={"csrf": "forged"})
        assert refused.status_code == 403
    moved = wait_for(fraud, started["id"], lambda r: r["state"] == "canary")
    assert moved["step"] == 0 and moved["approved"] == [0]
    assert fraud.get("/api/v1/services/fraud").json()["weights"] == {"v1": 75.0, "v2": 25.0}
    with live_server.container.db.read() as session:
        approvals = audit.list_events(session=session, action="release.approve")
    assert [e.actor for e in approvals] == ["token:responder"]


def test_a_rollback_from_outside_ends_the_release(
    live_server: LiveServer, fraud: httpx.Client, tmp_path: Path
) -> None:
    good = str(train(tmp_path / "v2.joblib", seed=1))
    assert fraud.post("/api/v1/services/fraud/versions/v1/stable").status_code == 200
    started = release(fraud, version="v2", artifact=good, interval="10m", steps=[50, 100])
    wait_for(fraud, started["id"], lambda r: r["state"] == "canary")
    with Users(live_server.url, "fraud"):
        r = fraud.post("/api/v1/services/fraud/rollback", json={"to_version": "v1"})
        assert r.status_code == 202, r.text
        done = wait_for(fraud, started["id"], final)
    assert done["state"] == "aborted" and "rolled back from outside" in done["reason"]
    assert done["rollback_id"] is None


def test_approve_from_chat(
    live_server: LiveServer, fraud: httpx.Client, tmp_path: Path, slack: SlackServer
) -> None:
    use_slack(live_server.container, slack)
    good = str(train(tmp_path / "v2.joblib", seed=1))
    started = release(fraud, version="v2", artifact=good, approve_before=[25], interval="10m")
    wait_for(fraud, started["id"], lambda r: r["state"] == "awaiting_approval")
    answer = command(live_server.url, slack, user=ALICE, text=f"release approve {started['id']}")
    assert answer.status_code == 200, answer.text
    assert "awaiting_approval" in answer.json()["text"]
    moved = wait_for(fraud, started["id"], lambda r: r["state"] == "canary")
    assert moved["approved"] == [0]
    bad = command(live_server.url, slack, user=ALICE, text="release approve nine")
    assert "usage: /warroom release" in bad.json()["text"]
    with live_server.container.db.read() as session:
        [approval] = audit.list_events(session=session, action="release.approve")
    assert approval.actor == f"slack:{ALICE} (alice)"
