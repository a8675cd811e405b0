"""Durable and relaxed write transactions, on real SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from warroom.bootstrap import Container
from warroom.config import Settings


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
