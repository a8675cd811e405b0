"""Records written later in the transaction (timeline, audit, jobs, task check-offs), on real
SQLite and PostgreSQL: queries see them, ids keep the order of the calls, a rollback forgets
them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select

from warroom.audit import service as audit
from warroom.audit.models import AuditEvent
from warroom.bootstrap import Container
from warroom.incidents import timeline
from warroom.incidents.models import Incident, TimelineEvent
from warroom.jobs import service as jobs
from warroom.jobs.models import Job
from warroom.tasks import service as tasks
from warroom.tasks.checklists import Due
from warroom.tasks.models import IncidentTask

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _incident(session, incident_id: str) -> None:
    session.add(
        Incident(
            id=incident_id,
            title="t",
            severity="P2",
            status="triggered",
            started_at=T0,
            detected_at=T0,
            last_alert_at=T0,
            updated_at=T0,
            metrics={},
            labels={},
        )
    )


def _event(session, incident_id: str, message: str, *, now_: bool = False) -> None:
    add = timeline.add_event if now_ else timeline.add_event_later
    add(
        session=session,
        incident_id=incident_id,
        kind="alert",
        actor="tester",
        message=message,
        now=T0,
    )


def _messages(session, incident_id: str) -> list[str]:
    query = select(TimelineEvent.message).where(TimelineEvent.incident_id == incident_id)
    return list(session.scalars(query.order_by(TimelineEvent.id)))


def test_queued_rows_are_seen_by_queries_and_keep_the_order_of_the_calls(
    container: Container,
) -> None:
    with container.db.session() as session:
        # The incident is only pending in the session: the queued events refer to it.
        _incident(session, "INC-1")
        _event(session, "INC-1", "one")
        audit.record_later(session=session, actor="t", action="a.one", target="x", now=T0)
        _event(session, "INC-1", "two")
        assert _messages(session, "INC-1") == ["one", "two"]  # a query writes the queue
        _event(session, "INC-1", "three")
        _event(session, "INC-1", "four", now_=True)  # an immediate insert goes after them
        _event(session, "INC-1", "five")
    with container.db.read() as session:
        assert _messages(session, "INC-1") == ["one", "two", "three", "four", "five"]
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_a_rolled_back_transaction_writes_nothing_it_queued(container: Container) -> None:
    with container.db.session() as session:
        _incident(session, "INC-2")
    with pytest.raises(RuntimeError), container.db.session() as session:
        _event(session, "INC-2", "lost")
        jobs.enqueue_later(session=session, kind="t.x", payload={}, due_at=T0, key="k-lost")
        raise RuntimeError("boom")
    with container.db.session() as session:  # the same pooled session machinery, reused
        _event(session, "INC-2", "kept")
    with container.db.read() as session:
        assert _messages(session, "INC-2") == ["kept"]
        assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_queued_jobs_with_a_taken_key_are_no_ops(container: Container) -> None:
    with container.db.session() as session:
        jobs.enqueue(session=session, kind="t.x", payload={"n": 0}, due_at=T0, key="k1")
    with container.db.session() as session:
        for n in (1, 2):
            jobs.enqueue_later(session=session, kind="t.x", payload={"n": n}, due_at=T0, key="k1")
        for n in (3, 4):
            jobs.enqueue_later(session=session, kind="t.x", payload={"n": n}, due_at=T0, key="k2")
    with container.db.read() as session:
        found = {key: payload for key, payload in session.execute(select(Job.key, Job.payload))}
    assert found == {"k1": {"n": 0}, "k2": {"n": 3}}


def test_a_savepoint_rollback_takes_back_only_its_own_rows(container: Container) -> None:
    with container.db.session() as session:
        _incident(session, "INC-3")
        _event(session, "INC-3", "before")
        savepoint = session.begin_nested()
        _event(session, "INC-3", "undone")
        savepoint.rollback()
        _event(session, "INC-3", "after")
    with container.db.read() as session:
        assert sorted(_messages(session, "INC-3")) == ["after", "before"]


def test_a_flush_that_queries_in_its_own_bookkeeping_leaves_the_queue_alone(
    container: Container,
) -> None:
    with container.db.session() as session:
        _incident(session, "INC-4")
    with container.db.session() as session:
        incident = session.get_one(Incident, "INC-4")
        _event(session, "INC-4", "queued")
        incident.acknowledged_at = T0  # the report summary reads the old row in the flush,
        _incident(session, "INC-5")  # which writes a new incident too
        session.flush()
        assert _messages(session, "INC-4") == ["queued"]
    with container.db.read() as session:
        assert session.get_one(Incident, "INC-4").acknowledged_at == T0


def test_queued_updates_are_sent_together_before_a_query_reads_them(container: Container) -> None:
    with container.db.session() as session:
        _incident(session, "INC-6")
        session.flush()
        [ids] = tasks.add_many(session=session, items={"INC-6": _dues(3)}, now=T0)
    sent: list[bool] = []

    def count(conn, cursor, statement, params, context, executemany) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith("UPDATE INCIDENT_TASKS"):
            sent.append(executemany)

    event.listen(container.db.engine, "before_cursor_execute", count)
    try:
        with container.db.session() as session:
            for task_id in ids[:2]:
                tasks.check_off(session=session, task_id=task_id, by="t", evidence="e", now=T0)
            assert sent == []  # queued
            checked = session.scalars(
                select(IncidentTask.id).where(IncidentTask.checked_at.is_not(None))
            ).all()
            assert sorted(checked) == ids[:2]  # the query saw them
            assert sent == [True]  # one statement for both
            tasks.check_off(session=session, task_id=ids[2], by="t", evidence="e", now=T0)
        assert len(sent) == 2  # the last one, at the commit
    finally:
        event.remove(container.db.engine, "before_cursor_execute", count)
    with container.db.read() as session:
        rows = session.scalars(select(IncidentTask).order_by(IncidentTask.id)).all()
    assert [(t.checked_by, t.evidence, t.checked_auto) for t in rows] == [("t", "e", True)] * 3


def test_a_rolled_back_transaction_forgets_its_queued_updates(container: Container) -> None:
    with container.db.session() as session:
        _incident(session, "INC-7")
        session.flush()
        [[task_id]] = tasks.add_many(session=session, items={"INC-7": _dues(1)}, now=T0)
    with pytest.raises(RuntimeError), container.db.session() as session:
        tasks.check_off(session=session, task_id=task_id, by="t", evidence="e", now=T0)
        raise RuntimeError("boom")
    with container.db.read() as session:
        assert session.get_one(IncidentTask, task_id).checked_at is None


def _dues(count: int) -> list[Due]:
    return [Due("triage", "first steps", f"step {n}", True, n) for n in range(count)]
