"""Runs rollbacks in background threads of the serving process and resumes orphans.

A rollback row is the durable record; this runner only provides threads. Every
``rollback_scan_interval`` it also claims rollbacks whose lease expired (their runner
crashed) so they resume or conclude.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from warroom.deploy.models import RollbackRead
from warroom.env.port import Env
from warroom.rollback import engine
from warroom.rollback import service as rollbacks

log = logging.getLogger(__name__)


class RollbackRunner:
    def __init__(self, env: Env):
        self.env = env
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rollback")
        self.stopping = threading.Event()
        self.scanner = threading.Thread(target=self._scan, name="rollback-scan", daemon=True)

    def start(self) -> None:
        self.scanner.start()

    def stop(self) -> None:
        self.stopping.set()
        self.pool.shutdown(wait=False, cancel_futures=True)

    def submit(self, rollback_id: int) -> None:
        self.pool.submit(self._run, rollback_id)

    def start_manual(
        self,
        *,
        service: str,
        to_version: str | None,
        incident_id: str | None,
        actor: str,
        reason: str,
    ) -> RollbackRead:
        """Record a rollback a person asked for and run it now: the one way the API, the
        console (and the CLI, through the API) start a manual rollback."""
        with self.env.db.session() as session:
            row = rollbacks.start(
                session=session,
                service=service,
                to_version=to_version,
                incident_id=incident_id,
                trigger="manual",
                actor=actor,
                reason=reason,
                stable_after=self.env.playbook.rollback.stable_after,
                now=self.env.clock(),
            )
            session.flush()
            read = RollbackRead.model_validate(row)
        self.submit(read.id)
        return read

    def _run(self, rollback_id: int) -> None:
        try:
            engine.run(
                self.env,
                rollback_id,
                poll=self.env.settings.rollback_poll_interval,
                stopping=self.stopping,
            )
        except Exception:  # the engine records endings; this only guards the thread
            log.exception("rollback %s runner crashed", rollback_id)

    def _scan(self) -> None:
        while not self.stopping.wait(self.env.settings.rollback_scan_interval):
            try:
                with self.env.db.read() as session:
                    orphans = rollbacks.stale(session=session, now=self.env.clock())
            except Exception:
                log.exception("rollback scan failed")
                continue
            for rollback_id in orphans:
                self.submit(rollback_id)
