"""The pager: this process sends the pages it committed, right after the commit.

A transaction that queues a page (an incident opened, a level escalated, a page by hand)
enqueues its delivery job with ``prompt=True``; after that transaction commits, the pager
claims exactly those jobs (by id, under a token and the lease, as every worker claims) and
sends them on its own threads, so the HTTP answer does not wait for the send and the page does
not wait for a worker's poll. It changes nothing of the delivery guarantee: the outbox row and
its job are the ones any worker would take, and each goes through the same steps (claimed,
marked ``sending`` in a committed transaction, sent, marked ``sent``, finished); a crash
between the commit and the send leaves the job pending (or claimed, until its lease runs out)
for any worker, and a crash during the send is the one documented duplicate (see
``warroom.notify.handlers``). The pages waiting when a thread takes them go as one batch:
one transaction claims them, one marks them ``sending``, they are sent in parallel, one
transaction records them sent, so a storm's thousand pages do not cost four commits each.

It hooks the session factory, not an HTTP route, so it works for whatever commits in the
process: the API, a worker's escalation job, a background intake processor.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from warroom.chatops import pages
from warroom.errors import DeliveryError, RateLimited
from warroom.jobs import service
from warroom.jobs.context import JobInfo
from warroom.notify import handlers as notify
from warroom.notify.service import DELIVER
from warroom.worker.loop import Worker

log = logging.getLogger(__name__)

#: Threads taking batches; each batch's sends run in parallel on the shared senders.
THREADS = 2
SENDERS = 8
BATCH = 100


@dataclass
class _Page:
    info: JobInfo
    payload: dict[str, Any]
    claimed: notify.Claimed | None = None
    error: Exception | None = None


class Pager:
    def __init__(self, worker: Worker, threads: int = THREADS):
        self.worker = worker
        self._count = threads
        self._queue: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._outstanding = 0
        self._senders = ThreadPoolExecutor(SENDERS, thread_name_prefix="pager-send")

    def start(self) -> None:
        """Hook the commits of this process and start the sending threads."""
        service.on_prompt_commit(self.worker.env.db.sessionmaker, self._take)
        for n in range(self._count):
            thread = threading.Thread(target=self._run, name=f"pager-{n}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Stop taking new pages; the threads end after the batch in hand (what is left is a
        pending job any worker takes)."""
        service.on_prompt_commit(self.worker.env.db.sessionmaker, self._take, remove=True)
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)
        self._senders.shutdown(wait=False)

    def _take(self, ids: list[int]) -> None:
        # Called inside the commit (the write lock may be held): hand over, nothing more.
        with self._lock:
            self._outstanding += len(ids)
            self.worker.pages_sent.clear()
        for job_id in ids:
            self._queue.put(job_id)

    def _run(self) -> None:
        while (first := self._queue.get()) is not None:
            batch, last = [first], False
            while len(batch) < BATCH and not self._queue.empty():
                if (job_id := self._queue.get()) is None:
                    last = True
                    break
                batch.append(job_id)
            try:
                self._deliver(batch)
            except Exception:  # the database went away, say: a worker takes the jobs later
                log.exception("pager could not send jobs %s", batch)
            finally:
                self._done(len(batch))
            if last:
                return

    def _done(self, count: int) -> None:
        with self._lock:
            self._outstanding -= count
            if not self._outstanding:
                self.worker.pages_sent.set()

    def _deliver(self, ids: list[int]) -> None:
        env = self.worker.env
        env.refresh_directory()  # pages go to the people of the moment
        now, token = env.clock(), uuid.uuid4().hex
        batch = self._claim(ids, now, token)
        if not batch:
            return
        with env.db.session() as session:  # committed before any send
            for page in batch:
                notification = page.payload["notification_id"]
                page.claimed = notify.claim_in(session, page.info, notification, now)
        sending = [p for p in batch if p.claimed is not None]
        list(self._senders.map(lambda p: self._send(p, now), sending))
        done = [page for page in batch if page.error is None]
        with env.db.session() as session:
            for page in done:
                if page.claimed is not None:
                    notification = page.payload["notification_id"]
                    notify.mark_sent(session, notification, page.claimed.attempt, now)
            ids = [page.info.id for page in done]
            service.finish_these(session=session, job_ids=ids, token=token, now=now)
        for page in batch:
            if page.error is not None:
                self._failed(page)

    def _claim(self, ids: list[int], now: datetime, token: str) -> list[_Page]:
        """Claim the jobs among ``ids`` still due, in one transaction."""
        env, batch = self.worker.env, []
        lease = timedelta(seconds=env.settings.job_lease)
        with env.db.session(durable=False) as session:
            claimed = service.claim_these(
                session=session, now=now, lease=lease, token=token, kind=DELIVER, ids=ids
            )
            for job in claimed:
                info = JobInfo(id=job.id, kind=job.kind, attempts=job.attempts, claim_token=token)
                batch.append(_Page(info, dict(job.payload)))
        return batch

    def _send(self, page: _Page, now: datetime) -> None:
        assert page.claimed is not None
        ctx = self.worker.context(page.info, now)
        settings = ctx.settings
        config = next((c for c in ctx.playbook.channels if c.name == page.claimed.channel), None)
        try:
            if config is None:
                raise DeliveryError(f"channel {page.claimed.channel!r} is not in the playbook")
            timeout = min(settings.notify_timeout, settings.job_lease / 2)
            with ctx.stack:
                pages.send(ctx, config, page.claimed.message, timeout)
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
