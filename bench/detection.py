"""Detection measured live: false incidents and detection time of warroom's own detectors.

A real `warroom serve` (SQLite, the shipped playbook with automatic rollback off so that
detection is measured alone) fronts one real scikit-learn model per service; every service
is served at once, each by its own client thread over real HTTP, with 1 % background errors
and 0.5-3 ms of latency jitter in the model call, and a feedback label for every answer (on
time, or ``--late`` seconds later). Each fault scenario starts once its service's baseline
has its accuracy, and is timed from that onset to the first incident opened on its service.
Incidents on the healthy services, or on any service before its onset, are false incidents;
more than one incident for one fault is counted too.

    PYTHONPATH=src .venv/bin/python bench/detection.py [--late 300] [--rate 10]
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import warroom_server  # noqa: E402
from tests.support.models import sample_rows, train  # noqa: E402

from warroom.playbook.loader import default_playbook_text  # noqa: E402


@dataclass
class Scenario:
    name: str
    rate: float = 10.0  # requests/s
    fault: str | None = None  # what starts at onset (see Driver.start_fault)
    late: bool = False
    deadline: float = 240.0  # seconds after onset before it counts as missed
    onset: float | None = None
    state: dict[str, Any] = field(default_factory=dict)


def scenarios(rate: float, late: float) -> list[Scenario]:
    return [
        Scenario("healthy", rate),
        Scenario("healthy-busy", rate * 2),
        Scenario("low-traffic", 1.0),
        Scenario("sudden-errors", rate, "errors"),
        Scenario("error-creep", rate, "creep"),
        Scenario("latency", rate, "latency"),
        Scenario("latency-low-traffic", 1.0, "latency"),
        Scenario("accuracy-on-time", rate, "labels"),
        Scenario("accuracy-late", rate, "labels", late=True, deadline=late + 300),
        Scenario("output-drift", rate, "drift"),
        Scenario("input-noise", rate, "noise"),
        Scenario("bad-canary", rate, "canary"),
    ]


class Driver:
    """One service's traffic: predictions at ``rate``, labels on time or late."""

    def __init__(self, url: str, admin: httpx.Client, s: Scenario, late_s: float, seed: int):
        self.url, self.api, self.s, self.late_s = url, admin, s, late_s
        self.rows, self.labels = sample_rows(4000, seed=seed)
        self.std = self.rows.std(axis=0)
        self.rng = np.random.default_rng(seed)
        self.flip = 0.0  # share of labels that say the answer was wrong (silent drop)
        self.noise = 0.0  # sensor noise on inputs, in feature standard deviations
        self.due: list[tuple[float, int, int]] = []
        self.due_lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        # Labels go out from their own thread, so that a busy server delays neither the
        # requests nor the labels that fall due meanwhile.
        self.labeller = threading.Thread(target=self.label, daemon=True)

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            i, t = 0, time.monotonic()
            while not self.stop.is_set():
                self.one(client, i)
                i += 1
                # Poisson arrivals: the gaps jitter as real traffic does.
                t += self.rng.exponential(1 / self.s.rate)
                time.sleep(max(0.0, t - time.monotonic()))

    def one(self, client: httpx.Client, i: int) -> None:
        row = self.rows[i % len(self.rows)]
        if self.noise:
            row = row + self.rng.normal(0, self.noise, row.size) * self.std
        r = client.post(f"/v1/models/{self.s.name}/predict", json={"features": row.tolist()})
        if r.status_code != 200:
            return
        label = int(self.labels[i % len(self.labels)])
        if self.flip and self.rng.random() < self.flip:
            label = 1 - int(r.json()["prediction"])  # the world changed, the answers did not
        at = time.monotonic() + (self.late_s if self.s.late else 0.0)
        with self.due_lock:
            heapq.heappush(self.due, (at, r.json()["request_id"], label))

    def label(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self.stop.wait(0.05):
                while True:
                    with self.due_lock:
                        if not self.due or self.due[0][0] > time.monotonic():
                            break
                        _, request_id, label = heapq.heappop(self.due)
                    body = {"request_id": request_id, "label": label}
                    client.post(f"/v1/models/{self.s.name}/feedback", json=body)

    def fault(self, kind: str, **extra: float) -> None:
        body = {"kind": kind, "note": "bench", **extra}
        self.api.put(f"/v1/admin/services/{self.s.name}/fault", json=body).raise_for_status()

    def start_fault(self) -> None:
        kind = self.s.fault
        if kind == "errors":
            self.fault("error-burst", error_rate=0.5)
        elif kind == "latency":
            self.fault("latency", delay_ms=300)
        elif kind == "drift":
            self.fault("drift", drift=0.6)  # less confident, fewer positives
        elif kind == "labels":
            self.flip = 0.3
        elif kind == "noise":
            self.noise = 3.0
        elif kind == "canary":
            body = {"version": "v2", "artifact": "tests.support.models:flaky", "weight": 10}
            self.api.post(f"/api/v1/services/{self.s.name}/versions", json=body)
            weights = {"weights": {"v1": 90, "v2": 10}}
            self.api.put(f"/v1/admin/services/{self.s.name}/weights", json=weights)
        elif kind == "creep":  # a release whose errors creep up 2 points every 15 s
            body = {"version": "v2", "artifact": "tests.support.models:creeping", "weight": 100}
            self.api.post(f"/api/v1/services/{self.s.name}/versions", json=body)


def ts(text: str) -> float:
    return datetime.fromisoformat(text).astimezone(UTC).timestamp()


def wait(check: Callable[[], Any], timeout: float, poll: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(poll)
    return None


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bench-detect-"))
    model = train(work / "model.joblib")
    playbook = work / "playbook.yaml"
    playbook.write_text(
        default_playbook_text().replace("  auto:\n    enabled: true", "  auto:\n    enabled: false")
    )
    env = {
        "WARROOM_PLAYBOOK": str(playbook),
        "WARROOM_GATEWAY_FAULTS_ENABLED": "true",
        "WARROOM_BENCH_MODEL": str(model),
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1] / "src"), "."]),
    }
    all_s = [s for s in scenarios(args.rate, args.late) if not args.only or s.name in args.only]
    started = time.time()
    with warroom_server(**env) as wr:
        api = httpx.Client(
            base_url=wr.url, headers={"Authorization": f"Bearer {wr.token}"}, timeout=30
        )
        drivers = []
        for n, s in enumerate(all_s):
            api.post("/api/v1/services", json={"name": s.name}).raise_for_status()
            v1 = {"version": "v1", "artifact": "tests.support.models:noisy"}
            api.post(f"/api/v1/services/{s.name}/versions", json=v1).raise_for_status()
            api.post(f"/api/v1/services/{s.name}/versions/v1/stable").raise_for_status()
            drivers.append(Driver(wr.url, api, s, args.late, seed=n))
        for d in drivers:
            d.thread.start()
            d.labeller.start()
        try:
            watch(api, drivers, started, args)
        finally:
            for d in drivers:
                d.stop.set()
            for d in drivers:
                d.thread.join(timeout=30)
                d.labeller.join(timeout=30)
        incidents = api.get("/api/v1/incidents", params={"limit": 500}).json()
    return judge(all_s, incidents, started)


def watch(
    api: httpx.Client, drivers: list[Driver], started: float, args: argparse.Namespace
) -> None:
    """Start each fault once its baseline has accuracy; run until every fault is detected or
    past its deadline, and for at least ``--healthy`` seconds."""
    pending = {d.s.name: d for d in drivers if d.s.fault}
    while True:
        now = time.time()
        for name, d in list(pending.items()):
            if d.s.onset is None:
                base = api.get(f"/api/v1/services/{name}/baseline")
                if base.status_code == 200 and base.json()["accuracy"] is not None:
                    d.s.onset = time.time()
                    d.start_fault()
                    print(f"{now - started:6.0f}s onset {name}", flush=True)
                continue
            opened = api.get("/api/v1/incidents", params={"service": name}).json()
            if any(ts(i["detected_at"]) >= d.s.onset for i in opened):
                print(f"{now - started:6.0f}s detected {name}", flush=True)
                del pending[name]
            elif now - d.s.onset > d.s.deadline:
                print(f"{now - started:6.0f}s missed {name}", flush=True)
                del pending[name]
        if not pending and now - started >= args.healthy:
            return
        time.sleep(1)


def judge(all_s: list[Scenario], incidents: list[dict[str, Any]], started: float) -> dict[str, Any]:
    out: dict[str, Any] = {"per_scenario": {}}
    detected, missed, false = [], [], 0
    for s in all_s:
        mine = sorted(
            (i for i in incidents if i["service"] == s.name), key=lambda i: i["detected_at"]
        )
        before = [i for i in mine if s.onset is None or ts(i["detected_at"]) < s.onset]
        after = [i for i in mine if s.onset is not None and ts(i["detected_at"]) >= s.onset]
        false += len(before) + max(0, len(after) - 1)
        row: dict[str, Any] = {"false_incidents": len(before), "extra": max(0, len(after) - 1)}
        if s.fault:
            onset = s.onset or 0.0
            in_time = after and ts(after[0]["detected_at"]) - onset <= s.deadline
            hit = after[0] if in_time else None
            if hit:
                secs = ts(hit["detected_at"]) - (s.onset or 0)
                detected.append(secs)
                row.update(detect_s=round(secs, 1), severity=hit["severity"], title=hit["title"])
            else:
                missed.append(s.name)
                row["detect_s"] = None
        for i in before:
            row.setdefault("false", []).append(f"{i['severity']} {i['title'][:90]}")
        out["per_scenario"][s.name] = row
    out.update(
        scenarios=len(all_s),
        detected=len(detected),
        missed=len(missed),
        false_incidents=false,
        median_detect_s=round(statistics.median(detected), 1) if detected else None,
        minutes=round((time.time() - started) / 60, 1),
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--late", type=float, default=300.0, help="late labels, seconds")
    parser.add_argument("--rate", type=float, default=10.0, help="requests/s per service")
    parser.add_argument("--healthy", type=float, default=600.0, help="minimum run, seconds")
    parser.add_argument("--only", nargs="*", help="run these scenarios only (a quick look)")
    args = parser.parse_args()
    result = run(args)
    print(datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), f"{result['minutes']} min live")
    for name, row in result["per_scenario"].items():
        print(f"  {name:18} {json.dumps(row)}")
    print(
        json.dumps(
            {k: result[k] for k in ("scenarios", "detected", "missed", "false_incidents")}
            | {"median_detect_s": result["median_detect_s"]}
        )
    )


if __name__ == "__main__":
    main()
