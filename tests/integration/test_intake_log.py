"""The intake log behind the webhooks, on SQLite and PostgreSQL: a 202 means the batch is
stored, a process killed after answering loses nothing (the next process ingests it), a
repeat stays a repeat, and a row that cannot be ingested is kept as failed while the rows
after it go on."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import create_engine, event, func, select, text

from tests.conftest import LiveServer, free_port
from warroom.alerts.models import Alert
from warroom.auth import service as auth
from warroom.bootstrap import Container
from warroom.errors import Conflict, NotFound
from warroom.intake import log as intake_log
from warroom.intake.log import Append, append
from warroom.intake.models import IntakeLogEntry
from warroom.intake.processor import LOCK_KEY, PASS_ALERTS, drain, process_once


def _webhook(names: list[str], status: str = "firing") -> dict[str, Any]:
    alerts = [
        {
            "status": status,
            "labels": {"alertname": "LogTest", "service": "svc", "instance": name},
            "annotations": {},
            "startsAt": "2026-12-01T00:00:00Z",
            "endsAt": "2026-12-01T00:05:00Z" if status == "resolved" else None,
            "fingerprint": hashlib.sha256(name.encode()).hexdigest()[:16],
        }
        for name in names
    ]
    return {"version": "4", "status": status, "alerts": alerts}


def _append(container: Container, body: bytes, alerts: int = 1) -> int:
    entry = Append("alertmanager", body, alerts, "integration:test", None, container.clock())
    return append(container.db, entry)


def _alerts(container: Container) -> list[Alert]:
    with container.db.read() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def _log_rows(container: Container) -> list[IntakeLogEntry]:
    with container.db.read() as session:
        return list(session.scalars(select(IntakeLogEntry).order_by(IntakeLogEntry.id)))


def _wait(check: Any, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_same_batch_twice_is_a_repeat(live_server: LiveServer) -> None:
    key = live_server.integration("alertmanager")
    body = _webhook(["a", "b"])
    with live_server.client() as api:
        answers = [
            api.post(f"/api/v1/integrations/alertmanager?key={key}", json=body) for _ in "12"
        ]
    assert [a.status_code for a in answers] == [202, 202]
    assert [a.json()["accepted"] for a in answers] == [2, 2]
    assert answers[0].json()["batch"] < answers[1].json()["batch"]
    live_server.drain()
    stored = _alerts(live_server.container)
    assert [(a.fingerprint, a.repeat_count) for a in stored] == [
        (body["alerts"][0]["fingerprint"], 1),
        (body["alerts"][1]["fingerprint"], 1),
    ]
    assert len({a.incident_id for a in stored}) == 1
    assert _log_rows(live_server.container) == []


def test_one_pass_keeps_the_order_of_an_alert_in_two_rows(container: Container) -> None:
    _append(container, orjson.dumps(_webhook(["x"])))
    _append(container, orjson.dumps(_webhook(["other"])))
    _append(container, orjson.dumps(_webhook(["x"], status="resolved")))
    assert process_once(container) == 3  # one pass, one transaction
    stored = {a.labels["instance"]: a for a in _alerts(container)}
    assert stored["x"].status == "resolved" and stored["other"].status == "firing"
    assert len(stored) == 2


def test_a_pass_takes_whole_rows_up_to_its_alert_budget_and_at_least_one(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(PASS_ALERTS, container.db.dialect, 7)
    sizes = [3, 3, 3, 9, 2]
    for n, size in enumerate(sizes):
        names = [f"budget-{n}-{i}" for i in range(size)]
        _append(container, orjson.dumps(_webhook(names)), alerts=size)
    # Rows are taken while the alerts before them fit: 0, 3 and 6 alerts came before the
    # first three; then a row of 9 alone (it starts the pass); then the last one.
    assert [process_once(container) for _ in range(4)] == [3, 1, 1, 0]
    assert len(_alerts(container)) == sum(sizes)


@contextmanager
def _log_writes_held(container: Container) -> Iterator[None]:
    """Holds what an append needs to commit: SQLite's single writer, or on PostgreSQL a
    table lock that makes inserts into the log wait."""
    with container.db.session() as session:
        if container.db.dialect == "postgresql":
            session.execute(text("LOCK TABLE intake_log IN SHARE MODE"))
        yield


def _append_in_thread(container: Container, name: str) -> threading.Thread:
    writer = threading.Thread(target=_append, args=(container, orjson.dumps(_webhook([name]))))
    writer.start()
    return writer


def test_a_pass_lets_the_appends_in_flight_write_first(container: Container) -> None:
    """A pass waits (a bounded time) while appends of this process wait or write, so the
    webhooks keep answering during a storm."""
    _append(container, orjson.dumps(_webhook(["first"])))
    group = intake_log._groups[container.db]
    assert group.idle.is_set()
    with _log_writes_held(container):  # the next append waits
        writer = _append_in_thread(container, "second")
        _wait(lambda: not group.idle.is_set(), "the append to queue")
        intake_log.wait_for_appends(container.db, 0.01)  # bounded: returns, append waiting
        assert writer.is_alive()
    writer.join()
    assert group.idle.is_set()
    assert process_once(container) == 2


def test_appends_that_queue_while_one_commits_share_the_next_insert(
    container: Container,
) -> None:
    inserts: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().replace('"', "").startswith("INSERT INTO intake_log "):
            inserts.append(statement)

    event.listen(container.db.engine, "before_cursor_execute", count)
    try:
        with _log_writes_held(container):
            writers = [_append_in_thread(container, "leader")]
            _wait(lambda: intake_log._groups[container.db]._pending == 1, "the first append")
            writers += [_append_in_thread(container, f"queued-{n}") for n in range(3)]
            _wait(lambda: intake_log._groups[container.db]._pending == 4, "three more")
        for writer in writers:
            writer.join()
    finally:
        event.remove(container.db.engine, "before_cursor_execute", count)
    assert len(inserts) == 2  # the first append's, then one for the three that queued
    assert len(_log_rows(container)) == 4


def test_the_processor_tells_whether_the_log_had_alerts_waiting(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a pass found is what the worker's follow-up lane waits on: a backlog, whoever
    appended it, keeps the follow-up work back until a look finds the log empty."""
    monkeypatch.setitem(PASS_ALERTS, container.db.dialect, 1)
    drained = container.intake_rate.log_drained
    assert drained.is_set()
    for n in range(2):
        _append(container, orjson.dumps(_webhook([f"backlog-{n}"])))
    assert process_once(container) == 1 and not drained.is_set()
    assert process_once(container) == 1 and not drained.is_set()  # it saw the last row
    assert process_once(container) == 0 and drained.is_set()


def test_only_a_failed_row_can_be_queued_again(container: Container) -> None:
    waiting = _append(container, orjson.dumps(_webhook(["x"])))
    with pytest.raises(Conflict), container.db.session() as session:
        intake_log.retry(session=session, entry_id=waiting)
    with pytest.raises(NotFound), container.db.session() as session:
        intake_log.retry(session=session, entry_id=waiting + 1)


def test_a_bad_row_is_marked_failed_and_the_rows_after_it_go_on(live_server: LiveServer) -> None:
    container = live_server.container
    bad = _append(container, b'{"version": "4", "alerts": "not a list"}')
    good = _append(container, orjson.dumps(_webhook(["after-the-bad-one"])))
    live_server.drain()
    assert [a.labels["instance"] for a in _alerts(container)] == ["after-the-bad-one"]
    (row,) = _log_rows(container)
    assert (row.id, row.state) == (bad, "failed") and good > bad
    assert row.error is not None and "ValidationError" in row.error
    with live_server.client(live_server.viewer_token) as api:
        health = api.get("/api/v1/health").json()["intake_log"]
        metrics = api.get("/metrics").text
    assert health["waiting"] == 0 and health["failed"] == 1
    assert (
        health["failed_rows"][0]["id"] == bad
        and "ValidationError" in health["failed_rows"][0]["error"]
    )
    assert 'warroom_intake_log_rows{state="failed"} 1.0' in metrics
    assert 'warroom_intake_log_rows{state="waiting"} 0.0' in metrics
    # Once its cause is fixed (here: the row itself), an admin queues it again.
    with container.db.session() as session:
        fixed = session.get(IntakeLogEntry, bad)
        assert fixed is not None
        fixed.body = orjson.dumps(_webhook(["the-bad-one-fixed"]))
    with live_server.client(live_server.viewer_token) as api:
        refused = api.post(f"/api/v1/intake-log/{bad}/retry")
    with live_server.client(live_server.admin_token) as api:
        answer = api.post(f"/api/v1/intake-log/{bad}/retry")
        live_server.drain()
        unknown = api.post(f"/api/v1/intake-log/{bad}/retry")
        audit = api.get("/api/v1/audit", params={"action": "intake.retry"}).json()
    assert refused.status_code == 403
    assert answer.status_code == 200 and answer.json() == {"id": bad, "state": "queued"}
    assert unknown.status_code == 404  # ingested rows are removed
    assert "the-bad-one-fixed" in [a.labels["instance"] for a in _alerts(container)]
    assert _log_rows(container) == []
    assert [e["target"] for e in audit] == [f"intake_log:{bad}"]


def _env(database_url: str, home: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "WARROOM_HOME": str(home),
        "WARROOM_DATABASE_URL": database_url,
        "WARROOM_LOG_LEVEL": "warning",
        "WARROOM_WORKER_POLL_INTERVAL": "0.05",
        **extra,
    }


@contextmanager
def _process(*args: str, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "warroom", *args],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_a_row_left_by_a_crash_is_ingested_by_the_next_process(
    container: Container, database_url: str, tmp_path: Path
) -> None:
    # What a process killed after its 202 leaves behind: the appended row, not yet ingested.
    _append(container, orjson.dumps(_webhook(["left-behind", "too"])), alerts=2)
    assert len(_log_rows(container)) == 1 and _alerts(container) == []
    with _process("worker", env=_env(database_url, tmp_path)):
        _wait(lambda: len(_alerts(container)) == 2, "the next process to ingest the row")
    assert _log_rows(container) == []


@contextmanager
def _advisory_lock(database_url: str) -> Iterator[None]:
    """Hold the log's lock (PostgreSQL) so that no processor can ingest while it is held."""
    if not database_url.startswith("postgresql"):
        yield
        return
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            conn.execute(select(func.pg_advisory_lock(LOCK_KEY)))
            try:
                yield
            finally:
                conn.execute(select(func.pg_advisory_unlock(LOCK_KEY)))
    finally:
        engine.dispose()


def test_killed_during_a_storm_after_answering_loses_nothing(
    container: Container, database_url: str, tmp_path: Path
) -> None:
    with container.db.session() as session:
        _, key = auth.create_integration(
            session=session, kind="alertmanager", name="storm", actor="test", now=container.clock()
        )
    port = free_port()
    env = _env(database_url, tmp_path, WARROOM_PORT=str(port))
    url = f"http://127.0.0.1:{port}/api/v1/integrations/alertmanager?key={key}"
    accepted: list[str] = []
    with _advisory_lock(database_url), _process("serve", "--no-worker", env=env) as serve:
        _wait(lambda: _ready(port), "the server to start")
        stop = threading.Event()
        thread = threading.Thread(target=_storm, args=(url, accepted, stop), daemon=True)
        thread.start()
        _wait(lambda: len(accepted) >= 100, "100 alerts accepted")
        os.kill(serve.pid, signal.SIGKILL)  # during the storm, some rows surely not ingested
        serve.wait(timeout=30)
        stop.set()
        thread.join(timeout=60)
    with _process("worker", env=_env(database_url, tmp_path)):
        _wait(lambda: _log_rows(container) == [], "the next process to drain the log")
    stored = _alerts(container)
    names = [a.labels["instance"] for a in stored]
    assert set(accepted) <= set(names)  # every alert of a 202 is stored
    assert len(names) == len(set(names))  # and each once
    assert all(a.repeat_count == 0 for a in stored)


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _storm(url: str, accepted: list[str], stop: threading.Event) -> None:
    with httpx.Client(timeout=30) as client:
        for batch in range(10_000):
            if stop.is_set():
                return
            names = [f"storm-{batch}-{i}" for i in range(10)]
            try:
                answer = client.post(url, content=orjson.dumps(_webhook(names)))
            except httpx.HTTPError:  # the server was killed
                return
            if answer.status_code == 202:
                accepted.extend(names)


def test_drain_is_idle_with_an_empty_log(container: Container) -> None:
    assert drain(container) == 0
