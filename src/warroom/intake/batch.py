"""Run intake batches durably: each is committed before its caller gets an answer.

On SQLite every commit waits for an fsync of the write-ahead log (``synchronous=FULL``), and
commits are serial, so the disk, not the CPU, caps how many batches a second can be stored.
Batches that arrive while another is being committed therefore share the next transaction
(group commit, as PostgreSQL's ``commit_delay`` does): the first caller to find the commit
free becomes the leader and ingests every waiting batch in one transaction; the others wait
for it and return their own results. The group is ingested in one pass (``ingest_parts``:
one lookup, one insert of the new alerts) unless an alert is in two of its batches, then one
batch after another. Nothing is answered before its commit, and a batch that fails takes
nobody else down: the group is rolled back and each batch is then run alone. PostgreSQL runs
writers in parallel, so there each batch runs alone.

Id races between processes (two picking the same incident id in the same second) are
retried: the loser sees the winner's row.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.alerts.models import AlertCreate
from warroom.alerts.rate import IntakeRate
from warroom.env.port import Env
from warroom.incidents import ids
from warroom.intake.service import IngestResult, Part, ingest, ingest_parts
from warroom.storage.engine import Database

# Enough that processes opening hundreds of incidents in one second all get their ids.
ATTEMPTS = 10

OnStored = Callable[[list[AlertCreate], IngestResult], None]


class IntakeEnv(Env, Protocol):
    """What intake uses of its process: ``Env`` and the rate of alerts accepted lately (the
    worker reads it to give way during a storm)."""

    @property
    def intake_rate(self) -> IntakeRate: ...


@dataclass
class _Batch:
    alerts: list[AlertCreate]
    actor: str
    integration_id: int | None
    result: IngestResult | None = None
    grouped_failed: bool = False


class GroupCommit:
    """Shares one SQLite transaction among the batches that queue while one commits."""

    def __init__(self) -> None:
        self._queue_lock = threading.Lock()
        self._leader = threading.Lock()
        self._queue: list[_Batch] = []

    def run(self, env: IntakeEnv, batch: _Batch) -> IngestResult:
        with self._queue_lock:
            self._queue.append(batch)
        with self._leader:
            if batch.result is None and not batch.grouped_failed:
                with self._queue_lock:
                    group, self._queue = self._queue, []
                _commit_group(env, group)
        if batch.result is None:  # its group failed: run it alone, with the usual retries
            return _alone(env, batch)
        return batch.result


def _commit_group(env: IntakeEnv, group: list[_Batch]) -> None:
    try:
        with env.db.session() as session:
            if _disjoint(group):
                results = ingest_parts(
                    session=session,
                    parts=[Part(b.alerts, b.actor, b.integration_id) for b in group],
                    playbook=env.playbook,
                    now=env.clock(),
                )
            else:  # one alert in two batches: each must see the one before it stored
                results = [_ingest(env, session, batch) for batch in group]
    except Exception:
        for batch in group:
            batch.grouped_failed = True
        return
    for batch, result in zip(group, results, strict=True):
        batch.result = result


def _disjoint(group: list[_Batch]) -> bool:
    """No alert (source, fingerprint) is in two of the batches."""
    keys = [{(a.source, a.fingerprint) for a in batch.alerts} for batch in group]
    return len(set().union(*keys)) == sum(map(len, keys))


_groups: weakref.WeakKeyDictionary[Database, GroupCommit] = weakref.WeakKeyDictionary()
_groups_lock = threading.Lock()


def _group_for(db: Database) -> GroupCommit:
    with _groups_lock:
        found = _groups.get(db)
        if found is None:
            found = _groups[db] = GroupCommit()
        return found


def ingest_batch(
    env: IntakeEnv,
    alerts: list[AlertCreate],
    *,
    actor: str,
    integration_id: int | None = None,
    on_stored: OnStored | None = None,
) -> IngestResult:
    """Store the batch durably (committed before this returns) or raise."""
    batch = _Batch(alerts, actor, integration_id)
    env.intake_rate.add(len(alerts))
    with env.intake_rate.storing():
        if env.db.dialect == "sqlite":
            result = _group_for(env.db).run(env, batch)
        else:
            result = _alone(env, batch)
    if on_stored is not None:
        on_stored(alerts, result)
    return result


def _alone(env: IntakeEnv, batch: _Batch) -> IngestResult:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with env.db.session() as session:
                return _ingest(env, session, batch)
        except IntegrityError:
            # Two processes picked the same incident id in the same second; the loser retries
            # and sees the winner's row.
            if attempt == ATTEMPTS:
                raise
            ids.skip_ahead(env.db.engine)
    raise AssertionError("unreachable")


def _ingest(env: IntakeEnv, session: Session, batch: _Batch) -> IngestResult:
    return ingest(
        session=session,
        alerts=batch.alerts,
        playbook=env.playbook,
        actor=batch.actor,
        now=env.clock(),
        integration_id=batch.integration_id,
    )


def summary(result: IngestResult) -> dict[str, Any]:
    return {
        "accepted": len(result.alert_ids),
        "alert_ids": result.alert_ids,
        "created": result.created,
        "updated": result.updated,
        "silenced": result.silenced,
        "pending": result.pending,
        "incidents_opened": result.incidents_opened,
        "incidents_updated": result.incidents_updated,
    }
