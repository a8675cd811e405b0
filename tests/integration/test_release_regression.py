"""A regression model's release through the real gateway: true values come back as
feedback (by request id) during the canary step, and a candidate whose mean absolute error
is worse than the stable version's is aborted on it, with the figures."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import numpy as np

from tests.conftest import LiveServer
from tests.integration.test_releases import (  # noqa: F401
    final,
    release,
    settings,
    wait_for,
    wait_for_switch,
)


class Buyers:
    """Steady price requests; each answer's true value (the features' sum plus noise of
    standard deviation 1) is sent back as feedback."""

    def __init__(self, url: str, service: str):
        self.url, self.service = url, service
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.answered: dict[str, int] = {}

    def _run(self) -> None:
        rng = np.random.default_rng(3)
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while not self.stop.is_set():
                features = rng.uniform(0, 10, 3).round(3).tolist()
                r = client.post(f"/v1/models/{self.service}/predict", json={"features": features})
                if r.status_code != 200:
                    continue
                body = r.json()
                self.answered[body["version"]] = self.answered.get(body["version"], 0) + 1
                truth = float(sum(features) + rng.normal(0, 1))
                client.post(
                    f"/v1/models/{self.service}/feedback",
                    json={"request_id": body["request_id"], "value": truth},
                )

    def __enter__(self) -> Buyers:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


def test_worse_regression_candidate_is_aborted_on_its_error(live_server: LiveServer) -> None:
    api = live_server.client(live_server.responder_token)
    assert api.post("/api/v1/services", json={"name": "prices"}).status_code == 201
    v1 = {"version": "v1", "artifact": "tests.support.models:price"}
    assert api.post("/api/v1/services/prices/versions", json=v1).status_code == 201
    with Buyers(live_server.url, "prices") as buyers:
        started = release(api, "prices", version="v2", artifact="tests.support.models:price_high")
        done = wait_for(api, started["id"], lambda r: final(r) and r["incident_id"])
    assert done["state"] == "aborted", done
    assert buyers.answered.get("v2", 0) > 0  # it took a canary share before the abort
    judged: dict[str, Any] = done["judgements"][-1]
    assert judged["verdict"] == "fail" and judged["step"] == 0, judged
    checks = {c["name"]: c for c in judged["checks"]}
    regression = checks["regression_error"]
    assert regression["verdict"] == "fail", checks
    figures = regression["figures"]
    assert figures["candidate_mae"] > 2 and figures["stable_mae"] < 1.2, figures
    assert figures["increase_lower_bound"] > 0 and figures["candidate_values"] >= 40
    assert checks["errors"]["verdict"] != "fail" and checks["accuracy"]["verdict"] == "skipped"
    wait_for_switch(api, done["rollback_id"])
    assert api.get("/api/v1/services/prices").json()["weights"] == {"v1": 100.0}
    incident = api.get(f"/api/v1/incidents/{done['incident_id']}").json()
    assert incident["service"] == "prices"
