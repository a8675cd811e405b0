"""In-process cost of opening incidents: one alert of a new service per call of
``ingest_batch`` (the first page's path), and the same alerts 50 parts at a time through
``ingest_parts`` (as a pass over the intake log ingests a storm), on a temporary SQLite
database, or with ``--database postgresql`` a fresh database on the local PostgreSQL
(WARROOM_BENCH_POSTGRES_URL or WARROOM_TEST_POSTGRES_URL names the server).

    .venv/bin/python bench/open_cost.py [--incidents 300] [--profile single|parts]
        [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import postgres_database  # noqa: E402

import warroom.api.app  # noqa: E402, F401  (loads every model)
from warroom.alerts.models import AlertCreate  # noqa: E402
from warroom.bootstrap import bootstrap  # noqa: E402
from warroom.config import Settings  # noqa: E402
from warroom.intake.batch import ingest_batch  # noqa: E402
from warroom.intake.service import Part, ingest_parts  # noqa: E402


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


@contextmanager
def database(kind: str) -> Iterator[str | None]:
    """None (the home's SQLite file) or the URL of a fresh PostgreSQL database."""
    if kind == "sqlite":
        yield None
        return
    server = os.environ.get("WARROOM_BENCH_POSTGRES_URL") or os.environ.get(
        "WARROOM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    with postgres_database(server) as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=300)
    parser.add_argument("--profile", choices=["single", "parts"], default=None)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, database(args.database) as url:
        settings = Settings(home=Path(home), **({"database_url": url} if url else {}))
        container = bootstrap(settings, migrate=True)
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
    figures: dict[str, object] = {
        "database": args.database,
        "single_ms_p50": round(statistics.median(one), 2),
        "parts50_ms_per_incident": round(statistics.median(many), 2),
    }
    print(f"one incident per ingest_batch: p50 {figures['single_ms_p50']} ms")
    print(f"50 parts per pass: {figures['parts50_ms_per_incident']} ms per incident")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
