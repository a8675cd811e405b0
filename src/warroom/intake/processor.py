"""Ingest the intake log: in log order, in large batches, each row once.

A pass takes the oldest waiting rows (up to ``PASS_ROWS``), ingests them through the same
code as a synchronous intake (``ingest_parts``: one lookup, one insert of the new alerts for
rows that share no alert; a row that repeats an alert of an earlier row starts the next
run, so it sees that alert stored) and deletes them, all in one transaction: a crash before
the commit leaves the rows waiting for the next pass (of this process or another), and after
it they are gone, so a row is ingested at most once and never lost.

Only one pass runs at a time across processes: on PostgreSQL a pass first takes a
transaction-level advisory lock (released by its commit); on SQLite the single writer already
serializes them. A pass first lets the appends of this process that are waiting or writing
go (for at most ``APPEND_PRIORITY``): during a storm the webhooks keep answering and the log
grows between passes, so each pass takes more rows for its fixed cost.

A pass that fails is rolled back and its rows are then ingested one at a time; a row that
still fails (a data error, not an unreachable database) is marked ``failed`` with the error
and the rows after it go on. Failed rows stay visible in ``GET /api/v1/health`` and the
``warroom_intake_log_rows`` gauge.

Each row is parsed with its arrival time (a sender's alert without a start time starts when it
arrived); the incidents it opens or updates carry the time of the pass, normally milliseconds
after the arrival, and later only when no processor ran (their alerts keep the sender's times).

Every ``warroom serve`` (with or without ``--no-worker``) and every ``warroom worker`` runs an
:class:`IntakeProcessor`: a thread woken right after a commit of this process appended, and
polling for other processes' appends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

from sqlalchemy import Row, Select, Table, bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from warroom.alerts.models import AlertCreate
from warroom.intake.batch import IntakeEnv
from warroom.intake.log import on_appended_commit, parse, wait_for_appends
from warroom.intake.models import IntakeLogEntry
from warroom.intake.service import IngestResult, Part, ingest, ingest_parts

#: Alerts per pass (whole rows, at least one): large enough that a storm is ingested in few
#: transactions, and on SQLite small enough that a pass does not hold the single writer (and
#: so the webhooks' appends) for long. PostgreSQL appends while a pass runs.
PASS_ALERTS = {"sqlite": 1000, "postgresql": 5000}
STORM_PASS_ALERTS = 200
PASS_ROWS = 500
#: Seconds a pass waits, on SQLite, for the webhooks' appends in flight to be written first.
APPEND_PRIORITY = 0.05
ATTEMPTS = 3
#: The advisory lock that lets one PostgreSQL transaction at a time process the log.
LOCK_KEY = 0x5741_5252_494E_5441  # "WARRINTA"
#: The database is unreachable or went away: not the row's fault, so it is not marked failed.
TRANSIENT = (OperationalError, InterfaceError)

OnStored = Callable[[list[AlertCreate], IngestResult], None]
Stored = list[tuple[list[AlertCreate], IngestResult]]
log = logging.getLogger(__name__)


def process_once(env: IntakeEnv, *, on_stored: OnStored | None = None, wait: bool = False) -> int:
    """Ingest the oldest waiting log rows in one transaction; how many rows were handled
    (0: none waiting, or another process holds the log and ``wait`` is false)."""
    # Parsed before the write transaction: on SQLite the appends wait while a pass holds the
    # single writer, so the pass holds it for the ingest only.
    with env.db.read() as session:
        entries = _oldest(session, _pass_alerts(env))
    env.intake_rate.saw_log(bool(entries))
    if not entries:
        return 0
    ids = [entry.id for entry in entries]
    try:
        parts = [(entry.id, _part(entry)) for entry in entries]
        wait_for_appends(env.db, APPEND_PRIORITY)
        with env.db.session() as session:
            if not _locked(session, wait=wait):
                return 0
            # Taken by deleting them (undone if the pass fails); rows another process
            # ingested since they were read are gone, and left out.
            queued = set(session.scalars(_TAKE, {"ids": ids}))
            taken = [part for entry_id, part in parts if entry_id in queued]
            stored = _ingest_parts(env, session, taken)
    except TRANSIENT:
        raise
    except Exception:
        log.warning("intake log rows %s failed together; ingesting them one by one", ids)
        for entry_id in ids:
            _alone(env, entry_id, on_stored)
        return len(ids)
    _report(stored, on_stored)
    return len(ids)


def _pass_alerts(env: IntakeEnv) -> int:
    """How many alerts one pass takes; on SQLite during a storm, few, so that the webhooks'
    appends, which wait for the single writer, never wait long."""
    if env.db.dialect != "sqlite":
        return PASS_ALERTS["postgresql"]
    if env.intake_rate.per_second() > env.settings.worker_storm_rate:
        return STORM_PASS_ALERTS
    return PASS_ALERTS["sqlite"]


def _oldest(session: Session, alerts: int) -> list[Row[Any]]:
    """The oldest waiting rows, up to about ``alerts`` alerts (at least one row), in one
    query: the rows are chosen on their sizes (a running sum) before any body is read, so in
    a backlog of small batches a pass reads only the few bodies it takes."""
    return list(session.execute(_OLDEST, {"budget": max(alerts, 1), "rows": PASS_ROWS}))


_LOG = cast(Table, IntakeLogEntry.__table__)


def _oldest_statement() -> Select[Any]:
    waiting = (
        select(_LOG.c.id, _LOG.c.alerts)
        .where(_LOG.c.state == "queued")
        .order_by(_LOG.c.id)
        .limit(bindparam("rows"))
        .subquery()
    )
    before = func.sum(waiting.c.alerts).over(order_by=waiting.c.id) - waiting.c.alerts
    running = select(waiting.c.id, before.label("before")).subquery()
    # The first row always (nothing is before it), then those that start within the budget.
    chosen = select(running.c.id).where(running.c.before < bindparam("budget"))
    columns = ("id", "kind", "body", "actor", "integration_id", "received_at")
    return (
        select(*(_LOG.c[name] for name in columns))
        .where(_LOG.c.id.in_(chosen), _LOG.c.state == "queued")
        .order_by(_LOG.c.id)
    )


# Built once: building these statements cost more than SQLite takes to run them.
_OLDEST = _oldest_statement()
_TAKE = (
    delete(_LOG)
    .where(_LOG.c.id.in_(bindparam("ids", expanding=True)), _LOG.c.state == "queued")
    .returning(_LOG.c.id)
)


def _part(entry: Row[Any]) -> Part:
    return Part(parse(entry), entry.actor, entry.integration_id)


def drain(env: IntakeEnv, *, on_stored: OnStored | None = None) -> int:
    """Ingest every waiting log row now, waiting for another processor if one is busy (tests,
    and a process that must not stop with a backlog); how many rows were handled."""
    handled = 0
    while count := process_once(env, on_stored=on_stored, wait=True):
        handled += count
    return handled


def _locked(session: Session, *, wait: bool) -> bool:
    """Take the log for this transaction (PostgreSQL); SQLite's writer lock already has it."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    if wait:
        session.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
        return True
    return bool(session.execute(select(func.pg_try_advisory_xact_lock(LOCK_KEY))).scalar())


def _ingest_parts(env: IntakeEnv, session: Session, parts: list[Part]) -> Stored:
    now = env.clock()
    results: list[IngestResult] = []
    for run in _runs(parts):
        results += ingest_parts(session=session, parts=run, playbook=env.playbook, now=now)
    return [(part.alerts, result) for part, result in zip(parts, results, strict=True)]


def _runs(parts: list[Part]) -> Iterator[list[Part]]:
    """Consecutive parts that share no alert (source, fingerprint), in log order; a part
    that repeats an alert of the run, or one of its own, starts a new run."""
    run: list[Part] = []
    seen: set[tuple[str, str]] = set()
    for part in parts:
        keys = {(a.source, a.fingerprint) for a in part.alerts}
        own_repeat = len(keys) < len(part.alerts)
        if run and (own_repeat or not keys.isdisjoint(seen)):
            yield run
            run, seen = [], set()
        run.append(part)
        seen |= keys
        if own_repeat:  # ingested alone, as one synchronous batch with a repeat would be
            yield run
            run, seen = [], set()
    if run:
        yield run


def _alone(env: IntakeEnv, entry_id: int, on_stored: OnStored | None) -> None:
    """Ingest one row in its own transaction; mark it failed when it cannot be ingested."""
    error = ""
    for _ in range(ATTEMPTS):
        try:
            with env.db.session() as session:
                _locked(session, wait=True)
                entry = _still_queued(session, entry_id)
                if entry is None:  # another process got to it first
                    return
                alerts = parse(entry)
                result = ingest(
                    session=session,
                    alerts=alerts,
                    playbook=env.playbook,
                    actor=entry.actor,
                    now=env.clock(),
                    integration_id=entry.integration_id,
                )
                session.execute(delete(IntakeLogEntry).where(IntakeLogEntry.id == entry_id))
        except TRANSIENT:
            raise
        except IntegrityError as exc:
            # Two writers picked the same incident id in the same second; the loser retries
            # and sees the winner's row.
            error = _describe(exc)
            continue
        except Exception as exc:
            error = _describe(exc)
            break
        _report([(alerts, result)], on_stored)
        return
    _mark_failed(env, entry_id, error)


def _still_queued(session: Session, entry_id: int) -> IntakeLogEntry | None:
    return session.scalars(
        select(IntakeLogEntry).where(
            IntakeLogEntry.id == entry_id, IntakeLogEntry.state == "queued"
        )
    ).first()


def _mark_failed(env: IntakeEnv, entry_id: int, error: str) -> None:
    log.error("intake log row %s cannot be ingested: %s", entry_id, error)
    with env.db.session() as session:
        _locked(session, wait=True)
        session.execute(
            update(IntakeLogEntry)
            .where(IntakeLogEntry.id == entry_id, IntakeLogEntry.state == "queued")
            .values(state="failed", error=error[:2000], failed_at=env.clock())
        )


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def _report(stored: Stored, on_stored: OnStored | None) -> None:
    if on_stored is not None:
        for alerts, result in stored:
            on_stored(alerts, result)


class IntakeProcessor:
    """A thread that ingests the log as it grows: woken by this process's appends, polling
    (every ``worker_poll_interval``) for other processes' ones."""

    def __init__(self, env: IntakeEnv, on_stored: OnStored | None = None):
        self.env = env
        self.on_stored = on_stored
        self._wake = threading.Event()
        self._woken: Callable[[list[object]], None] = lambda _: self._wake.set()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        on_appended_commit(self.env.db.sessionmaker, self._woken)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="intake-log", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        on_appended_commit(self.env.db.sessionmaker, self._woken, remove=True)
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        poll = self.env.settings.worker_poll_interval
        while not self._stopping.is_set():
            started = time.perf_counter()
            try:
                handled = process_once(self.env, on_stored=self.on_stored)
            except Exception:  # the database went away, say; the rows wait for the next pass
                log.exception("intake log pass failed")
                handled = 0
            if handled:
                self._give_way(time.perf_counter() - started)
            else:
                self._wake.wait(poll)
                self._wake.clear()

    def _give_way(self, spent: float) -> None:
        """During an alert storm (more than ``worker_storm_rate`` alerts/s accepted here),
        ingest at most ``intake_storm_share`` of the time: the request threads share this
        interpreter, and accepting the storm comes first (each batch is stored once
        appended; the ingest catches up as soon as the storm passes)."""
        settings = self.env.settings
        share = settings.intake_storm_share
        if share < 1 and self.env.intake_rate.per_second() > settings.worker_storm_rate:
            self._stopping.wait(spent * (1 - share) / share)
