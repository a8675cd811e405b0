"""Group commit on SQLite: batches that queue while one commits share the next transaction,
each caller gets its own result only after the commit, and a failing batch loses nobody
else's alerts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from tests.conftest import Clock
from warroom.alerts.models import Alert, AlertCreate
from warroom.bootstrap import Container
from warroom.intake import batch as batches
from warroom.intake.batch import ingest_batch
from warroom.intake.service import IngestResult


def alerts(tag: str, n: int = 5) -> list[AlertCreate]:
    return [
        AlertCreate.model_validate(
            {
                "source": "generic",
                "fingerprint": f"{tag}-{i}",
                "starts_at": "2026-11-23T12:00:00Z",
                "name": "HighErrorRate",
                "service": f"svc-{tag}",
                "metrics": {"error_rate": 0.2},
            }
        )
        for i in range(n)
    ]


def run_concurrently(jobs: Mapping[str, Callable[[], IngestResult]]) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def call(name: str, job: Callable[[], IngestResult]) -> None:
        try:
            out[name] = job()
        except Exception as exc:  # collected for the assertions
            out[name] = exc

    threads = [threading.Thread(target=call, args=item) for item in jobs.items()]
    for t in threads:
        t.start()
    return {"threads": threads, "out": out}


def sender(container: Container, tag: str) -> Callable[[], IngestResult]:
    return lambda: ingest_batch(container, alerts(tag), actor="t")


def queued(container: Container) -> int:
    return len(batches._group_for(container.db)._queue)


@pytest.fixture
def passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of batches in each one-pass ingest of a group, as they happen."""
    seen: list[int] = []
    one_pass = batches.ingest_parts

    def counted(**kwargs: Any) -> list[IngestResult]:
        seen.append(len(kwargs["parts"]))
        return one_pass(**kwargs)

    monkeypatch.setattr(batches, "ingest_parts", counted)
    return seen


def test_waiting_batches_share_one_commit(container: Container, passes: list[int]) -> None:
    if container.db.dialect != "sqlite":
        pytest.skip("group commit is for SQLite's serial, fsync-bound commits")
    commits = []
    event.listen(container.db.engine, "commit", lambda conn: commits.append(1))
    jobs = {
        f"b{i}": (lambda i=i: ingest_batch(container, alerts(f"b{i}"), actor="t")) for i in range(6)
    }
    lock = container.db._write_lock
    assert lock is not None
    with lock:  # the first batch's leader waits for the database; the rest queue behind it
        run = run_concurrently(jobs)
        deadline = time.monotonic() + 10
        while queued(container) < 5:
            assert time.monotonic() < deadline, "batches did not queue"
            time.sleep(0.01)
    for t in run["threads"]:
        t.join(timeout=10)
    results = run["out"]
    assert len(commits) == 2  # the first batch alone, then the five that waited together
    assert passes == [1, 5]  # ... in one pass: their alerts are all different
    with container.db.read() as session:
        stored = dict(session.execute(select(Alert.id, Alert.fingerprint)).all())
    for name, result in results.items():
        assert isinstance(result, IngestResult), result
        assert result.created == 5 and len(result.incidents_opened) == 1
        assert sorted(stored[i] for i in result.alert_ids) == sorted(
            f"{name}-{k}" for k in range(5)
        )


def test_a_failing_batch_loses_nobody_elses_alerts(container: Container) -> None:
    if container.db.dialect != "sqlite":
        pytest.skip("group commit is for SQLite's serial, fsync-bound commits")
    jobs = {f"ok{i}": sender(container, f"ok{i}") for i in range(4)}

    # An integration that does not exist violates a foreign key when the batch is stored.
    def bad() -> IngestResult:
        return ingest_batch(container, alerts("bad"), actor="t", integration_id=999)

    jobs["bad"] = bad
    lock = container.db._write_lock
    assert lock is not None
    with lock:
        run = run_concurrently(jobs)
        deadline = time.monotonic() + 10
        while queued(container) < 4:
            assert time.monotonic() < deadline, "batches did not queue"
            time.sleep(0.01)
    for t in run["threads"]:
        t.join(timeout=10)
    results = run["out"]
    assert isinstance(results["bad"], IntegrityError)
    with container.db.read() as session:
        count = session.scalar(select(func.count()).select_from(Alert))
    assert count == 20
    assert all(isinstance(results[f"ok{i}"], IngestResult) for i in range(4))


def test_batches_sharing_an_alert_are_ingested_one_after_another(
    container: Container, passes: list[int]
) -> None:
    """Queued batches carry the same alert: the group is not ingested in one pass, so each
    sees the one before it stored and counts a repeat, as if they came apart."""
    if container.db.dialect != "sqlite":
        pytest.skip("group commit is for SQLite's serial, fsync-bound commits")
    jobs = {name: sender(container, "same") for name in ("first", "second", "third")}
    lock = container.db._write_lock
    assert lock is not None
    with lock:
        run = run_concurrently(jobs)
        deadline = time.monotonic() + 10
        while queued(container) < 2:
            assert time.monotonic() < deadline, "batches did not queue"
            time.sleep(0.01)
    for t in run["threads"]:
        t.join(timeout=10)
    results = list(run["out"].values())
    assert all(isinstance(r, IngestResult) for r in results), results
    assert sorted(r.created for r in results) == [0, 0, 5]
    assert sorted(r.updated for r in results) == [0, 5, 5]
    assert sum(len(r.incidents_opened) for r in results) == 1
    assert passes == [1]  # the first batch alone; the two that queued, one by one
    with container.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 5


def test_many_incidents_opened_at_once_in_one_second_each_get_an_id(
    container: Container, clock: Clock
) -> None:
    """A storm of distinct groups arriving in one second (on PostgreSQL the transactions run
    in parallel): every batch is stored and opens its own incident, none is refused."""
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    found = run_concurrently({f"g{i}": sender(container, f"g{i}") for i in range(24)})
    for thread in found["threads"]:
        thread.join(timeout=120)
    results = found["out"]
    failed = {name: r for name, r in results.items() if isinstance(r, Exception)}
    assert not failed and len(results) == 24
    opened = [i for r in results.values() for i in r.incidents_opened]
    assert len(opened) == len(set(opened)) == 24
    assert all(i.startswith("INC-20261123-120000") for i in opened)
