"""Embedded gateway throughput and overhead, with a real scikit-learn model in-process.

Prints requests/s through `warroom serve`'s gateway (4 concurrent HTTP clients), the latency
it adds over calling the model directly (p50 of a full HTTP round trip through the gateway
minus p50 of `predict_proba` on one row in this process), the in-process cost of the
gateway's routing and bookkeeping alone, and the cost per prediction of updating the outcome
windows and drift statistics.

    .venv/bin/python bench/gateway.py [--requests 6000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import joblib
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import post_many, warroom_server  # noqa: E402
from tests.support.models import sample_rows, train  # noqa: E402

from warroom.detect.drift import compare, profile  # noqa: E402
from warroom.detect.windows import OutcomeWindow  # noqa: E402


def p50(values: list[float]) -> float:
    return statistics.median(values)


def direct_ms(model: object, rows: np.ndarray, n: int = 2000) -> float:
    times = []
    for i in range(n):
        t = time.perf_counter()
        model.predict_proba([rows[i % len(rows)]])  # type: ignore[attr-defined]
        times.append((time.perf_counter() - t) * 1000)
    return p50(times)


def window_update_us(n: int = 200_000) -> float:
    w = OutcomeWindow()
    probs = np.random.default_rng(0).random(n)
    t = time.perf_counter()
    for i in range(n):
        w.add(
            at=time.time(),
            ok=True,
            latency_ms=1.0,
            probability=float(probs[i]),
            predicted=int(probs[i] > 0.5),
            request=i,
        )
    return (time.perf_counter() - t) / n * 1e6


def drift_check_ms(w_size: int = 1000) -> float:
    rng = np.random.default_rng(1)
    base = profile(rng.random(5000))
    t = time.perf_counter()
    for _ in range(100):
        compare(base, profile(rng.random(w_size)))
    return (time.perf_counter() - t) / 100 * 1000


def load(url: str, rows: np.ndarray, total: int, concurrency: int) -> tuple[float, list[float]]:
    bodies = [json.dumps({"features": rows[i % len(rows)].tolist()}).encode() for i in range(total)]
    return asyncio.run(post_many(url, bodies, concurrency=concurrency))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    model_path = train(work / "model.joblib")
    model = joblib.load(model_path)
    rows, _ = sample_rows(1000)
    direct = direct_ms(model, rows)
    with warroom_server() as wr:
        api = httpx.Client(base_url=wr.url, headers={"Authorization": f"Bearer {wr.token}"})
        api.post("/api/v1/services", json={"name": "bench"}).raise_for_status()
        body = {"version": "v1", "artifact": str(model_path)}
        api.post("/api/v1/services/bench/versions", json=body).raise_for_status()
        url = f"{wr.url}/v1/models/bench/predict"
        load(url, rows, 500, 4)  # warm-up
        elapsed, lat = load(url, rows, args.requests, 4)
        _, serial = load(url, rows, 1000, 1)
    rate = args.requests / elapsed
    added = p50(serial) - direct
    update_us = window_update_us()
    drift_ms = drift_check_ms()
    print(f"direct predict_proba (1 row): p50 {direct:.3f} ms")
    print(
        f"through the gateway, 1 client: p50 {p50(serial):.3f} ms -> adds {added:.3f} ms "
        f"(HTTP round trip included; target < 1 ms)"
    )
    print(f"throughput, 4 clients: {rate:,.0f} requests/s (target >= 1,500), p50 {p50(lat):.2f} ms")
    print(
        f"outcome window update: {update_us:.2f} us per prediction; drift check over the last "
        f"1,000 predictions: {drift_ms:.2f} ms per detector tick (not per request)"
    )
    print(
        json.dumps(
            {
                "requests_per_s": round(rate),
                "added_p50_ms": round(added, 3),
                "window_update_us": round(update_us, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
