"""A slow model must not slow down its neighbours on the same gateway.

Through one `warroom serve`: the p50 and p99 latency of a fast service (a real scikit-learn
model in-process, one client sending requests one after another), first alone, then while a
slow neighbour (every call takes 300 ms in-process) is kept busy by 8 concurrent clients.

    .venv/bin/python bench/gateway_isolation.py [--requests 400]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import post_many, warroom_server  # noqa: E402
from tests.support.models import sample_rows, train  # noqa: E402


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def fast_latencies(url: str, bodies: list[bytes]) -> list[float]:
    _, latencies = asyncio.run(post_many(url, bodies, concurrency=1))
    return latencies


def keep_busy(url: str, stop: threading.Event) -> None:
    body = [json.dumps({"features": [1.0]}).encode()] * 8
    while not stop.is_set():
        asyncio.run(post_many(url, body, concurrency=8))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-isolation-"))
    model = train(work / "model.joblib")
    rows, _ = sample_rows(200)
    bodies = [
        json.dumps({"features": rows[i % len(rows)].tolist()}).encode()
        for i in range(args.requests)
    ]
    with warroom_server() as wr:
        headers = {"Authorization": f"Bearer {wr.token}"}
        api = httpx.Client(base_url=wr.url, headers=headers, timeout=60)
        for name, artifact in (("fast", str(model)), ("slow", "tests.support.models:slow")):
            api.post("/api/v1/services", json={"name": name}).raise_for_status()
            body = {"version": "v1", "artifact": artifact}
            api.post(f"/api/v1/services/{name}/versions", json=body).raise_for_status()
        fast_url = f"{wr.url}/v1/models/fast/predict"
        fast_latencies(fast_url, bodies[:100])  # warm-up
        alone = fast_latencies(fast_url, bodies)
        stop = threading.Event()
        neighbour = threading.Thread(
            target=keep_busy, args=(f"{wr.url}/v1/models/slow/predict", stop), daemon=True
        )
        neighbour.start()
        try:
            beside = fast_latencies(fast_url, bodies)
        finally:
            stop.set()
            neighbour.join(timeout=30)
    figures = {
        "fast_alone_p50_ms": round(statistics.median(alone), 2),
        "fast_alone_p99_ms": round(percentile(alone, 99), 2),
        "fast_with_slow_neighbour_p50_ms": round(statistics.median(beside), 2),
        "fast_with_slow_neighbour_p99_ms": round(percentile(beside, 99), 2),
    }
    print(
        f"fast service alone: p50 {figures['fast_alone_p50_ms']} ms, "
        f"p99 {figures['fast_alone_p99_ms']} ms ({len(alone)} requests)"
    )
    print(
        "beside a slow neighbour (300 ms per call, 8 clients): "
        f"p50 {figures['fast_with_slow_neighbour_p50_ms']} ms, "
        f"p99 {figures['fast_with_slow_neighbour_p99_ms']} ms"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
