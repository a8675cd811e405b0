"""What a job handler gets: the database, settings, playbook and runbooks, the job, ``now``
and a transaction.

A handler's writes go through ``ctx.session``; the worker marks the job done in that same
transaction, so a job's side effects and its completion commit together or not at all. The
session opens on first use: a handler that must talk to the outside world (a delivery) reads
with ``ctx.read()``, does the slow call holding no transaction, then writes via ``ctx.session``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warroom.config import Settings
from warroom.playbook.runbook import Runbook
from warroom.playbook.schema import Playbook
from warroom.storage.engine import Database


@dataclass(frozen=True)
class JobInfo:
    id: int
    kind: str
    attempts: int
    claim_token: str


@dataclass
class JobContext:
    db: Database
    settings: Settings
    #: The playbook at the moment the job was claimed (with the directory's people and teams).
    playbook: Playbook
    runbooks: tuple[Runbook, ...]
    job: JobInfo
    now: datetime
    stack: ExitStack = field(default_factory=ExitStack)
    _session: Session | None = None

    @property
    def session(self) -> Session:
        """The job's write transaction (opened on first use, committed with the job)."""
        if self._session is None:
            self._session = self.stack.enter_context(self.db.session())
        return self._session

    def read(self) -> AbstractContextManager[Session]:
        """A separate read-only session, for reads before any slow outside call."""
        return self.db.read()


Run = Callable[[JobContext, dict[str, Any]], None]
#: Called in a fresh transaction after a failed attempt: (ctx, payload, error, final).
OnFailure = Callable[[JobContext, dict[str, Any], str, bool], None]
