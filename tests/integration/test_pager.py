"""The first page leaves from the process that committed the incident, right after the
commit, through the same outbox row and delivery job as any worker's page: a server started
with --no-worker delivers it; a process that dies between the commit and the send leaves the
job, claimed with the commit, to a worker, which sends it once after the lease.
On real SQLite and PostgreSQL, with a real webhook receiver on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from tests.conftest import Clock, free_port
from tests.integration.test_response import T0, open_incident, receiver, use_webhook
from tests.support.receiver import Receiver
from warroom.auth import service as auth
from warroom.bootstrap import Container, bootstrap
from warroom.config import Settings
from warroom.incidents.models import TimelineEvent
from warroom.jobs.models import Job
from warroom.notify.models import Notification
from warroom.notify.service import DELIVER
from warroom.playbook.loader import dump_playbook
from warroom.response.escalation import ESCALATE, paged_severities
from warroom.worker.loop import Worker
from warroom.worker.pager import Pager

__all__ = ["receiver"]  # the fixture, shared with test_response


def _wait(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def _deliveries(container: Container) -> list[Job]:
    with container.db.read() as session:
        return list(session.scalars(select(Job).where(Job.kind == DELIVER).order_by(Job.id)))


def test_the_first_level_is_paged_in_the_opening_transaction(
    container: Container, clock: Clock, receiver: tuple[Receiver, str]
) -> None:
    rx, url = receiver
    use_webhook(container, url)
    clock.set(T0)
    incident_id = open_incident(container, T0)
    with container.db.read() as session:
        level0 = session.scalars(select(Job).where(Job.key == f"esc:{incident_id}:0:0")).one()
        assert (level0.kind, level0.status) == (ESCALATE, "done")
        assert paged_severities(session, incident_id) == ["P0"]
        rows = list(session.scalars(select(Notification)))
    # Committed with the incident: the page and its delivery job, nothing sent yet.
    assert [(r.person, r.status) for r in rows] == [("alice", "pending")]
    assert [j.status for j in _deliveries(container)] == ["pending"]
    Worker(container).run_until_idle()
    assert [r.body["person"] for r in rx.received] == ["alice"]


def test_the_committing_process_sends_the_page_without_a_worker(
    container: Container, receiver: tuple[Receiver, str]
) -> None:
    rx, url = receiver
    use_webhook(container, url)
    pager = Pager(Worker(container))
    pager.start()
    try:
        incident_id = open_incident(container, container.clock())
        _wait(lambda: len(rx.received) == 1)
        _wait(lambda: [j.status for j in _deliveries(container)] == ["done"])
    finally:
        pager.stop()
    assert rx.received[0].body["incident_id"] == incident_id
    with container.db.read() as session:
        assert [r.status for r in session.scalars(select(Notification))] == ["sent"]


def test_a_crash_after_the_commit_leaves_the_page_to_a_worker_once(
    container: Container, clock: Clock, receiver: tuple[Receiver, str]
) -> None:
    rx, url = receiver
    use_webhook(container, url)
    clock.set(T0)
    # A pager without sending threads: the process claims its page with the commit, then
    # dies before sending it.
    pager = Pager(Worker(container), threads=0)
    pager.start()
    try:
        open_incident(container, T0)
    finally:
        pager.stop()
    [job] = _deliveries(container)
    with container.db.read() as session:
        [row] = session.scalars(select(Notification)).all()
    # Committed with the incident: the job claimed under the lease, the row being sent.
    assert (job.status, job.attempts, job.claim_token is not None) == ("running", 1, True)
    assert (row.status, row.attempts) == ("sending", 1)
    worker = Worker(container)
    worker.run_until_idle()
    assert rx.received == []  # its lease still holds
    clock.set(T0 + timedelta(seconds=container.settings.job_lease + 1))
    worker.run_until_idle()
    assert [r.body["person"] for r in rx.received] == ["alice"]
    worker.run_until_idle()
    assert len(rx.received) == 1
    with container.db.read() as session:
        row = session.get_one(Notification, row.id)
        query = select(TimelineEvent.message).where(
            TimelineEvent.incident_id == row.incident_id, TimelineEvent.kind == "notification"
        )
        events = session.scalars(query.order_by(TimelineEvent.id)).all()
    assert (row.status, row.attempts) == ("sent", 2)
    assert [e.split(" via ")[1] for e in events] == [
        "hook interrupted mid-send (its worker stopped); sending again, same key",
        "hook delivered",
    ]


def test_a_page_that_waited_until_its_lease_ran_short_is_renewed_or_left_to_its_new_holder(
    container: Container, clock: Clock, receiver: tuple[Receiver, str]
) -> None:
    rx, url = receiver
    use_webhook(container, url)
    clock.set(T0)
    pager = Pager(Worker(container), threads=0)  # the pages stay in its queue
    pager.start()
    try:
        kept = open_incident(container, T0, service="fraud")
        open_incident(container, T0, service="search")
    finally:
        pager.stop()
    first, second = pager._queue.get(), pager._queue.get()
    assert first is not None and second is not None
    # The second's lease ran out meanwhile and another worker took it over.
    with container.db.session() as session:
        taken = update(Job).where(Job.id == second.info.id).values(claim_token="another")
        session.execute(taken)
    for page in (first, second):  # both waited in the queue until their lease ran short
        page.deadline = time.monotonic()
    clock.set(T0 + timedelta(seconds=5))
    pager._deliver([first, second])
    assert [r.body["incident_id"] for r in rx.received] == [kept]
    by_id = {job.id: job for job in _deliveries(container)}
    assert by_id[first.info.id].status == "done"
    assert (by_id[second.info.id].status, by_id[second.info.id].claim_token) == (
        "running",
        "another",
    )


@pytest.fixture
def served(
    database_url: str, tmp_path: Path, receiver: tuple[Receiver, str]
) -> Iterator[tuple[str, str]]:
    """`warroom serve --no-worker` in a subprocess, paging the receiver; its admin token."""
    _, url = receiver
    settings = Settings(home=tmp_path, database_url=database_url)
    container = bootstrap(settings, migrate=True)
    use_webhook(container, url)
    playbook = tmp_path / "playbook.yaml"
    playbook.write_text(dump_playbook(container.base_playbook()))
    with container.db.session() as session:
        _, token = auth.create_token(
            session=session, name="t", role="admin", actor="test", now=container.clock()
        )
    container.close()
    port = free_port()
    env = {
        **os.environ,
        "WARROOM_HOME": str(tmp_path),
        "WARROOM_DATABASE_URL": database_url,
        "WARROOM_PLAYBOOK": str(playbook),
        "WARROOM_PORT": str(port),
        "WARROOM_LOG_LEVEL": "warning",
    }
    cmd = [sys.executable, "-m", "warroom", "serve", "--no-worker"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _ready(base), timeout=120)
        yield base, token
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_server_without_a_worker_delivers_the_first_page(
    served: tuple[str, str], receiver: tuple[Receiver, str]
) -> None:
    rx, _ = receiver
    base, token = served
    alert = {"name": "HighErrorRate", "service": "fraud", "metrics": {"error_rate": 0.6}}
    answer = httpx.post(
        f"{base}/api/v1/alerts",
        json=alert,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    [incident_id] = answer.json()["incidents_opened"]
    _wait(lambda: len(rx.received) >= 1)
    assert [r.body["incident_id"] for r in rx.received] == [incident_id]


def test_a_page_the_pager_could_not_send_is_retried_by_a_worker(
    container: Container, clock: Clock, receiver: tuple[Receiver, str]
) -> None:
    rx, url = receiver
    use_webhook(container, url)
    rx.status = 503
    clock.set(T0)
    pager = Pager(Worker(container))
    pager.start()
    try:
        open_incident(container, T0)
        _wait(lambda: [j.attempts for j in _deliveries(container) if j.last_error] == [1])
    finally:
        pager.stop()
    [job] = _deliveries(container)
    assert job.status == "pending" and "503" in (job.last_error or "")
    with container.db.read() as session:
        assert [r.status for r in session.scalars(select(Notification))] == ["failed"]
    rx.status = 200
    clock.set(T0 + timedelta(minutes=10))  # past the retry's backoff
    Worker(container).run_until_idle()
    assert [r.body["person"] for r in rx.received] == ["alice", "alice"]  # the 503, then sent
    with container.db.read() as session:
        assert [r.status for r in session.scalars(select(Notification))] == ["sent"]
