"""Append webhook batches to the intake log durably, parse them back, count the backlog.

A webhook's answer waits only for the append (the raw body, committed), not for the ingest.
Every commit waits for the disk, so the appends of one process that arrive while one
commits share the next one (group commit, as :mod:`warroom.intake.batch` does for whole
ingests): the first caller to find the commit free writes every waiting entry in one
multi-row insert. On SQLite commits are serial anyway; on PostgreSQL the insert is one
round trip in autocommit, and grouping also spares the server a commit per request (one
process accepted 68,600–77,100 alerts/s grouped against 45,900–59,100 with an insert per
request, three runs each of ``bench/intake.py --alerts 50000`` on 2026-12-03), while several
processes still append in parallel. A commit that appended wakes the processors of this process
(:func:`on_appended_commit`); other processes poll.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from warroom.alerts.models import AlertCreate
from warroom.alerts.parsers import alertmanager, grafana, pagerduty
from warroom.errors import Conflict, NotFound
from warroom.intake.models import IntakeLogEntry
from warroom.storage import hooks
from warroom.storage.bulk import insert_returning_ids
from warroom.storage.engine import Database

_APPENDED = "warroom.intake_appended"


def _alertmanager(body: bytes, now: datetime) -> list[AlertCreate]:
    return alertmanager.to_alerts(
        alertmanager.AlertmanagerWebhook.model_validate_json(body), now=now
    )


def _grafana(body: bytes, now: datetime) -> list[AlertCreate]:
    return grafana.to_alerts(grafana.GrafanaWebhook.model_validate_json(body), now=now)


def _pagerduty(body: bytes, now: datetime) -> list[AlertCreate]:
    return pagerduty.to_alerts(pagerduty.PagerDutyEvent.model_validate_json(body), now=now)


#: How the body of each kind of webhook becomes alerts (as its route did on arrival).
PARSERS: dict[str, Callable[[bytes, datetime], list[AlertCreate]]] = {
    "alertmanager": _alertmanager,
    "grafana": _grafana,
    "pagerduty": _pagerduty,
}


class Logged(Protocol):
    """What parsing a log row needs of it (an ``IntakeLogEntry``, or a row of its columns)."""

    kind: str
    body: bytes
    received_at: datetime


def parse(entry: Logged) -> list[AlertCreate]:
    """The alerts of a log entry, parsed with its arrival time (the same alerts as the
    webhook validated before answering)."""
    return PARSERS[entry.kind](entry.body, entry.received_at)


@dataclass
class Append:
    """One webhook batch to append; ``id`` is set once it is committed."""

    kind: str
    body: bytes
    alerts: int
    actor: str
    integration_id: int | None
    received_at: datetime
    id: int | None = None
    grouped_failed: bool = False

    def row(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "integration_id": self.integration_id,
            "actor": self.actor,
            "body": self.body,
            "alerts": self.alerts,
            "received_at": self.received_at,
            "state": "queued",
            "error": None,
            "failed_at": None,
        }


class _AppendGroup:
    """Shares one insert among the appends of this process that queue while one commits."""

    def __init__(self) -> None:
        self._queue_lock = threading.Lock()
        self._leader = threading.Lock()
        self._queue: list[Append] = []
        self._pending = 0
        #: Set while no append of this process waits or writes.
        self.idle = threading.Event()
        self.idle.set()

    def run(self, db: Database, entry: Append) -> int:
        with self._queue_lock:
            self._queue.append(entry)
            self._pending += 1
            self.idle.clear()
        try:
            return self._run(db, entry)
        finally:
            with self._queue_lock:
                self._pending -= 1
                if not self._pending:
                    self.idle.set()

    def _run(self, db: Database, entry: Append) -> int:
        with self._leader:
            if entry.id is None and not entry.grouped_failed:
                with self._queue_lock:
                    group, self._queue = self._queue, []
                try:
                    _insert(db, group)
                except Exception:
                    for member in group:
                        member.grouped_failed = True
        if entry.id is None:  # its group failed: append it alone, raising its own error
            _insert(db, [entry])
        assert entry.id is not None
        return entry.id


def _insert(db: Database, entries: list[Append]) -> None:
    with db.one_statement() as session:
        ids = insert_returning_ids(session, IntakeLogEntry, [e.row() for e in entries])
        hooks.note(session, _APPENDED)
    for entry, new_id in zip(entries, ids, strict=True):
        entry.id = new_id


_groups: weakref.WeakKeyDictionary[Database, _AppendGroup] = weakref.WeakKeyDictionary()
_groups_lock = threading.Lock()


def append(db: Database, entry: Append) -> int:
    """Store the batch in the log, committed before this returns; its log id."""
    with _groups_lock:
        group = _groups.get(db)
        if group is None:
            group = _groups[db] = _AppendGroup()
    return group.run(db, entry)


def wait_for_appends(db: Database, timeout: float) -> None:
    """Wait, at most ``timeout`` seconds, until no append of this process is waiting or
    writing (a pass then lets the webhooks answer first: on SQLite they share one writer;
    on PostgreSQL, this process and the machine's cores)."""
    group = _groups.get(db)
    if group is not None:
        group.idle.wait(timeout)


def on_appended_commit(
    factory: sessionmaker[Session], callback: hooks.Callback, *, remove: bool = False
) -> None:
    """Call ``callback`` after each commit of a ``factory`` session that appended to the log
    (the in-process processor's wake-up); ``remove=True`` undoes it."""
    hooks.after_commit(factory, _APPENDED, callback, remove=remove)


def backlog(session: Session) -> dict[str, int]:
    """Log rows waiting to be ingested and rows that failed, with their alerts."""
    counts = {"waiting": 0, "waiting_alerts": 0, "failed": 0, "failed_alerts": 0}
    found = session.execute(
        select(
            IntakeLogEntry.state, func.count(), func.coalesce(func.sum(IntakeLogEntry.alerts), 0)
        ).group_by(IntakeLogEntry.state)
    ).all()
    for state, rows, alerts in found:
        name = "waiting" if state == "queued" else "failed"
        counts[name], counts[f"{name}_alerts"] = int(rows), int(alerts)
    return counts


def failed(session: Session, *, limit: int = 20) -> list[dict[str, Any]]:
    """The oldest log rows whose ingest failed, with the error (nothing is dropped)."""
    found = session.scalars(
        select(IntakeLogEntry)
        .where(IntakeLogEntry.state == "failed")
        .order_by(IntakeLogEntry.id)
        .limit(limit)
    ).all()
    return [
        {
            "id": row.id,
            "kind": row.kind,
            "actor": row.actor,
            "alerts": row.alerts,
            "received_at": row.received_at.isoformat(),
            "failed_at": row.failed_at.isoformat() if row.failed_at else None,
            "error": row.error,
        }
        for row in found
    ]


def retry(session: Session, *, entry_id: int) -> None:
    """Queue a failed row again, once the cause of its failure is fixed (a playbook or
    parser change): the next pass ingests it, before the rows that arrived after it."""
    row = session.get(IntakeLogEntry, entry_id, with_for_update=True)
    if row is None:
        raise NotFound(f"intake log row {entry_id} not found (an ingested row is removed)")
    if row.state != "failed":
        raise Conflict(f"intake log row {entry_id} is {row.state}, not failed")
    row.state, row.error, row.failed_at = "queued", None, None
    hooks.note(session, _APPENDED)  # wakes this process's processor at the commit
