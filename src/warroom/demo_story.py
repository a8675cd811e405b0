"""The model part of `warroom demo`: a real model goes bad and warroom handles it.

v1, a scikit-learn classifier trained on the breast-cancer data bundled with scikit-learn,
serves and is marked stable; v2 (the same model behind a broken feature pipeline) takes the
traffic; warroom's detectors open an incident, the playbook rolls back automatically, the
rollback is verified, and a postmortem is drafted from the record. Nothing here tells warroom
what to do: the demo only drives traffic and watches.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx

from warroom.cli.common import console

SERVICE = "loan-approval"


def train(home: Path) -> tuple[Path, Path, Any, Any]:
    import joblib
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from warroom.demo_model import BrokenRelease

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
                r = client.post(
                    f"/v1/models/{SERVICE}/predict",
                    json={"features": self.x[i % len(self.x)].tolist()},
                )
                if r.status_code == 200:
                    client.post(
                        f"/v1/models/{SERVICE}/feedback",
                        json={
                            "request_id": r.json()["request_id"],
                            "label": int(self.y[i % len(self.y)]),
                        },
                    )
                i += 4
                time.sleep(max(0.0, 4 / self.rate - (time.perf_counter() - t)))

    def __enter__(self) -> Traffic:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=10)


def wait_for(what: str, check: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not happen within {timeout:.0f}s")


def run(api: httpx.Client, home: Path) -> dict[str, Any]:
    """The story; returns the summary figures."""
    v1, v2, x, y = train(home)
    api.post("/api/v1/services", json={"name": SERVICE}).raise_for_status()
    api.post(
        f"/api/v1/services/{SERVICE}/versions", json={"version": "v1", "artifact": str(v1)}
    ).raise_for_status()
    api.post(f"/api/v1/services/{SERVICE}/versions/v1/stable").raise_for_status()
    console.print(
        f"[green]→[/green] {SERVICE} v1 (scikit-learn, breast-cancer data) serves, marked stable"
    )
    out: dict[str, Any] = {}
    with Traffic(str(api.base_url), x, y):
        wait_for(
            "v1 baseline",
            lambda: api.get(f"/api/v1/services/{SERVICE}/baseline").status_code == 200,
        )
        console.print("[green]→[/green] detectors captured v1's baseline from live traffic")
        onset = time.time()
        api.post(
            f"/api/v1/services/{SERVICE}/versions",
            json={"version": "v2", "artifact": str(v2), "weight": 100},
        ).raise_for_status()
        console.print(
            "[red]→[/red] v2 deployed to 100% (broken feature pipeline: errors, slow, drifted)"
        )
        incident = wait_for(
            "an incident",
            lambda: next(
                iter(api.get("/api/v1/incidents", params={"service": SERVICE}).json()), None
            ),
        )
        out["incident_id"], out["severity"] = incident["id"], incident["severity"]
        out["detected_after_s"] = round(time.time() - onset, 2)
        console.print(
            f"[green]→[/green] {out['detected_after_s']}s: incident {incident['id']} "
            f"{incident['severity']}: {incident['title']}"
        )
        rb = wait_for(
            "an automatic rollback",
            lambda: next(
                iter(api.get("/api/v1/rollbacks", params={"service": SERVICE}).json()), None
            ),
        )
        console.print(
            f"[green]→[/green] playbook: automatic rollback {rb['id']} to {rb['to_version']}"
        )
        rb = wait_for(
            "the rollback to finish",
            lambda: (
                lambda r: r if r["state"] in ("succeeded", "failed", "timed_out", "error") else None
            )(api.get(f"/api/v1/rollbacks/{rb['id']}").json()),
        )
        finished = time.time()
    from datetime import datetime

    requested = datetime.fromisoformat(rb["requested_at"]).timestamp()
    switched = datetime.fromisoformat(rb["switched_at"]).timestamp() if rb["switched_at"] else None
    out["rollback_status"] = rb["state"]
    out["rollback_switch_ms"] = round((switched - requested) * 1000, 1) if switched else None
    out["rollback_verified_after_s"] = round(finished - requested, 2)
    console.print(
        f"[green]→[/green] rollback {rb['state']}: switched in {out['rollback_switch_ms']} ms, "
        f"verified after {out['rollback_verified_after_s']}s ({rb['reason']})"
    )
    detail = api.get(f"/api/v1/incidents/{incident['id']}").json()
    out["incident_status"] = detail["status"]
    pm = api.post(f"/api/v1/incidents/{incident['id']}/postmortem", json={})
    if pm.status_code < 300:
        md = api.get(
            f"/api/v1/incidents/{incident['id']}/postmortem/export", params={"format": "md"}
        )
        path = home / "postmortems" / f"{incident['id']}-postmortem.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(md.text)
        out["postmortem_path"] = str(path)
        console.print(f"[green]→[/green] postmortem draft: {path}")
    return out
