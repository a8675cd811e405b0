"""The jobs table and the worker loop on real SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from warroom.bootstrap import Container
from warroom.jobs import service
from warroom.jobs.context import JobContext
from warroom.jobs.models import Job
from warroom.worker.loop import Worker, redact
from warroom.worker.registry import Handler, Tick

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _jobs(container: Container) -> list[Job]:
    with container.db.read() as session:
        return service.list_jobs(session=session)


def test_enqueue_with_key_is_idempotent_and_jobs_run_when_due(container: Container, clock) -> None:
    clock.set(T0)
    ran: list[dict[str, Any]] = []
    worker = Worker(container, {"t.echo": Handler(lambda ctx, p: ran.append(p))}, ())
    with container.db.session() as session:
        first = service.enqueue(
            session=session, kind="t.echo", payload={"n": 1}, due_at=T0, key="k1"
        )
        again = service.enqueue(
            session=session, kind="t.echo", payload={"n": 2}, due_at=T0, key="k1"
        )
        later = service.enqueue(
            session=session, kind="t.echo", payload={"n": 3}, due_at=T0 + timedelta(minutes=5)
        )
        assert again == first
    assert worker.run_until_idle() == 1
    assert ran == [{"n": 1}]
    clock.set(T0 + timedelta(minutes=5))
    assert worker.run_until_idle() == 1
    assert ran == [{"n": 1}, {"n": 3}]
    statuses = {j.id: j.status for j in _jobs(container)}
    assert statuses == {first: "done", later: "done"}
    with container.db.session() as session:  # a finished key still blocks a repeat
        service.enqueue(session=session, kind="t.echo", payload={}, due_at=T0, key="k1")
    assert worker.run_until_idle() == 0


def test_failures_back_off_then_die_and_side_effects_roll_back(container: Container, clock) -> None:
    container.settings.job_max_attempts = 3
    container.settings.job_backoff_base = 10
    clock.set(T0)
    failures: list[tuple[str, bool]] = []

    def boom(ctx: JobContext, payload: dict[str, Any]) -> None:
        service.enqueue(session=ctx.session, kind="t.side", payload={}, due_at=ctx.now, key="side")
        raise RuntimeError("cannot reach https://user:pw@hooks.example.com/services/SECRET")

    def failed(ctx: JobContext, payload: dict[str, Any], error: str, final: bool) -> None:
        failures.append((error, final))

    worker = Worker(container, {"t.boom": Handler(boom, failed)}, ())
    with container.db.session() as session:
        job = service.enqueue(session=session, kind="t.boom", payload={}, due_at=T0)
    assert worker.run_until_idle() == 1
    [row] = _jobs(container)  # the side effect of the failed attempt is gone
    assert row.status == "pending" and row.attempts == 1
    assert row.due_at == T0 + timedelta(seconds=10)
    assert "SECRET" not in (row.last_error or "") and "pw" not in (row.last_error or "")
    assert "hooks.example.com" in (row.last_error or "")
    clock.set(T0 + timedelta(seconds=10))
    assert worker.run_until_idle() == 1
    [row] = _jobs(container)
    assert row.due_at == T0 + timedelta(seconds=30)  # 10 * 2**1 after the second attempt
    clock.set(T0 + timedelta(seconds=30))
    worker.run_until_idle()
    [row] = _jobs(container)
    assert (row.id, row.status, row.attempts) == (job, "dead", 3)
    assert [final for _, final in failures] == [False, False, True]


def test_a_job_whose_worker_lost_its_lease_cannot_finish(container: Container, clock) -> None:
    clock.set(T0)
    seen: list[int] = []

    def slow(ctx: JobContext, payload: dict[str, Any]) -> None:
        seen.append(ctx.job.attempts)
        if ctx.job.attempts == 1:
            # Meanwhile the lease runs out and a second worker takes and finishes the job.
            clock.set(T0 + timedelta(seconds=container.settings.job_lease + 1))
            other.run_once()
        service.enqueue(
            session=ctx.session, kind="t.note", payload={}, due_at=ctx.now, key=f"n{ctx.job.id}"
        )

    handlers = {"t.slow": Handler(slow), "t.note": Handler(lambda ctx, p: None)}
    first, other = Worker(container, handlers, ()), Worker(container, handlers, ())
    with container.db.session() as session:
        service.enqueue(session=session, kind="t.slow", payload={}, due_at=T0)
    first.run_once()
    assert seen == [1, 2]
    jobs = _jobs(container)
    assert [(j.kind, j.status) for j in jobs] == [("t.note", "pending"), ("t.slow", "done")]


def test_ticks_run_once_per_slot_however_many_workers(container: Container, clock) -> None:
    clock.set(T0)
    slots: list[int] = []
    handlers = {"t.tick": Handler(lambda ctx, p: slots.append(p["slot"]))}
    ticks = (Tick("t.tick", timedelta(minutes=1)),)
    workers = [Worker(container, handlers, ticks) for _ in range(3)]
    for w in workers:
        w.run_until_idle()
    clock.set(T0 + timedelta(seconds=61))
    for w in workers:
        w.run_until_idle()
    assert len(slots) == 2 and slots[1] == slots[0] + 1


def test_unknown_kind_is_dead_not_ignored(container: Container, clock) -> None:
    clock.set(T0)
    with container.db.session() as session:
        service.enqueue(session=session, kind="t.missing", payload={}, due_at=T0)
    Worker(container, {}, ()).run_until_idle()
    [row] = _jobs(container)
    assert row.status == "dead" and "no handler" in (row.last_error or "")


def test_redact_keeps_host_only() -> None:
    text = "POST https://hooks.slack.com/services/T0/B0/xyz?token=1 failed"
    assert redact(text) == "POST https://hooks.slack.com/**** failed"


def test_urgent_kinds_go_first_and_a_lane_runs_only_its_kinds(container: Container, clock) -> None:
    clock.set(T0)
    ran: list[str] = []
    handlers = {
        "t.diag": Handler(lambda ctx, p: ran.append("diag")),
        "t.page": Handler(lambda ctx, p: ran.append("page"), urgent=True),
    }
    worker = Worker(container, handlers, ())
    with container.db.session() as session:  # the diagnostic is older, the page is urgent
        service.enqueue(session=session, kind="t.diag", payload={}, due_at=T0 - timedelta(1))
        service.enqueue(session=session, kind="t.page", payload={}, due_at=T0)
        service.enqueue(session=session, kind="t.page", payload={}, due_at=T0 + timedelta(1))
    assert worker.run_once(only=("t.page",)) and ran == ["page"]
    assert not worker.run_once(only=("t.page",))  # the other page is not due yet
    assert worker.run_once() and ran == ["page", "diag"]


def test_in_process_worker_wakes_on_commit_not_on_poll(container: Container) -> None:
    container.settings.worker_poll_interval = 3600  # only a wake-up can run the job now
    ran = threading.Event()
    worker = Worker(container, {"t.now": Handler(lambda ctx, p: ran.set())}, ())
    worker.start()
    try:
        time.sleep(0.2)  # let both loops reach their wait
        with container.db.session() as session:
            service.enqueue(session=session, kind="t.now", payload={}, due_at=container.clock())
        assert ran.wait(30), "the committed job did not wake the worker"
    finally:
        worker.stop()


def test_during_an_alert_storm_the_worker_gives_way_to_intake(container: Container) -> None:
    """Above ``worker_storm_rate`` accepted alerts/s the paging lane pauses after each job for
    long enough to keep its share of the time at ``worker_storm_share``; below, never. The
    follow-up lane keeps to that share whenever alerts are arriving at all."""
    container.settings.worker_storm_rate = 1000
    container.settings.worker_storm_share = 0.25
    worker = Worker(container, {}, ())
    paused: list[float] = []
    worker.stopping.wait = paused.append  # type: ignore[assignment,method-assign]
    worker._give_way(0.004, follow_up=True)  # no alert lately: the follow-up work runs freely
    assert paused == []
    container.intake_rate.add(100)  # 200 alerts/s over the half-second window: no storm
    worker._give_way(0.004, follow_up=False)
    assert paused == []
    worker._give_way(0.004, follow_up=True)
    assert paused == [pytest.approx(0.012)]  # ran 4 ms, so pauses 12 ms: a quarter of the time
    container.intake_rate.add(1000)  # 2,200 alerts/s
    worker._give_way(0.004, follow_up=False)
    assert paused == [pytest.approx(0.012)] * 2
    container.settings.worker_storm_share = 1  # yielding switched off
    worker._give_way(0.004, follow_up=True)
    assert paused == [pytest.approx(0.012)] * 2


def test_follow_up_work_waits_while_the_intake_log_has_a_backlog(container: Container) -> None:
    """A storm may arrive at other processes: the follow-up lane of any worker waits while
    its intake processor last saw alerts waiting in the shared log (bounded by
    ``worker_page_priority``); the paging lanes do not wait for it."""
    container.settings.worker_page_priority = 3600
    worker = Worker(container, {}, ())
    container.intake_rate.saw_log(waiting=True)
    worker._let_pages_go_first(follow_up=False)  # returns at once: pages never wait
    follow_up = threading.Thread(target=worker._let_pages_go_first, args=(True,))
    follow_up.start()
    time.sleep(0.2)
    assert follow_up.is_alive(), "the follow-up lane did not wait for the backlog"
    container.intake_rate.saw_log(waiting=False)
    follow_up.join(30)
    assert not follow_up.is_alive()


def test_every_lane_is_woken_by_a_commit_that_enqueued(container: Container) -> None:
    """Each lane registers its own wake-up; one commit wakes all of them, not only the
    first listener to look (which used to clear the flag for the others)."""
    woken: list[str] = []
    factory = container.db.sessionmaker
    first, second = lambda _: woken.append("first"), lambda _: woken.append("second")
    service.on_enqueued_commit(factory, first)
    service.on_enqueued_commit(factory, second)
    try:
        with container.db.session() as session:
            service.enqueue(session=session, kind="x", payload={}, due_at=container.clock())
        assert sorted(woken) == ["first", "second"]
        with container.db.session() as session:  # a commit that enqueued nothing wakes no one
            session.execute(select(Job.id)).all()
        assert len(woken) == 2
    finally:
        service.on_enqueued_commit(factory, first, remove=True)
        service.on_enqueued_commit(factory, second, remove=True)


def test_a_rolled_back_transaction_wakes_no_one(container: Container) -> None:
    """What a transaction noted is forgotten when it rolls back (its jobs were never stored),
    but not when only a savepoint inside it does."""
    woken: list[int] = []
    factory = container.db.sessionmaker

    def wake(values: list[object]) -> None:
        woken.append(len(values))

    service.on_enqueued_commit(factory, wake)
    try:
        with pytest.raises(RuntimeError), container.db.session() as session:
            service.enqueue(session=session, kind="x", payload={}, due_at=container.clock())
            raise RuntimeError("the transaction fails")
        with container.db.session() as session:  # a later commit that enqueued nothing
            session.execute(select(Job.id)).all()
        assert woken == []
        with container.db.session() as session:
            service.enqueue(session=session, kind="x", payload={}, due_at=container.clock())
            with pytest.raises(RuntimeError), session.begin_nested():
                raise RuntimeError("only the savepoint fails")
        assert woken == [1]
    finally:
        service.on_enqueued_commit(factory, wake, remove=True)
