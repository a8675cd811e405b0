"""Three `warroom worker` processes on PostgreSQL, one killed (SIGKILL) after its page reached
the receiver but before it was marked sent: every page is shown exactly once by its key."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.test_response import open_incident, use_webhook
from tests.support.receiver import Receiver
from warroom.bootstrap import Container
from warroom.incidents.models import TimelineEvent
from warroom.notify.models import Notification
from warroom.playbook.loader import dump_playbook


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "warroom", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_three_workers_page_once_each_despite_a_kill(
    container: Container, database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL; SQLite runs one")
    rx = Receiver()
    url = rx.start()
    use_webhook(container, url)
    playbook = tmp_path / "playbook.yaml"
    playbook.write_text(dump_playbook(container.playbook))
    env = {
        **os.environ,
        "WARROOM_HOME": str(tmp_path),
        "WARROOM_DATABASE_URL": database_url,
        "WARROOM_PLAYBOOK": str(playbook),
        "WARROOM_JOB_LEASE": "1",
        "WARROOM_WORKER_POLL_INTERVAL": "0.05",
    }
    killed = threading.Event()
    first = _worker(env)

    def kill_first(_: object) -> None:
        if not killed.is_set():
            killed.set()
            os.kill(first.pid, signal.SIGKILL)
            first.wait()

    rx.on_request = kill_first
    workers: list[subprocess.Popen[bytes]] = []
    try:
        now = datetime.now(UTC)
        ids = [open_incident(container, now, service=f"svc-{i}") for i in range(3)]
        assert killed.wait(30), "the first worker never delivered"
        workers = [_worker(env) for _ in range(3)]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with container.db.read() as session:
                statuses = list(session.scalars(select(Notification.status)))
            if len(statuses) == 3 and set(statuses) == {"sent"}:
                break
            time.sleep(0.1)
        assert statuses == ["sent"] * 3
    finally:
        for proc in [first, *workers]:
            proc.kill()
            proc.wait()
        rx.stop()
    counts = Counter(rx.keys())
    assert len(counts) == 3  # exactly one page per incident, as the receiver sees it
    assert sorted(counts.values()) == [1, 1, 2]  # the killed delivery came again, same key
    with container.db.read() as session:
        events = session.scalars(
            select(TimelineEvent).where(TimelineEvent.incident_id.in_(ids))
        ).all()
    assert Counter(e.kind for e in events)["page"] == 3
    assert Counter(e.kind for e in events)["notification"] == 3
