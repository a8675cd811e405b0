"""Three `warroom worker` processes on PostgreSQL, 200 incidents opened at once, and the worker
that is sending one of the pages is killed (SIGKILL) while the receiver holds the request.

Counted at the receiver: every page arrives, each exactly once, except the one page the killed
worker had in flight; that one arrives a second time with the same Idempotency-Key, after the
killed worker's lease ran out, and the timeline says it was interrupted. This is the guarantee
the README documents ("Delivery guarantee"); no other page may arrive twice.
"""

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

from tests.integration.test_response import use_webhook
from tests.support.receiver import Received, Receiver
from warroom.alerts.models import AlertCreate
from warroom.bootstrap import Container
from warroom.incidents.models import TimelineEvent
from warroom.intake.service import ingest
from warroom.notify.models import Notification
from warroom.playbook.loader import dump_playbook

INCIDENTS = 200
KILL_AT = 60  # the request during which its sender is killed


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "warroom", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _socket_inode(local_port: int, remote_port: int) -> str | None:
    """The inode of the live loopback TCP socket from ``local_port`` to ``remote_port``. A
    closed connection that used the same local port may linger (TIME_WAIT, inode 0): on a
    busy machine ports are reused quickly, so both ends must match, and the inode be real."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local = int(fields[1].rsplit(":", 1)[1], 16)
            remote = int(fields[2].rsplit(":", 1)[1], 16)
            if (local, remote) == (local_port, remote_port) and fields[9] != "0":
                return fields[9]
    return None


def _owner(pids: list[int], local_port: int, remote_port: int) -> int | None:
    """Which of ``pids`` holds the client end of the connection from ``local_port`` to
    ``remote_port``."""
    inode = _socket_inode(local_port, remote_port)
    if inode is None:
        return None
    for pid in pids:
        fds = Path(f"/proc/{pid}/fd")
        for fd in fds.iterdir() if fds.exists() else []:
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def _open_all(container: Container, now: datetime) -> list[str]:
    alerts = [
        AlertCreate.model_validate(
            {
                "source": "generic",
                "fingerprint": f"fp-{i}",
                "starts_at": now.isoformat(),
                "name": "HighErrorRate",
                "service": f"svc-{i}",
                "metrics": {"error_rate": 0.6},
            }
        )
        for i in range(INCIDENTS)
    ]
    with container.db.session() as session:
        result = ingest(
            session=session, alerts=alerts, playbook=container.playbook, actor="test", now=now
        )
    return result.incidents_opened


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")
def test_three_workers_200_incidents_exactly_once_but_the_killed_in_flight_page(
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
        "WARROOM_JOB_LEASE": "4",  # sends time out after 2 s: no timeout on a busy machine
        "WARROOM_WORKER_POLL_INTERVAL": "0.05",
    }
    workers = [_worker(env) for _ in range(3)]
    pids = [w.pid for w in workers]
    killed: dict[str, object] = {}
    done = threading.Event()

    def kill_the_sender(item: Received) -> None:
        if len(rx.received) != KILL_AT:
            return
        pid = _owner(pids, item.client_port, rx.server.server_address[1])
        assert pid is not None, "no worker holds the connection"
        os.kill(pid, signal.SIGKILL)
        killed.update(pid=pid, key=item.headers["Idempotency-Key"])
        done.set()

    rx.on_request = kill_the_sender
    try:
        ids = _open_all(container, datetime.now(UTC))
        assert len(ids) == INCIDENTS
        assert done.wait(120), "the receiver never got enough pages"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with container.db.read() as session:
                statuses = Counter(session.scalars(select(Notification.status)))
            if statuses == {"sent": INCIDENTS}:
                break
            time.sleep(0.2)
        assert statuses == {"sent": INCIDENTS}
    finally:
        for proc in workers:
            proc.kill()
            proc.wait()
        rx.stop()
    survivors = [w for w in workers if w.pid != killed["pid"]]
    assert len(survivors) == 2
    counts = Counter(rx.keys())
    assert len(counts) == INCIDENTS  # every page arrived
    twice = {key for key, n in counts.items() if n > 1}
    assert twice == {killed["key"]} and counts[str(killed["key"])] == 2
    with container.db.read() as session:
        events = session.scalars(
            select(TimelineEvent).where(
                TimelineEvent.incident_id.in_(ids),
                TimelineEvent.kind.in_(("page", "notification")),
            )
        ).all()
    assert Counter(e.kind for e in events)["page"] == INCIDENTS
    notes = Counter(e.data["status"] for e in events if e.kind == "notification")
    assert notes == {"sent": INCIDENTS, "interrupted": 1}
