"""Releases measured live: how fast a bad candidate is stopped and how many users it served,
against what an Argo-style analysis would have let through; false aborts of good candidates.

A real `warroom serve` (SQLite; warroom's detectors off, so the release alone decides)
serves a real scikit-learn model as v1 at ``--rate`` requests/s from one client, with 1 %
background errors and 0.5-3 ms of jitter in every model call, and an on-time label for every
answer. Releases use shortened intervals (steps 10,25,50,100, ``--interval`` each).

- errors: the candidate fails 30 % of its calls; accuracy: it is about 20 points less
  accurate. Each prints seconds from the release request to its abort, and the user
  requests the candidate answered before that.
- Argo-style: an AnalysisTemplate on the success rate (>= 95 %), measured every minute,
  failureLimit 1 (the run fails at the second failed measurement), on the same traffic: it
  aborts after 2 minutes at the first step's weight, and never for an accuracy drop (a
  success rate cannot see wrong answers), so the candidate serves through the rollout.
- good: ``--good`` releases of a retrained twin, each to promotion; prints the time to
  promotion and the releases aborted (false aborts, must be 0).

    PYTHONPATH=src .venv/bin/python bench/release.py [--rate 60] [--interval 3s] [--good 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import warroom_server  # noqa: E402
from tests.support.models import sample_rows, train  # noqa: E402

from warroom.playbook.loader import default_playbook_text  # noqa: E402

STEPS = [10, 25, 50, 100]


class Client:
    """Traffic at ``rate`` with an on-time label per answer; counts answers per version."""

    def __init__(self, url: str, service: str, rate: float):
        self.url, self.service, self.rate = url, service, rate
        self.rows, self.truth = sample_rows(4000, seed=7)
        self.served: dict[str, int] = {}
        self.sent = 0
        self.started = time.monotonic()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            i, next_at = 0, time.monotonic()
            while not self.stop.is_set():
                row, truth = self.rows[i % 4000], int(self.truth[i % 4000])
                r = client.post(
                    f"/v1/models/{self.service}/predict", json={"features": row.tolist()}
                )
                self.sent += 1
                if r.status_code == 200:
                    body = r.json()
                    self.served[body["version"]] = self.served.get(body["version"], 0) + 1
                    client.post(
                        f"/v1/models/{self.service}/feedback",
                        json={"request_id": body["request_id"], "label": truth},
                    )
                else:
                    version = "error"
                    self.served[version] = self.served.get(version, 0) + 1
                i += 1
                next_at += 1 / self.rate
                time.sleep(max(0.0, next_at - time.monotonic()))

    def observed_rate(self) -> float:
        return self.sent / max(1e-9, time.monotonic() - self.started)

    def __enter__(self) -> Client:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


def release(api: httpx.Client, service: str, version: str, artifact: str, interval: str) -> int:
    body = {"version": version, "artifact": artifact, "steps": STEPS, "interval": interval}
    r = api.post(f"/api/v1/services/{service}/releases", json=body)
    r.raise_for_status()
    return int(r.json()["id"])


def wait_final(api: httpx.Client, release_id: int, timeout: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = api.get(f"/api/v1/releases/{release_id}").json()
        if row["state"] in ("promoted", "aborted"):
            return dict(row)
        time.sleep(0.02)
    raise SystemExit(f"release {release_id} did not finish")


def service(api: httpx.Client, name: str, model: Path) -> None:
    api.post("/api/v1/services", json={"name": name}).raise_for_status()
    v1 = {"version": "v1", "artifact": str(model)}
    api.post(f"/api/v1/services/{name}/versions", json=v1).raise_for_status()


def bad(api: httpx.Client, url: str, name: str, artifact: str, args: Any) -> dict[str, float]:
    """One bad candidate: seconds to abort and the user requests it answered."""
    with Client(url, name, args.rate) as users:
        time.sleep(3)  # the stable version's traffic before the release
        t0 = time.monotonic()
        row = wait_final(api, release(api, name, "v2", artifact, args.interval))
        abort_s = time.monotonic() - t0
        time.sleep(0.5)  # answers still in flight when the abort was seen
        rate = users.observed_rate()
    # Every user request the candidate handled, answered or failed (the gateway's count).
    stats = api.get(f"/v1/admin/services/{name}/stats", params={"version": "v2"}).json()
    served = int(stats["versions"]["v2"]["count"])
    print(
        f"{name}: {row['state']} after {abort_s:.1f} s at step {row['step'] + 1} "
        f"({row['reason'][:120]}); the candidate handled {served} user requests "
        f"({users.served.get('v2', 0)} answered)"
    )
    return {
        "abort_s": abort_s,
        "served": served,
        "rate": rate,
        "aborted": row["state"] == "aborted",
    }


def argo_errors(rate: float) -> float:
    """Requests a 30 %-error candidate serves under the Argo-style analysis: two failed
    1-minute measurements at the first step's 10 % before the run fails."""
    return rate * STEPS[0] / 100 * 120


def argo_accuracy(rate: float, interval_s: float) -> str:
    return (
        f"never aborts (success rate {1 - 0.01:.0%} >= 95 %): promoted after "
        f"{len(STEPS)} steps, then serves every request ({rate * 3600:.0f} per hour at 100 %)"
    )


def good(api: httpx.Client, url: str, work: Path, args: Any) -> tuple[int, list[float]]:
    service(api, "good", train(work / "g1.joblib"))
    aborted, times = 0, []
    with Client(url, "good", args.rate):
        time.sleep(3)
        for n in range(args.good):
            model = train(work / f"g{n + 2}.joblib", seed=n + 1)
            t0 = time.monotonic()
            row = wait_final(api, release(api, "good", f"v{n + 2}", str(model), args.interval))
            times.append(time.monotonic() - t0)
            aborted += row["state"] == "aborted"
            if row["state"] == "aborted":
                print(f"false abort: release {row['id']}: {row['reason']}")
    return aborted, times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=60.0)
    parser.add_argument("--interval", default="3s")
    parser.add_argument("--good", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-release-"))
    model = train(work / "v1.joblib")
    playbook = work / "playbook.yaml"
    text = default_playbook_text()
    text = text.replace(
        "  min_requests: 100\n  max_error_increase", "  min_requests: 50\n  max_error_increase"
    )
    playbook.write_text(text + "\ndetection:\n  enabled: false\n  min_labels: 50\n")
    env = {
        "WARROOM_PLAYBOOK": str(playbook),
        "WARROOM_BENCH_MODEL": str(model),
        "WARROOM_RELEASE_TICK": "0.2",
    }
    with warroom_server(**env) as wr:
        api = httpx.Client(base_url=wr.url, headers={"Authorization": f"Bearer {wr.token}"})
        service(api, "errors", model)
        service(api, "accuracy", model)
        errors = bad(api, wr.url, "errors", "tests.support.models:erroring", args)
        accuracy = bad(api, wr.url, "accuracy", "tests.support.models:less_accurate", args)
        argo = argo_errors(errors["rate"])
        print(
            f"Argo-style analysis on the same traffic ({errors['rate']:.0f} req/s): 30 % errors "
            f"→ aborts after 120 s, {argo:.0f} requests served by the candidate; 20-point "
            f"accuracy drop → {argo_accuracy(accuracy['rate'], 0)}"
        )
        false_aborts, times = good(api, wr.url, work, args)
    print(
        f"good: {args.good} releases, {false_aborts} aborted; time to promotion median "
        f"{statistics.median(times):.1f} s, max {max(times):.1f} s"
    )
    print(
        json.dumps(
            {
                "bad_abort_s": round(errors["abort_s"], 2),
                "bad_requests_served": errors["served"],
                "accuracy_abort_s": round(accuracy["abort_s"], 2),
                "accuracy_requests_served": accuracy["served"],
                "argo_style_requests_served": round(argo),
                "good_promotion_s": round(statistics.median(times), 2),
                "good_false_aborts": false_aborts,
            }
        )
    )


if __name__ == "__main__":
    main()
