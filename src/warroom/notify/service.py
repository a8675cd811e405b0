"""The outbox: queue a notification (with its delivery job) in the caller's transaction;
pages queued together (an alert storm's) are written in one INSERT each."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from warroom.incidents.models import Incident
from warroom.jobs import service as jobs
from warroom.notify.models import Notification
from warroom.playbook.oncall import ChannelConfig
from warroom.storage import hooks
from warroom.storage.bulk import insert_keyed_unless_conflict, insert_unless_conflict
from warroom.storage.paging import Key, Page, paginate

DELIVER = "notify.deliver"
_PROMPT = "warroom.notify_prompt"


@dataclass(frozen=True)
class Prompt:
    """A notification queued with ``prompt=True`` and its delivery job, as the transaction
    that queued them noted them (the row is the detached copy ``queue`` returned)."""

    job_id: int
    row: Notification


def on_prompt_commit(
    factory: sessionmaker[Session],
    *,
    claim: Callable[[Session, list[Prompt]], None],
    remove: bool = False,
) -> None:
    """Call ``claim(session, prompts)`` inside each commit of a ``factory`` session that
    queued notifications with ``prompt=True``, just before it is written: the pager claims
    them there, in the transaction that created them, and sends them after the commit.
    ``remove=True`` undoes it."""
    hooks.before_commit(factory, _PROMPT, claim, remove=remove)


def is_drill(incident: Incident | None) -> bool:
    """Incidents a drill opened carry the label drill=true (``warroom drill``)."""
    return incident is not None and (incident.labels or {}).get("drill") == "true"


def queue(
    *,
    session: Session,
    key: str,
    channel: ChannelConfig,
    to: str,
    subject: str,
    body: str,
    now: datetime,
    incident_id: str | None = None,
    person: str | None = None,
    level: int | None = None,
    prompt: bool = False,
) -> tuple[Notification, bool]:
    """Add a notification and its delivery job; (existing row, False) if ``key`` is taken.
    ``prompt``: the committing process may deliver it right after the commit (pages)."""
    values = _values(session, key, channel, to, subject, body, now, incident_id, person, level)
    # One statement whether or not the key is taken (a page is queued in the hot path of
    # intake); the row comes back detached, as the caller only reads it. Pending objects go
    # first, since the row refers to its incident.
    if session.new:
        session.flush()
    new_id = insert_unless_conflict(session, Notification, values, unique="key")
    if new_id is None:
        existing = session.scalars(select(Notification).where(Notification.key == key)).one()
        return existing, False
    row = Notification(id=new_id, **values)
    job_id = jobs.enqueue(
        session=session,
        kind=DELIVER,
        payload={"notification_id": row.id},
        due_at=now,
        key=f"deliver:{key}"[:300],
    )
    if prompt:
        hooks.note(session, _PROMPT, Prompt(job_id, row))
    return row, True


def queue_page(
    *,
    session: Session,
    key: str,
    channel: ChannelConfig,
    to: str,
    subject: str,
    body: str,
    now: datetime,
    incident_id: str | None,
    person: str | None,
    level: int | None,
    then: Callable[[Notification], None],
) -> None:
    """:func:`queue` a page (``prompt=True``) and call ``then(row)`` if it is new (``key`` was
    free): at once, or inside :func:`together` when the block ends."""
    values = _values(session, key, channel, to, subject, body, now, incident_id, person, level)
    batch: list[_Page] | None = session.info.get(_TOGETHER)
    if batch is None:
        _write_pages(session, [_Page(values, then)])
    else:
        batch.append(_Page(values, then))


@contextmanager
def together(session: Session) -> Iterator[None]:
    """Within the block, :func:`queue_page` only collects the pages; they are written when it
    ends, one INSERT of notifications and one of delivery jobs for all of them, then each
    one's ``then`` runs (an alert storm's pass opens hundreds of incidents, each paged). The
    block must not read the pages it queues."""
    if _TOGETHER in session.info:  # already inside one: the outer block writes them
        yield
        return
    batch: list[_Page] = []
    session.info[_TOGETHER] = batch
    try:
        yield
    finally:
        del session.info[_TOGETHER]
    _write_pages(session, batch)


_TOGETHER = "warroom.notify_together"


@dataclass
class _Page:
    values: dict[str, Any]
    then: Callable[[Notification], None]


def _write_pages(session: Session, pages: list[_Page]) -> None:
    if not pages:
        return
    if session.new:  # the rows refer to their incidents
        session.flush()
    rows = [page.values for page in pages]
    ids = insert_keyed_unless_conflict(session, Notification, rows, unique="key")
    new: list[tuple[_Page, Notification]] = []
    for page in pages:  # a key taken before, or twice here, is no new page
        new_id = ids.pop(page.values["key"], None)
        if new_id is not None:
            new.append((page, Notification(id=new_id, **page.values)))
    deliveries = [
        ({"notification_id": row.id}, page.values["next_attempt_at"], f"deliver:{row.key}"[:300])
        for page, row in new
    ]
    job_ids = jobs.enqueue_many(session=session, kind=DELIVER, jobs=deliveries)
    for (page, row), job_id in zip(new, job_ids, strict=True):
        hooks.note(session, _PROMPT, Prompt(job_id, row))
        page.then(row)


def _values(
    session: Session,
    key: str,
    channel: ChannelConfig,
    to: str,
    subject: str,
    body: str,
    now: datetime,
    incident_id: str | None,
    person: str | None,
    level: int | None,
) -> dict[str, Any]:
    if incident_id is not None and is_drill(session.get(Incident, incident_id)):
        # Whoever reads it must know at a glance that nothing is really broken.
        subject, body = f"[DRILL] {subject}", f"DRILL: a rehearsal, not a real incident.\n{body}"
    return {
        "key": key,
        "incident_id": incident_id,
        "channel": channel.name,
        "channel_type": channel.type,
        "target": to or channel.to or "",
        "person": person,
        "level": level,
        "subject": subject[:300],
        "body": body,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


def list_notifications(
    *,
    session: Session,
    incident_id: str | None = None,
    status: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> Page[Notification]:
    """A page of notifications, newest first."""
    query = select(Notification)
    if incident_id:
        query = query.where(Notification.incident_id == incident_id)
    if status:
        query = query.where(Notification.status == status)
    order = (Key(Notification.id),)
    return paginate(session, query, order, list_name="notifications", cursor=cursor, limit=limit)
