"""A `warroom serve` killed with SIGKILL mid-rollback: the next process resumes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.integration.test_rollback import Traffic, fast_playbook, wait_final
from tests.support.models import train
from warroom.auth import service as auth
from warroom.bootstrap import bootstrap
from warroom.config import Settings

pytest.importorskip("sklearn")


class Server:
    def __init__(self, home: Path, env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environ = {**os.environ, **env, "WARROOM_HOME": str(home), "WARROOM_PORT": str(self.port)}
        environ.pop("WARROOM_DATABASE_URL", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "warroom", "serve"],
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


@pytest.fixture
def home(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], str]]:
    env = {
        "WARROOM_PLAYBOOK": str(fast_playbook(tmp_path, window="4s")),
        "WARROOM_ROLLBACK_LEASE": "1",
        "WARROOM_ROLLBACK_SCAN_INTERVAL": "0.2",
        "WARROOM_GATEWAY_SNAPSHOT_INTERVAL": "0.2",
        "WARROOM_LOG_LEVEL": "warning",
    }
    container = bootstrap(Settings(home=tmp_path), migrate=True)
    with container.db.session() as session:
        _, token = auth.create_token(
            session=session, name="t", role="responder", actor="t", now=container.clock()
        )
    container.close()
    yield tmp_path, env, token


def test_rollback_resumes_after_sigkill(home: tuple[Path, dict[str, str], str]) -> None:
    path, env, token = home
    headers = {"Authorization": f"Bearer {token}"}
    first = Server(path, env)
    try:
        api = httpx.Client(base_url=first.url, headers=headers, timeout=10)
        api.post("/api/v1/services", json={"name": "fraud"})
        model = str(train(path / "v1.joblib"))
        api.post("/api/v1/services/fraud/versions", json={"version": "v1", "artifact": model})
        api.post("/api/v1/services/fraud/versions/v1/stable")
        broken = {"version": "v2", "artifact": "tests.support.models:broken"}
        api.post("/api/v1/services/fraud/versions", json=broken)
        with Traffic(first.url, "fraud"):
            rollback_id = api.post("/api/v1/services/fraud/rollback", json={}).json()["id"]
            deadline = time.monotonic() + 20
            while api.get(f"/api/v1/rollbacks/{rollback_id}").json()["state"] != "verifying":
                assert time.monotonic() < deadline
                time.sleep(0.05)
            first.kill()
    finally:
        if first.proc.poll() is None:
            first.kill()
    second = Server(path, env)
    try:
        api = httpx.Client(base_url=second.url, headers=headers, timeout=10)
        assert api.get(f"/api/v1/rollbacks/{rollback_id}").json()["state"] == "verifying"
        with Traffic(second.url, "fraud") as traffic:
            rb = wait_final(api, rollback_id)
        assert rb["state"] == "succeeded", rb
        # Steps already done before the crash were not repeated.
        assert [s["step"] for s in rb["steps"]] == ["prepare", "switch", "retire"]
        assert {v for _, code, v in traffic.answers if code == 200} == {"v1"}
    finally:
        second.kill()
