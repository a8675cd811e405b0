"""In-process cost of opening incidents: one alert of a new service per call of
``ingest_batch`` (the first page's path), and the same alerts 50 parts at a time through
``ingest_parts`` (as group commit ingests a storm), on a temporary SQLite database.

    .venv/bin/python bench/open_cost.py [--incidents 300] [--profile single|parts]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import warroom.api.app  # noqa: F401  (loads every model)
from warroom.alerts.models import AlertCreate
from warroom.bootstrap import bootstrap
from warroom.config import Settings
from warroom.intake.batch import ingest_batch
from warroom.intake.service import Part, ingest_parts


def alert(n: int, tag: str) -> AlertCreate:
    return AlertCreate(
        name="HighErrorRate",
        service=f"svc-{tag}-{n}",
        source="prometheus",
        fingerprint=f"fp-{tag}-{n}",
        severity="critical",
        metrics={"error_rate": 0.4},
        starts_at=datetime.now(UTC),
    )


def single(container: object, count: int) -> list[float]:
    took = []
    for n in range(count):
        start = time.perf_counter()
        ingest_batch(container, [alert(n, "one")], actor="bench")  # type: ignore[arg-type]
        took.append((time.perf_counter() - start) * 1000)
    return took


def parts(container: object, count: int, size: int = 50) -> list[float]:
    took = []
    for at in range(0, count, size):
        chunk = [Part([alert(n, "parts")], "bench") for n in range(at, at + size)]
        start = time.perf_counter()
        with container.db.session() as session:  # type: ignore[attr-defined]
            ingest_parts(
                session=session,
                parts=chunk,
                playbook=container.playbook,  # type: ignore[attr-defined]
                now=container.clock(),  # type: ignore[attr-defined]
            )
        took.append((time.perf_counter() - start) * 1000 / size)
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=300)
    parser.add_argument("--profile", choices=["single", "parts"], default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        container = bootstrap(Settings(home=Path(home)), migrate=True)
        single(container, 20)  # warm up
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            (single if args.profile == "single" else parts)(container, args.incidents)
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False, show_all=False))
            container.close()
            return
        one = single(container, args.incidents)
        many = parts(container, args.incidents)
        container.close()
    figures = {
        "single_ms_p50": round(statistics.median(one), 2),
        "parts50_ms_per_incident": round(statistics.median(many), 2),
    }
    print(f"one incident per ingest_batch: p50 {figures['single_ms_p50']} ms")
    print(f"50 parts per pass: {figures['parts50_ms_per_incident']} ms per incident")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
