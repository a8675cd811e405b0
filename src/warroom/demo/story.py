"""The model part of `warroom demo`: a real model goes bad and warroom handles it.

v1, a scikit-learn classifier trained on the breast-cancer data bundled with scikit-learn,
serves and is marked stable; v2 (the same model behind a broken feature pipeline) takes the
traffic; warroom's detectors open an incident, the on-call is paged (log channel and the
demo's webhook pager), nobody answers so it escalates to the secondary, who acknowledges;
the playbook rolls back automatically, the rollback is verified, the incident is monitored
and resolved once stable, and a postmortem, report and evidence package are written. The
demo only drives traffic, acknowledges as the secondary on-call would, and watches.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from warroom.demo.setup import Pager
from warroom.demo.view import View

SERVICE = "loan-approval"
FINAL = ("succeeded", "inconclusive", "reverted", "failed", "timed_out", "error")


def train(home: Path) -> tuple[Path, Path, Any, Any]:
    import joblib
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from warroom.demo.model import BrokenRelease

    x, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=500)).fit(x, y)
    v1, v2 = home / "models" / "v1.joblib", home / "models" / "v2.joblib"
    v1.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, v1)
    joblib.dump(BrokenRelease(model), v2)
    return v1, v2, x, y


class Traffic:
    """Steady requests (and the true label as feedback) at about ``rate`` per second."""

    def __init__(self, url: str, x: Any, y: Any, rate: float = 40):
        self.url, self.x, self.y, self.rate = url, x, y, rate
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(4)
        ]

    def _run(self, offset: int) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            i = offset
            while not self.stop.is_set():
                t = time.perf_counter()
                try:
                    self._one(client, i)
                except httpx.HTTPError:
                    pass  # the server is going away at the end of the demo
                i += 4
                self.stop.wait(max(0.0, 4 / self.rate - (time.perf_counter() - t)))

    def _one(self, client: httpx.Client, i: int) -> None:
        row, label = self.x[i % len(self.x)], int(self.y[i % len(self.y)])
        r = client.post(f"/v1/models/{SERVICE}/predict", json={"features": row.tolist()})
        if r.status_code == 200:
            body = {"request_id": r.json()["request_id"], "label": label}
            client.post(f"/v1/models/{SERVICE}/feedback", json=body)

    def start(self) -> Traffic:
        for t in self.threads:
            t.start()
        return self

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=10)


def _ts(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


class Story:
    def __init__(self, api: httpx.Client, home: Path, view: View, pager: Pager):
        self.api, self.home, self.view, self.pager = api, home, view, pager
        self.out: dict[str, Any] = {}
        self.incident_id: str | None = None
        self.onset = 0.0

    def wait_for(self, what: str, check: Callable[[], Any], timeout: float = 60) -> Any:
        """Poll ``check`` until truthy, showing the incident timeline meanwhile."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if self.incident_id:
                self.view.events(self.detail()["timeline"])
            if value:
                return value
            time.sleep(0.2)
        raise TimeoutError(f"{what} did not happen within {timeout:.0f}s")

    def detail(self) -> dict[str, Any]:
        return dict(self.api.get(f"/api/v1/incidents/{self.incident_id}").json())

    def step(self, name: str, run: Callable[[], str]) -> None:
        step = self.view.begin(name)
        try:
            detail = run()
        except Exception as exc:
            self.view.end(step, str(exc), ok=False)
            raise
        self.view.end(step, detail)

    def run(self, traffic: Traffic, v1: Path, v2: Path) -> dict[str, Any]:
        """The story; returns the summary figures (a step that fails raises)."""
        self.step("v1 serves, marked stable", lambda: self.serve_v1(v1))
        self.step("baseline from live traffic", self.baseline)
        self.step("v2 deployed to 100%", lambda: self.deploy_v2(v2))
        self.step("detection", self.detection)
        self.step("page to the on-call", self.paged)
        self.step("escalation (no answer)", self.escalated)
        self.step("acknowledged", self.acknowledge)
        self.step("automatic rollback, verified", self.rollback)
        self.step("resolved after the stability window", self.resolved)
        return self.out

    def serve_v1(self, v1: Path) -> str:
        self.api.post("/api/v1/services", json={"name": SERVICE}).raise_for_status()
        body = {"version": "v1", "artifact": str(v1)}
        self.api.post(f"/api/v1/services/{SERVICE}/versions", json=body).raise_for_status()
        self.api.post(f"/api/v1/services/{SERVICE}/versions/v1/stable").raise_for_status()
        return f"{SERVICE} v1 (scikit-learn, breast-cancer data)"

    def baseline(self) -> str:
        path = f"/api/v1/services/{SERVICE}/baseline"
        self.wait_for("v1 baseline", lambda: self.api.get(path).status_code == 200)
        return "detectors captured v1's baseline"

    def deploy_v2(self, v2: Path) -> str:
        self.onset = time.time()
        body = {"version": "v2", "artifact": str(v2), "weight": 100}
        self.api.post(f"/api/v1/services/{SERVICE}/versions", json=body).raise_for_status()
        return "broken feature pipeline: errors, slow, drifted answers"

    def detection(self) -> str:
        """The incident the playbook rolls back for (the auto-rollback starts in the
        transaction that opens it); a fault that worsens may open a second one (HighErrorRate,
        then ServiceDown), so detection is timed from the first."""
        params = {"service": SERVICE}
        rb = self.wait_for(
            "an incident with an automatic rollback",
            lambda: next(iter(self.api.get("/api/v1/rollbacks", params=params).json()), None),
        )
        opened = self.api.get("/api/v1/incidents", params=params).json()
        first = min(opened, key=lambda i: i["detected_at"])
        self.incident_id = rb["incident_id"]
        incident = self.detail()
        self.out["incident_id"], self.out["severity"] = incident["id"], incident["severity"]
        self.out["detected_after_s"] = round(_ts(first["detected_at"]) - self.onset, 2)
        return (
            f"{self.out['detected_after_s']}s: {incident['id']} {incident['severity']} "
            f"({incident['title'][:60]})"
        )

    def _pages(self, level: int) -> list[Any]:
        return [
            d
            for d in self.pager.deliveries
            if d.incident_id == self.incident_id and (d.level or 0) >= level
        ]

    def paged(self) -> str:
        first = self.wait_for("a page", lambda: self._pages(0))[0]
        self.out["paged_after_s"] = round(first.at - self.onset, 2)
        return f"{self.out['paged_after_s']}s: {first.person} (log channel + signed webhook)"

    def escalated(self) -> str:
        page = self.wait_for("an escalation", lambda: self._pages(1), timeout=30)[0]
        self.out["escalated_to"] = page.person
        return f"level {page.level}: {page.person} paged"

    def acknowledge(self) -> str:
        who = self.out["escalated_to"]
        body = {"message": f"{who} (secondary on-call) is on it"}
        r = self.api.post(f"/api/v1/incidents/{self.incident_id}/acknowledge", json=body)
        r.raise_for_status()
        self.out["acknowledged_by"] = who
        ack = r.json()["acknowledged_at"]
        return f"by {who}, {round(_ts(ack) - self.onset, 1)}s after onset; paging stops"

    def rollback(self) -> str:
        params = {"service": SERVICE}
        rb = self.wait_for(
            "the rollback to finish",
            lambda: next(
                (
                    r
                    for r in self.api.get("/api/v1/rollbacks", params=params).json()
                    if r["state"] in FINAL
                ),
                None,
            ),
        )
        requested, finished = _ts(rb["requested_at"]), _ts(rb["finished_at"])
        switched = _ts(rb["switched_at"]) if rb["switched_at"] else None
        self.out["rollback_status"] = rb["state"]
        self.out["rollback_switch_ms"] = (
            round((switched - requested) * 1000, 1) if switched else None
        )
        self.out["rollback_verified_after_s"] = round(finished - requested, 2)
        if rb["state"] != "succeeded":
            raise RuntimeError(f"rollback {rb['state']}: {rb['reason']}")
        return (
            f"to {rb['to_version']}: switched in {self.out['rollback_switch_ms']} ms, "
            f"verified after {self.out['rollback_verified_after_s']}s"
        )

    def resolved(self) -> str:
        detail = self.wait_for(
            "resolution", lambda: (lambda d: d if d["resolved_at"] else None)(self.detail())
        )
        self.out["incident_status"] = detail["status"]
        self.out["resolved_after_s"] = round(_ts(detail["resolved_at"]) - self.onset, 2)
        by = [
            e["actor"]
            for e in detail["timeline"]
            if e["kind"] == "status" and e["data"].get("to") == "resolved"
        ]
        self.out["resolved_by"] = by[-1] if by else None
        return f"{self.out['resolved_after_s']}s after onset, by {self.out['resolved_by']}"
