"""The pager: this process sends the pages it committed, right after the commit.

A transaction that queues a page (an incident opened, a level escalated, a page by hand)
enqueues its delivery job with ``prompt=True``; after that transaction commits, the pager
claims exactly those jobs (by id, under a token and the lease, as every worker claims) and
runs them on its own threads, so the HTTP answer does not wait for the send and the page does
not wait for a worker's poll. It changes nothing of the delivery guarantee: the outbox row and
its job are the ones any worker would take; a crash between the commit and the send leaves
the job pending (or claimed, until its lease runs out) for any worker, and a crash during the
send is the one documented duplicate (see ``warroom.notify.handlers``).

It hooks the session factory, not an HTTP route, so it works for whatever commits in the
process: the API, a worker's escalation job, a background intake processor.
"""

from __future__ import annotations

import logging
import queue
import threading

from warroom.jobs import service
from warroom.worker.loop import Worker

log = logging.getLogger(__name__)

#: Sends run on these threads in parallel: a storm's pages wait on receivers, not on the CPU.
THREADS = 4


class Pager:
    def __init__(self, worker: Worker, threads: int = THREADS):
        self.worker = worker
        self._count = threads
        self._queue: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._outstanding = 0

    def start(self) -> None:
        """Hook the commits of this process and start the sending threads."""
        service.on_prompt_commit(self.worker.env.db.sessionmaker, self._take)
        for n in range(self._count):
            thread = threading.Thread(target=self._run, name=f"pager-{n}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Stop taking new pages; the threads end after the send in hand (what is left is a
        pending job any worker takes)."""
        service.on_prompt_commit(self.worker.env.db.sessionmaker, self._take, remove=True)
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)

    def _take(self, ids: list[int]) -> None:
        # Called inside the commit (the write lock may be held): hand over, nothing more.
        with self._lock:
            self._outstanding += len(ids)
            self.worker.pages_sent.clear()
        for job_id in ids:
            self._queue.put(job_id)

    def _run(self) -> None:
        while (job_id := self._queue.get()) is not None:
            try:
                self.worker.run_once(ids=(job_id,))
            except Exception:  # the database went away, say: a worker takes the job later
                log.exception("pager could not send job %s", job_id)
            finally:
                with self._lock:
                    self._outstanding -= 1
                    if not self._outstanding:
                        self.worker.pages_sent.set()
