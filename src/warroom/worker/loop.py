"""The worker: claims due jobs one at a time and runs their handlers.

PostgreSQL: any number of workers (``SELECT ... FOR UPDATE SKIP LOCKED`` plus a lease).
SQLite: one worker process (``warroom serve`` runs it in-process). A job whose worker died is
claimed again once its lease has run out; finishing checks the claim token, so a worker that
lost its lease cannot commit the job's side effects on top of the new owner's.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from warroom.errors import RateLimited
from warroom.intake.batch import IntakeEnv
from warroom.jobs import service
from warroom.jobs.context import JobContext, JobInfo
from warroom.jobs.models import Job
from warroom.notify.redact import redact
from warroom.playbook.runbook import Runbook
from warroom.worker.registry import HANDLERS, TICKS, Handler, Tick

log = logging.getLogger(__name__)
__all__ = ["LeaseLost", "Worker", "redact"]


class LeaseLost(Exception):
    """Another worker claimed the job while this one ran it."""


class WorkerEnv(IntakeEnv, Protocol):
    """What the worker uses of its process: intake's ``Env``, the runbooks it hands to
    job handlers, and a refresh of the people and teams before paging."""

    @property
    def runbooks(self) -> tuple[Runbook, ...]: ...

    def refresh_directory(self, *, force: bool = False) -> None: ...


class Worker:
    def __init__(
        self,
        env: WorkerEnv,
        handlers: Mapping[str, Handler] = HANDLERS,
        ticks: tuple[Tick, ...] = TICKS,
    ):
        self.env = env
        self.handlers = handlers
        self.ticks = ticks
        # Pages must not queue behind diagnostics or reminders.
        self.urgent = tuple(kind for kind, h in handlers.items() if h.urgent)
        self.stopping = threading.Event()
        # One per running loop, set when a transaction of this process that enqueued jobs
        # commits, so the loop runs them at once instead of at its next poll; the poll stays
        # for other processes' jobs.
        self._wakes: list[threading.Event] = []
        self.threads: list[threading.Thread] = []
        self._slots: dict[str, int] = {}
        #: Set while this process's pager has no page to send (see ``worker.pager``): the
        #: loops let the pages go first, so a page never waits for the follow-up work of the
        #: incident it is about (diagnostics, chat rooms, reminders).
        self.pages_sent = threading.Event()
        self.pages_sent.set()

    def start(self) -> None:
        """Run the loop in a thread, plus a paging lane that runs only urgent kinds, so a page
        never waits for a slow job (a diagnostic) that this worker is already running."""
        lanes: list[tuple[str, tuple[str, ...] | None]] = [("worker", None)]
        lanes += [("worker-pages", self.urgent)] if self.urgent else []
        for name, only in lanes:
            thread = threading.Thread(
                target=self.run_forever, kwargs={"only": only}, name=name, daemon=True
            )
            self.threads.append(thread)
            thread.start()

    def stop(self, timeout: float = 10) -> None:
        self.request_stop()
        for thread in self.threads:
            thread.join(timeout)

    def request_stop(self) -> None:
        """Ask the loops to end after their current job (safe from a signal handler)."""
        self.stopping.set()
        for wake in list(self._wakes):
            wake.set()

    def run_forever(self, only: tuple[str, ...] | None = None) -> None:
        """Claim and run jobs until asked to stop; ``only``: just these kinds (a lane)."""
        settings = self.env.settings
        poll = settings.worker_poll_interval
        wake = threading.Event()
        self._wakes.append(wake)

        def woken(_: list[object]) -> None:
            wake.set()

        service.on_enqueued_commit(self.env.db.sessionmaker, woken)
        try:
            while not self.stopping.is_set():
                try:
                    self._let_pages_go_first(only is None)
                    if only is None:
                        self.schedule_ticks()
                    started = time.perf_counter()
                    busy = self.run_once(only)
                    if busy:
                        self._give_way(time.perf_counter() - started, follow_up=only is None)
                except Exception:  # the database went away, say; keep the loop alive
                    log.exception("worker iteration failed")
                    busy = False
                if not busy:
                    wake.wait(poll)
                    wake.clear()
        finally:
            service.on_enqueued_commit(self.env.db.sessionmaker, woken, remove=True)

    def _let_pages_go_first(self, follow_up: bool) -> None:
        """Wait while this process's pager has pages to send and, before a follow-up job,
        while it stores a batch of alerts or the intake log has alerts waiting (whose
        incidents and pages come next: in a storm arriving at other processes too, the
        follow-up work of the first incidents must not take the cores from the opening of
        the rest). Bounded each time, so a pager or an intake that never rests cannot starve
        the other work."""
        bound = self.env.settings.worker_page_priority
        self.pages_sent.wait(bound)
        if follow_up:
            self.env.intake_rate.idle.wait(bound)
            self.env.intake_rate.log_drained.wait(bound)

    def _give_way(self, spent: float, *, follow_up: bool) -> None:
        """During an alert storm (this process accepting more than ``worker_storm_rate``
        alerts/s), run at most ``worker_storm_share`` of the time, shared by the lanes:
        every thread here shares one interpreter lock, and accepting the storm's alerts
        durably comes first. The follow-up lane (diagnostics, chat rooms, reminders) keeps
        to that share whenever this process is accepting alerts at all, so the next alert's
        incident and page do not wait on the last one's follow-up work. Pages still go out
        during the storm, ahead of other jobs, and the rest follows as soon as it passes."""
        settings = self.env.settings
        if settings.worker_storm_share == 1:
            return
        threshold = 0 if follow_up else settings.worker_storm_rate
        if self.env.intake_rate.per_second() > threshold:
            share = settings.worker_storm_share / max(1, len(self.threads))
            self.stopping.wait(spent * (1 - share) / share)

    def run_until_idle(self, limit: int = 1000) -> int:
        """Run due jobs until none is left (tests and one-shot runs); the number run."""
        count = 0
        self.schedule_ticks()
        while count < limit and self.run_once():
            count += 1
        return count

    def schedule_ticks(self) -> None:
        now = self.env.clock()
        due = []
        for tick in self.ticks:
            slot = int(now.timestamp() // tick.every.total_seconds())
            if self._slots.get(tick.kind) != slot:
                due.append((tick, slot))
        if not due:
            return
        with self.env.db.session() as session:
            for tick, slot in due:
                service.enqueue(
                    session=session,
                    kind=tick.kind,
                    payload={"slot": slot},
                    due_at=now,
                    key=f"tick:{tick.kind}:{slot}",
                )
        for tick, slot in due:
            self._slots[tick.kind] = slot

    def run_once(
        self, only: tuple[str, ...] | None = None, ids: tuple[int, ...] | None = None
    ) -> bool:
        """Claim and run one due job (of the ``only`` kinds, of the ``ids``); False when none
        was due."""
        settings = self.env.settings
        self.env.refresh_directory()  # pages go to the people of the moment
        token = uuid.uuid4().hex
        now = self.env.clock()
        # A claim lost with the machine only means the job runs again, as after a crash.
        with self.env.db.session(durable=False) as session:
            job = service.claim(
                session=session,
                now=now,
                lease=timedelta(seconds=settings.job_lease),
                token=token,
                first=self.urgent,
                only=only,
                ids=ids,
            )
            if job is None:
                return False
            info = JobInfo(id=job.id, kind=job.kind, attempts=job.attempts, claim_token=token)
            payload = dict(job.payload)
        handler = self.handlers.get(info.kind)
        if handler is None:
            self._failed(info, payload, f"no handler registered for job kind {info.kind!r}", None)
            return True
        if info.attempts > settings.job_max_attempts:
            # Its workers died mid-run every time (a job that kills its worker): stop here.
            self._failed(info, payload, "the worker running it stopped without finishing", handler)
            return True
        ctx = JobContext(**self._resources(), job=info, now=now)
        try:
            with ctx.stack:
                handler.run(ctx, payload)
                if not service.finish(session=ctx.session, job_id=info.id, token=token, now=now):
                    raise LeaseLost(f"job {info.id} was claimed by another worker")
        except LeaseLost as exc:
            log.warning("%s; its side effects were rolled back", exc)
        except RateLimited as exc:
            # The outside service asked to wait: not a failed attempt, nothing is lost.
            log.info("job %s (%s): %s", info.id, info.kind, exc)
            self._failed(info, payload, str(exc), handler, retry_after=exc.retry_after)
        except Exception as exc:
            log.warning("job %s (%s) attempt %s failed: %s", info.id, info.kind, info.attempts, exc)
            self._failed(info, payload, f"{type(exc).__name__}: {exc}", handler)
        return True

    def context(self, info: JobInfo, now: datetime) -> JobContext:
        """What a handler of this job gets (the pager runs deliveries by this too)."""
        return JobContext(**self._resources(), job=info, now=now)

    def failed(
        self, info: JobInfo, payload: dict[str, Any], error: str, retry_after: float | None
    ) -> None:
        """Record a failed attempt of a claimed job, as after a handler that raised."""
        self._failed(info, payload, error, self.handlers.get(info.kind), retry_after)

    def _resources(self) -> dict[str, Any]:
        """What every job handler may use, read now so it sees the current playbook."""
        c = self.env
        return {"db": c.db, "settings": c.settings, "playbook": c.playbook, "runbooks": c.runbooks}

    def _failed(
        self,
        info: JobInfo,
        payload: dict[str, object],
        error: str,
        handler: Handler | None,
        retry_after: float | None = None,
    ) -> None:
        settings = self.env.settings
        error = redact(error)
        now = self.env.clock()
        with self.env.db.session() as session:
            job = session.get(Job, info.id)
            if job is None or job.claim_token != info.claim_token or job.status != "running":
                return
            dead = service.fail(
                session=session,
                job=job,
                error=error,
                now=now,
                max_attempts=1 if handler is None else settings.job_max_attempts,
                backoff=settings.job_backoff_base,
                retry_after=retry_after,
            )
            if handler is not None and handler.on_failure is not None:
                ctx = JobContext(**self._resources(), job=info, now=now, _session=session)
                handler.on_failure(ctx, payload, error, dead)
