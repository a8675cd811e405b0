"""A process shutting down mid-rollback gives the rollback back at once: its thread ends
within a poll, the lease is released and the rollback is left, at its recorded state, for the
next runner (no thread keeps the process alive until the hard timeout)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.integration.test_rollback import fast_playbook
from tests.support.models import train
from warroom.bootstrap import Container
from warroom.config import Settings
from warroom.deploy import registry
from warroom.deploy.models import DeployRequest, Rollback, ServiceCreate
from warroom.rollback import engine
from warroom.rollback import service as rollbacks

pytest.importorskip("sklearn")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # A long verification window: the rollback waits in `verifying` when the process stops.
    return Settings(
        home=tmp_path,
        database_url=database_url,
        sqlite_synchronous="NORMAL",
        playbook=fast_playbook(tmp_path, window="60s"),
    )


def state_of(container: Container, rollback_id: int) -> Rollback:
    with container.db.read() as session:
        row = session.get(Rollback, rollback_id)
        assert row is not None
        return row


def test_stopping_releases_the_rollback(container: Container, tmp_path: Path) -> None:
    now = container.clock()
    with container.db.session() as session:
        registry.create_service(
            session=session, spec=ServiceCreate(name="fraud"), actor="t", now=now
        )
        v1 = DeployRequest(version="v1", artifact=str(train(tmp_path / "v1.joblib")))
        registry.deploy(session=session, service="fraud", spec=v1, actor="t", now=now)
        registry.mark_stable(session=session, service="fraud", version="v1", actor="t", now=now)
        v2 = DeployRequest(version="v2", artifact="tests.support.models:broken")
        registry.deploy(session=session, service="fraud", spec=v2, actor="t", now=now)
        rollback_id = rollbacks.start(
            session=session,
            service="fraud",
            to_version=None,
            incident_id=None,
            trigger="manual",
            actor="t",
            reason="test",
            stable_after=container.playbook.rollback.stable_after,
            now=now,
        ).id
    stopping = threading.Event()
    outcome: list[str | None] = []
    thread = threading.Thread(
        target=lambda: outcome.append(
            engine.run(container, rollback_id, poll=0.05, stopping=stopping)
        )
    )
    thread.start()
    deadline = time.monotonic() + 30
    while state_of(container, rollback_id).state != "verifying":
        assert time.monotonic() < deadline, "the rollback never reached verifying"
        time.sleep(0.02)
    stopping.set()  # what RollbackRunner.stop does when the server shuts down
    thread.join(timeout=5)
    assert not thread.is_alive() and outcome == [None]
    left = state_of(container, rollback_id)
    assert (left.state, left.lease_until) == ("verifying", None)
    with container.db.read() as session:
        assert rollback_id in rollbacks.stale(session=session, now=container.clock())
