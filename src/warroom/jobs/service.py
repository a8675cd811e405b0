"""Jobs: enqueue in the caller's transaction, claim under a lease, finish, fail, list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from warroom.errors import Conflict, NotFound
from warroom.jobs.models import Job
from warroom.storage import hooks, later
from warroom.storage.base import utcnow
from warroom.storage.bulk import (
    insert_keyed_unless_conflict,
    insert_returning_ids,
    insert_unless_conflict,
)
from warroom.storage.paging import Key, Page, paginate

_ENQUEUED = "warroom.jobs_enqueued"


def on_enqueued_commit(
    factory: sessionmaker[Session], callback: hooks.Callback, *, remove: bool = False
) -> None:
    """Call ``callback`` after each commit of a ``factory`` session that enqueued a job (the
    in-process worker's wake-up, one per lane); ``remove=True`` undoes it."""
    hooks.after_commit(factory, _ENQUEUED, callback, remove=remove)


def enqueue(
    *,
    session: Session,
    kind: str,
    payload: dict[str, Any],
    due_at: datetime,
    key: str | None = None,
) -> int:
    """Add a job to the caller's transaction; its id. With ``key``, a repeat enqueue is a
    no-op that returns the existing job's id."""
    values = _pending(session, kind, payload, due_at, key)
    if key is None:
        [new_id] = insert_returning_ids(session, Job, [values])
    else:
        found = insert_unless_conflict(session, Job, values, unique="key")
        if found is None:  # enqueued before, or by the transaction that won the race
            return int(session.execute(select(Job.id).where(Job.key == key)).scalar_one())
        new_id = found
    return new_id


def enqueue_many(
    *, session: Session, kind: str, jobs: list[tuple[dict[str, Any], datetime, str]]
) -> list[int]:
    """:func:`enqueue` for several keyed jobs (payload, due time, key) in one INSERT; their
    ids in the order given (an existing job's where its key was taken)."""
    rows = [_pending(session, kind, payload, due_at, key) for payload, due_at, key in jobs]
    found = insert_keyed_unless_conflict(session, Job, rows, unique="key")
    taken = [key for _, _, key in jobs if key not in found]
    if taken:  # enqueued before, or by the transaction that won the race
        query = select(Job.key, Job.id).where(Job.key.in_(taken))
        found.update({key: job_id for key, job_id in session.execute(query)})
    return [found[key] for _, _, key in jobs]


def enqueue_later(
    *, session: Session, kind: str, payload: dict[str, Any], due_at: datetime, key: str
) -> None:
    """:func:`enqueue` for a job whose id the caller does not need: queued and written with
    the transaction's other queued records (:mod:`warroom.storage.later`); an incident's
    opening enqueues half a dozen. A key already taken makes it a no-op."""
    values = _pending(session, kind, payload, due_at, key)
    later.insert_later(session, Job, values, unique="key")


def _pending(
    session: Session, kind: str, payload: dict[str, Any], due_at: datetime, key: str | None
) -> dict[str, Any]:
    hooks.note(session, _ENQUEUED)
    # Bookkeeping only (no decision reads it), so the wall clock is fine here.
    now = utcnow()
    return {
        "kind": kind,
        "key": key,
        "payload": payload,
        "status": "pending",
        "due_at": due_at,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


def record_done(
    *,
    session: Session,
    kind: str,
    payload: dict[str, Any],
    key: str,
    now: datetime,
    fresh: bool = False,
) -> bool:
    """Record a job as done without running it, because the caller does its work in this same
    transaction (its key still says the work happened); False when the key was taken, so
    the work was done or is due elsewhere and the caller must not do it again. ``fresh``:
    the key names something created in this transaction (a new incident's first page), so
    it cannot be taken: the record is queued with the transaction's others
    (:mod:`warroom.storage.later`) and this returns True."""
    hooks.note(session, _ENQUEUED)
    values = {
        "kind": kind,
        "key": key,
        "payload": payload,
        "status": "done",
        "due_at": now,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
        "finished_at": now,
    }
    if fresh:
        later.insert_later(session, Job, values, unique="key")
        return True
    return insert_unless_conflict(session, Job, values, unique="key") is not None


def claim(
    *,
    session: Session,
    now: datetime,
    lease: timedelta,
    token: str,
    first: Sequence[str] = (),
    only: Sequence[str] | None = None,
    ids: Sequence[int] | None = None,
) -> Job | None:
    """Take the next due job (or one whose worker's lease ran out) for this worker; due jobs
    of the ``first`` kinds (paging) go before any other due job, oldest first within each;
    ``only``: claim nothing but these kinds; ``ids``: nothing but these jobs."""
    urgent = case((Job.kind.in_(first), 0), else_=1) if first else None
    query = (
        select(Job)
        .where(
            or_(
                and_(Job.status == "pending", Job.due_at <= now),
                and_(Job.status == "running", Job.lease_until < now),
            )
        )
        .order_by(*([urgent] if urgent is not None else []), Job.due_at, Job.id)
        .limit(1)
    )
    if only is not None:
        query = query.where(Job.kind.in_(only))
    if ids is not None:
        query = query.where(Job.id.in_(ids))
    if session.get_bind().dialect.name == "postgresql":
        # Concurrent workers skip each other's rows instead of queueing on them.
        query = query.with_for_update(skip_locked=True)
    job = session.scalars(query).first()
    if job is None:
        return None
    job.status = "running"
    job.attempts += 1
    job.lease_until = now + lease
    job.claim_token = token
    job.updated_at = now
    return job


def finish_these(*, session: Session, job_ids: Sequence[int], token: str, now: datetime) -> None:
    """Mark done, in one statement, those of the jobs this worker still holds."""
    if job_ids:
        session.execute(
            update(Job)
            .where(Job.id.in_(job_ids), Job.claim_token == token, Job.status == "running")
            .values(
                status="done", finished_at=now, updated_at=now, lease_until=None, last_error=None
            )
        )


def finish(*, session: Session, job_id: int, token: str, now: datetime) -> bool:
    """Mark the job done if this worker still holds it; False when its lease was lost."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.claim_token == token, Job.status == "running")
        .values(status="done", finished_at=now, updated_at=now, lease_until=None, last_error=None)
    )
    return bool(getattr(result, "rowcount", 0))


def fail(
    *,
    session: Session,
    job: Job,
    error: str,
    now: datetime,
    max_attempts: int,
    backoff: float,
    retry_after: float | None = None,
) -> bool:
    """Record a failed attempt: retry later with exponential backoff, or dead. True if dead.
    ``retry_after``: the service asked to wait that long (HTTP 429); the attempt does not
    count, so rate limiting delays a job but never kills it."""
    job.last_error = error[:2000]
    job.lease_until = None
    job.updated_at = now
    if retry_after is not None:
        job.status, job.attempts = "pending", max(job.attempts - 1, 0)
        job.due_at = now + timedelta(seconds=retry_after)
        return False
    if job.attempts >= max_attempts:
        job.status = "dead"
        job.finished_at = now
        return True
    job.status = "pending"
    job.due_at = now + timedelta(seconds=backoff * 2 ** max(job.attempts - 1, 0))
    return False


def retry(*, session: Session, job_id: int, now: datetime) -> Job:
    """Give a dead job a fresh set of attempts, due now."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    if job.status != "dead":
        raise Conflict(f"job {job_id} is {job.status}: only a dead job can be retried")
    job.status, job.attempts, job.due_at, job.updated_at = "pending", 0, now, now
    job.finished_at = None
    return job


def list_jobs(
    *,
    session: Session,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> Page[Job]:
    """A page of jobs, newest first, optionally filtered by status and kind."""
    query = select(Job)
    if status:
        query = query.where(Job.status == status)
    if kind:
        query = query.where(Job.kind == kind)
    return paginate(session, query, (Key(Job.id),), list_name="jobs", cursor=cursor, limit=limit)
