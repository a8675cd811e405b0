"""Callbacks around a commit (``storage.hooks``), on SQLite and PostgreSQL: a before-commit
callback writes in the transaction that noted the values and an after-commit callback gets
them, once each, when the whole transaction commits (not when a savepoint is released); after
a rollback neither is called."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.bootstrap import Container
from warroom.jobs import service as jobs
from warroom.jobs.models import Job
from warroom.storage import hooks

KEY = "test.hooks"


def test_a_before_commit_callback_writes_in_the_committing_transaction(
    container: Container,
) -> None:
    factory = container.db.sessionmaker
    before: list[list[Any]] = []
    after: list[list[Any]] = []

    def write(session: Session, values: list[Any]) -> None:
        before.append(values)
        now = container.clock()
        jobs.enqueue(session=session, kind="test.noted", payload={"values": values}, due_at=now)

    hooks.before_commit(factory, KEY, write)
    hooks.after_commit(factory, KEY, after.append)
    try:
        with container.db.session() as session:
            hooks.note(session, KEY, 1)
            with session.begin_nested():
                hooks.note(session, KEY, 2)
            assert before == after == []  # a savepoint's release commits nothing yet
        assert before == after == [[1, 2]]
        with pytest.raises(RuntimeError), container.db.session() as session:
            hooks.note(session, KEY, 3)
            raise RuntimeError("the transaction fails")
        with container.db.session():
            pass  # noted nothing
        assert before == after == [[1, 2]]
    finally:
        hooks.before_commit(factory, KEY, write, remove=True)
        hooks.after_commit(factory, KEY, after.append, remove=True)
    with container.db.read() as session:
        rows = session.scalars(select(Job.payload).where(Job.kind == "test.noted")).all()
    assert rows == [{"values": [1, 2]}]
