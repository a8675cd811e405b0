"""Durable and relaxed write transactions, on real SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from warroom.alerts.models import Alert
from warroom.bootstrap import Container
from warroom.config import Settings
from warroom.storage import bulk, engine


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # The default, FULL: other tests relax it for speed, which would hide the difference here.
    return Settings(home=tmp_path, database_url=database_url, sqlite_synchronous="FULL")


def setting(container: Container, *, durable: bool) -> str:
    with container.db.session(durable=durable) as session:
        if container.db.dialect == "sqlite":
            # 1 = NORMAL (no fsync per commit in WAL mode), 2 = FULL
            level = session.execute(text("PRAGMA synchronous")).scalar_one()
            return {1: "NORMAL", 2: "FULL"}[int(level)]
        return str(session.execute(text("SHOW synchronous_commit")).scalar())


def test_relaxed_transactions_skip_the_disk_wait_and_durable_ones_do_not(
    container: Container,
) -> None:
    durable, relaxed = ("FULL", "NORMAL") if container.db.dialect == "sqlite" else ("on", "off")
    assert setting(container, durable=True) == durable
    # Pooled connections are reused: every transaction gets its own setting back.
    for _ in range(3):
        assert setting(container, durable=False) == relaxed
        assert setting(container, durable=True) == durable


def test_bulk_insert_stores_what_the_orm_stores(container: Container) -> None:
    """The SQLite fast path writes each value as its column type would (JSON null for None,
    text datetimes in UTC, booleans as integers), so rows read back equal through the ORM,
    in input order, across the statement's parameter limit."""
    start = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    rows = [
        {
            "source": "generic",
            "fingerprint": f"fp-{n}",
            "name": "Bulk",
            "service": None if n % 2 else "svc",
            "severity": "P1",
            "summary": "naïve ünïcode",
            "labels": {"n": str(n)},
            "annotations": {},
            "metrics": {"error_rate": n / 10_000},
            "status": "firing",
            "starts_at": start + timedelta(microseconds=n),
            "ends_at": None,
            "received_at": start,
            "updated_at": start,
            "integration_id": None,
            "repeat_count": 0,
            "incident_id": None,
            "silence_id": None,
            "holds": None if n % 3 else {"rule": start.isoformat()},
        }
        for n in range(2000)  # 38,000 parameters: more than one SQLite statement holds
    ]
    with container.db.session() as session:
        ids = bulk.insert_returning_ids(session, Alert, rows)
    assert len(ids) == 2000 and ids == sorted(ids)
    with container.db.read() as session:
        stored = {a.id: a for a in session.scalars(select(Alert))}
        null_holds = session.scalar(select(Alert.id).where(Alert.holds.is_(None)).limit(1))
    for new_id, row in zip(ids, rows, strict=True):
        alert = stored[new_id]
        assert {k: getattr(alert, k) for k in row} == row
    assert null_holds is None  # None is JSON null, as SQLAlchemy stores it, not SQL NULL


def test_a_process_with_only_the_workers_models_can_store_alerts(tmp_path: Path) -> None:
    """A worker (or the release runner) imports fewer models than the API, so a foreign key
    column may not know its type yet; storing an alert there must still work."""
    script = """
import sys
from datetime import UTC, datetime
import subprocess
import sys
from pathlib import Path
from warroom.alerts.models import AlertCreate
from warroom.bootstrap import bootstrap
from warroom.config import Settings
from warroom.intake.batch import ingest_batch
import warroom.worker.loop
assert "warroom.auth.models" not in sys.modules, "the check needs a process without auth"
home = Path(sys.argv[1])
env = bootstrap(Settings(home=home, database_url=f"sqlite:///{home}/w.db"), migrate=True)
alert = AlertCreate(name="HighErrorRate", service="svc", source="api", fingerprint="f",
                    starts_at=datetime.now(UTC), metrics={"error_rate": 0.9})
print(ingest_batch(env, [alert], actor="test").created)
"""
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"


def test_a_pooled_connection_that_died_while_idle_is_replaced(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection that died in the pool (a database restart, a dropped link) is replaced
    when it is next handed out, so the transaction that takes it does not fail."""
    if container.db.dialect != "postgresql":
        pytest.skip("SQLite has no server connection to lose")
    monkeypatch.setattr(engine, "PING_AFTER_IDLE", 0.0)  # every reused connection is pinged
    container.db.engine.dispose()  # the pool holds exactly the connection opened next
    with container.db.read() as session:
        pooled = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with container.db.read() as session:  # handed out again: the same connection
        assert session.execute(text("SELECT pg_backend_pid()")).scalar_one() == pooled
    admin = create_engine(container.settings.resolved_database_url)
    with admin.connect() as conn:
        ended = conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pooled})
        assert ended.scalar_one()
    admin.dispose()
    with container.db.session() as session:
        assert session.execute(text("SELECT pg_backend_pid()")).scalar_one() != pooled
