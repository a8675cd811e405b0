"""The pager: this process sends the pages it committed, right after the commit.

A transaction that queues a page (an incident opened, a level escalated, a page by hand) does
so with ``prompt=True``; just before that transaction commits, the pager claims the pages'
delivery jobs (under a token and the lease, as every worker claims) and marks their outbox rows
``sending`` (attempt 1), in that same transaction; after the commit it sends them on its own
threads, so the HTTP answer does not wait for the send, the page does not wait for a worker's
poll, and no transaction stands between the commit and the send. It changes nothing of the
delivery guarantee: the outbox row and its job are the ones any worker would take, claimed and
marked ``sending`` in a committed transaction before the send, marked ``sent`` and finished
after it. A crash after the commit leaves the job claimed until its lease runs out, then any
worker sends the page (the row says ``sending``, so the worker records it as interrupted and
sends with the same key: the one documented duplicate, see ``warroom.notify.handlers``).
The pages waiting when a thread takes them go as one batch: they are sent in parallel and one
transaction records them sent, so a storm's thousand pages do not cost a commit each.

It hooks the session factory, not an HTTP route, so it works for whatever commits in the
process: the API, a worker's escalation job, a background intake processor.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, update
from sqlalchemy.orm import Session

from warroom.chatops import pages
from warroom.errors import DeliveryError, RateLimited
from warroom.jobs import service
from warroom.jobs.context import JobInfo
from warroom.jobs.models import Job
from warroom.notify import handlers as notify
from warroom.notify import service as outbox
from warroom.notify.service import DELIVER
from warroom.storage import hooks
from warroom.worker.loop import Worker

log = logging.getLogger(__name__)

#: Threads taking batches; each batch's sends run in parallel on the shared senders.
THREADS = 2
SENDERS = 8
BATCH = 100


#: What a commit's claim hands to the sending threads (noted in the committing session).
_CLAIMED = "warroom.pager_claimed"


@dataclass(eq=False)
class _Page:
    info: JobInfo
    payload: dict[str, Any]
    claimed: notify.Claimed | None
    #: ``time.monotonic()`` when the lease taken for it runs out.
    deadline: float
    error: Exception | None = None


class Pager:
    def __init__(self, worker: Worker, threads: int = THREADS):
        self.worker = worker
        self._count = threads
        self._queue: queue.SimpleQueue[_Page | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._outstanding = 0
        self._senders = ThreadPoolExecutor(SENDERS, thread_name_prefix="pager-send")

    def start(self) -> None:
        """Hook the commits of this process and start the sending threads."""
        factory = self.worker.env.db.sessionmaker
        outbox.on_prompt_commit(factory, claim=self._claim)
        hooks.after_commit(factory, _CLAIMED, self._take)
        for n in range(self._count):
            thread = threading.Thread(target=self._run, name=f"pager-{n}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Stop taking new pages; the threads end after the batch in hand (what is left is a
        claimed job any worker takes once its lease runs out)."""
        factory = self.worker.env.db.sessionmaker
        outbox.on_prompt_commit(factory, claim=self._claim, remove=True)
        hooks.after_commit(factory, _CLAIMED, self._take, remove=True)
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)
        self._senders.shutdown(wait=False)

    def _claim(self, session: Session, prompts: list[outbox.Prompt]) -> None:
        # Inside the committing transaction: its statements commit with the pages.
        env = self.worker.env
        now, token = env.clock(), uuid.uuid4().hex
        lease = timedelta(seconds=env.settings.job_lease)
        held = _claim_new(session, [p.job_id for p in prompts], now, now + lease, token)
        jobs = {job.id: job for job in held}
        rows = [p.row for p in prompts if p.job_id in jobs]
        claimed = notify.claim_queued(session, rows, now)
        deadline = time.monotonic() + lease.total_seconds()
        for prompt in prompts:
            job = jobs.get(prompt.job_id)
            if job is None:  # not due yet, say: a worker takes it when it is
                continue
            info = JobInfo(id=job.id, kind=DELIVER, attempts=job.attempts, claim_token=token)
            page = _Page(info, dict(job.payload), claimed.get(prompt.row.id), deadline)
            hooks.note(session, _CLAIMED, page)

    def _take(self, batch: list[_Page]) -> None:
        # Called inside the commit (the write lock may be held): hand over, nothing more.
        with self._lock:
            self._outstanding += len(batch)
            self.worker.pages_sent.clear()
        for page in batch:
            self._queue.put(page)

    def _run(self) -> None:
        while (first := self._queue.get()) is not None:
            batch, last = [first], False
            while len(batch) < BATCH and not self._queue.empty():
                if (page := self._queue.get()) is None:
                    last = True
                    break
                batch.append(page)
            try:
                self._deliver(batch)
            except Exception:  # the database went away, say: a worker takes the jobs later
                log.exception("pager could not send jobs %s", [p.info.id for p in batch])
            finally:
                self._done(len(batch))
            if last:
                return

    def _done(self, count: int) -> None:
        with self._lock:
            self._outstanding -= count
            if not self._outstanding:
                self.worker.pages_sent.set()

    def _deliver(self, batch: list[_Page]) -> None:
        env = self.worker.env
        env.refresh_directory()  # pages go to the people of the moment
        now = env.clock()
        batch = self._hold(batch, now)
        unmarked = [page for page in batch if page.claimed is None]
        if unmarked:  # claimed with the commit, but the row was not there to mark
            with env.db.session() as session:  # committed before any send
                for page in unmarked:
                    notification = page.payload["notification_id"]
                    page.claimed = notify.claim_in(session, page.info, notification, now)
        sending = [p for p in batch if p.claimed is not None]
        if len(sending) == 1:  # the usual case: no hop to another thread
            self._send(sending[0], now)
        else:
            list(self._senders.map(lambda p: self._send(p, now), sending))
        done = [page for page in batch if page.error is None]
        with env.db.session() as session:
            sent = [
                (page.payload["notification_id"], page.claimed.attempt)
                for page in done
                if page.claimed is not None
            ]
            notify.mark_all_sent(session, sent, now)
            for token in {page.info.claim_token for page in done}:
                ids = [page.info.id for page in done if page.info.claim_token == token]
                service.finish_these(session=session, job_ids=ids, token=token, now=now)
        for page in batch:
            if page.error is not None:
                self._failed(page)

    def _hold(self, batch: list[_Page], now: datetime) -> list[_Page]:
        """The pages whose lease outlasts a send from now: a page that waited in the queue
        (a storm, a slow receiver) has its lease renewed first, so no worker takes it over
        mid-send; one this process no longer holds is dropped (its new holder sends it)."""
        settings = self.worker.env.settings
        margin = self._timeout() + settings.job_lease / 4
        late = [page for page in batch if page.deadline - time.monotonic() < margin]
        if not late:
            return batch
        lease = timedelta(seconds=settings.job_lease)
        with self.worker.env.db.session(durable=False) as session:
            kept = {page.info.id for page in late if _renew(session, page.info, now + lease)}
        deadline = time.monotonic() + settings.job_lease
        for page in late:
            page.deadline = deadline
        return [page for page in batch if page not in late or page.info.id in kept]

    def _timeout(self) -> float:
        settings = self.worker.env.settings
        return min(settings.notify_timeout, settings.job_lease / 2)

    def _send(self, page: _Page, now: datetime) -> None:
        assert page.claimed is not None
        ctx = self.worker.context(page.info, now)
        config = next((c for c in ctx.playbook.channels if c.name == page.claimed.channel), None)
        try:
            if config is None:
                raise DeliveryError(f"channel {page.claimed.channel!r} is not in the playbook")
            with ctx.stack:
                pages.send(ctx, config, page.claimed.message, self._timeout())
        except Exception as exc:  # recorded as the job's failed attempt, as a worker would
            page.error = exc

    def _failed(self, page: _Page) -> None:
        exc = page.error
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
        error = str(exc) if isinstance(exc, RateLimited) else f"{type(exc).__name__}: {exc}"
        log.warning(
            "job %s (%s) attempt %s failed: %s", page.info.id, DELIVER, page.info.attempts, error
        )
        self.worker.failed(page.info, page.payload, error, retry_after)


def _claim_new(
    session: Session, ids: list[int], now: datetime, lease_until: datetime, token: str
) -> Sequence[Row[Any]]:
    """Claim, in one statement, the delivery jobs among ``ids`` that are pending and due, as
    ``jobs.service.claim`` would; for jobs created in the caller's own transaction (no other
    transaction can see, let alone lock, them), so no row is read first."""
    values = {"ids": ids, "now": now, "lease_until": lease_until, "token": token}
    return session.execute(_CLAIM, values).all()


_JOBS = cast(Table, Job.__table__)
# Built once: building the statement costs several times what SQLite takes to run it.
_CLAIM = (
    update(_JOBS)
    .where(
        _JOBS.c.id.in_(bindparam("ids", expanding=True)),
        _JOBS.c.kind == DELIVER,
        _JOBS.c.status == "pending",
        _JOBS.c.due_at <= bindparam("now"),
    )
    .values(
        status="running",
        attempts=_JOBS.c.attempts + 1,
        lease_until=bindparam("lease_until"),
        claim_token=bindparam("token"),
        updated_at=bindparam("now"),
    )
    .returning(_JOBS.c.id, _JOBS.c.attempts, _JOBS.c.payload)
)


def _renew(session: Session, info: JobInfo, lease_until: datetime) -> bool:
    """Extend the lease of a job this process still holds; False when it lost it."""
    result = session.execute(
        update(Job)
        .where(Job.id == info.id, Job.claim_token == info.claim_token, Job.status == "running")
        .values(lease_until=lease_until)
    )
    return bool(getattr(result, "rowcount", 0))
