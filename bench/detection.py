"""Detection speed and false alarms of warroom's own detectors.

1. Live: `warroom serve` fronts a real scikit-learn model at 50 requests/s; at fault onset a
   new version with 50 % errors takes the traffic. Prints the time from onset to the incident
   opening (target < 5 s).
2. Simulated: one hour of healthy traffic at 50 requests/s with a 1 % background error rate
   through the same windows and detectors on a simulated clock, a detector tick every second.
   Prints the incidents that would have opened (target 0).
3. The seeds' stack (Prometheus scraping every 15 s, a rule with `for: 5m`, Alertmanager
   group_wait 30 s), computed: mean scrape delay 7.5 s + mean rule evaluation delay 7.5 s
   (15 s interval) + 300 s pending + 30 s group_wait = 345 s; and the ratio.

    .venv/bin/python bench/detection.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import warroom_server  # noqa: E402
from tests.support.models import sample_rows, train  # noqa: E402

from warroom.detect.detectors import detect  # noqa: E402
from warroom.detect.windows import OutcomeWindow  # noqa: E402
from warroom.gateway.detection import observe  # noqa: E402
from warroom.gateway.runtime import VersionRuntime  # noqa: E402
from warroom.playbook.loader import default_playbook_text, load_playbook  # noqa: E402

RATE = 50
SEED_STACK_S = 15 / 2 + 15 / 2 + 300 + 30


def live_detection_s() -> float:
    work = Path(tempfile.mkdtemp(prefix="bench-detect-"))
    playbook = work / "playbook.yaml"
    # Measure detection alone: no automatic rollback moving traffic away.
    text = default_playbook_text().replace(
        "  auto:\n    enabled: true", "  auto:\n    enabled: false"
    )
    playbook.write_text(text)
    model = train(work / "v1.joblib")
    rows, _ = sample_rows(500)
    with warroom_server(WARROOM_PLAYBOOK=str(playbook)) as wr:
        api = httpx.Client(base_url=wr.url, headers={"Authorization": f"Bearer {wr.token}"})
        api.post("/api/v1/services", json={"name": "fraud"}).raise_for_status()
        v1 = {"version": "v1", "artifact": str(model)}
        api.post("/api/v1/services/fraud/versions", json=v1).raise_for_status()
        stop = threading.Event()

        def drive() -> None:
            with httpx.Client(base_url=wr.url, timeout=10) as client:
                i = 0
                while not stop.is_set():
                    t = time.perf_counter()
                    client.post(
                        "/v1/models/fraud/predict", json={"features": rows[i % 500].tolist()}
                    )
                    i += 1
                    time.sleep(max(0.0, 1 / RATE - (time.perf_counter() - t)))

        thread = threading.Thread(target=drive, daemon=True)
        thread.start()
        time.sleep(5)  # healthy traffic first
        onset = time.time()
        v2 = {"version": "v2", "artifact": "tests.support.models:flaky", "weight": 100}
        api.post("/api/v1/services/fraud/versions", json=v2).raise_for_status()
        try:
            while True:
                incidents = api.get("/api/v1/incidents", params={"service": "fraud"}).json()
                if incidents:
                    detected = time.time() - onset
                    print(
                        f"incident {incidents[0]['id']} ({incidents[0]['severity']}): "
                        f"{incidents[0]['title']}"
                    )
                    return detected
                if time.time() - onset > 120:
                    raise SystemExit("no incident within 120 s")
                time.sleep(0.05)
        finally:
            stop.set()
            thread.join()


def simulated_false_incidents(hours: float = 1.0, error_rate: float = 0.01) -> int:
    policy = load_playbook().detection
    window = OutcomeWindow()
    version = VersionRuntime("v1", 100, True, 0.5, None, None, window)
    rng = np.random.default_rng(42)
    t, opened, firing = 1_000_000.0, 0, set()
    request = 0
    for second in range(int(hours * 3600)):
        for i in range(RATE):
            ok = rng.random() >= error_rate
            window.add(
                at=t + second + i / RATE,
                ok=ok,
                latency_ms=2.0,
                probability=0.8 if ok else None,
                predicted=1 if ok else None,
                request=request,
            )
            request += 1
        now = t + second + 1
        names = {f.name for f in detect(observe(version, policy, now=now), None, policy)}
        opened += len(names - firing)
        firing = names
    return opened


def main() -> None:
    detect_s = live_detection_s()
    false = simulated_false_incidents()
    ratio = detect_s / SEED_STACK_S
    print(f"fault onset -> incident: {detect_s:.2f} s (target < 5 s)")
    print(f"false incidents over 1 simulated hour at 1% background errors: {false} (target 0)")
    print(
        f"seed stack (15 s scrape, for: 5m, group_wait 30 s): {SEED_STACK_S:.0f} s computed; "
        f"warroom takes {ratio:.3f} of that"
    )
    print(
        json.dumps(
            {
                "detect_s": round(detect_s, 2),
                "false_incidents_per_hour": false,
                "seed_stack_detect_s": SEED_STACK_S,
                "ratio_vs_seed_stack": round(ratio, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
