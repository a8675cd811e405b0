"""A `warroom serve` killed with SIGKILL in the middle of a release: the next process takes
the release over when its lease expires and carries it on from the step it stood at."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.integration import test_rollback_crash
from tests.integration.test_releases import RELEASE, Users, final, wait_for
from tests.integration.test_rollback import fast_playbook
from tests.support.models import train
from warroom.auth import service as auth
from warroom.bootstrap import bootstrap
from warroom.config import Settings

pytest.importorskip("sklearn")


class Server(test_rollback_crash.Server):
    """`warroom serve` in a subprocess, waited for as long as a busy machine needs."""

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
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.proc.kill()
        raise RuntimeError("server did not start")


@pytest.fixture
def home(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], str]]:
    playbook = fast_playbook(tmp_path)
    text = re.sub(r"\nrelease:\n(  .*\n)+", RELEASE, playbook.read_text())
    playbook.write_text(text.replace("interval: 1s", "interval: 3s"))
    env = {
        "WARROOM_PLAYBOOK": str(playbook),
        "WARROOM_RELEASE_LEASE": "1",
        "WARROOM_RELEASE_TICK": "0.05",
        "WARROOM_LOG_LEVEL": "warning",
    }
    container = bootstrap(Settings(home=tmp_path), migrate=True)
    with container.db.session() as session:
        _, token = auth.create_token(
            session=session, name="t", role="responder", actor="t", now=container.clock()
        )
    container.close()
    yield tmp_path, env, token


def test_release_resumes_after_sigkill(home: tuple[Path, dict[str, str], str]) -> None:
    path, env, token = home
    headers = {"Authorization": f"Bearer {token}"}
    first = Server(path, env)
    try:
        api = httpx.Client(base_url=first.url, headers=headers, timeout=10)
        api.post("/api/v1/services", json={"name": "fraud"})
        v1, v2 = train(path / "v1.joblib"), train(path / "v2.joblib", seed=1)
        api.post("/api/v1/services/fraud/versions", json={"version": "v1", "artifact": str(v1)})
        body = {"version": "v2", "artifact": str(v2)}
        release_id = api.post("/api/v1/services/fraud/releases", json=body).json()["id"]
        with Users(first.url, "fraud"):
            wait_for(api, release_id, lambda r: r["state"] == "canary" and r["step"] == 1)
            first.kill()
    finally:
        if first.proc.poll() is None:
            first.kill()
    second = Server(path, env)
    try:
        api = httpx.Client(base_url=second.url, headers=headers, timeout=10)
        stood = api.get(f"/api/v1/releases/{release_id}").json()
        assert (stood["state"], stood["step"]) == ("canary", 1)
        assert api.get("/api/v1/services/fraud").json()["weights"] == {"v1": 50.0, "v2": 50.0}
        with Users(second.url, "fraud") as users:
            done = wait_for(api, release_id, final)
    finally:
        second.kill()
    assert done["state"] == "promoted", done
    # Every step judged once: the step the crash interrupted went on, none was redone.
    assert [(j["stage"], j["step"]) for j in done["judgements"]] == [
        ("canary", 0),
        ("canary", 1),
        ("canary", 2),
    ]
    assert "v2" in users.versions()
