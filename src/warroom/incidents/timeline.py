"""The incident timeline, and the tasks it checks off.

Every change to an incident is written here (:func:`add_event`). An event that records
something a checklist task asks for (paged, acknowledged, war room opened, update posted,
rollback verified, ...; see :mod:`warroom.tasks.autocheck`) checks the matching open tasks
off as ``warroom``, with the event as evidence, in the same transaction, with a timeline and
an audit entry. Tasks added later (a new phase) and tasks still open when the incident
closes are compared with everything already on the timeline (:func:`check_recorded`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.chat import service as chat
from warroom.incidents.models import Incident, TimelineEvent
from warroom.storage import later
from warroom.storage.bulk import insert_one
from warroom.tasks import autocheck
from warroom.tasks import service as tasks
from warroom.tasks.autocheck import Fact

AUTOMATION_PREFIXES = ("warroom", "detector:")
CHECKER = "warroom"
# An incident has no task yet when these are written (its first tasks follow at once, and
# ``enter_phase`` looks at the record then): no query for them in an alert storm.
OPENING_KINDS = frozenset({"opened", "declared"})


def is_automation(actor: str) -> bool:
    """warroom's own actors (intake, rollback, detectors), as opposed to people and tools."""
    return actor.startswith(AUTOMATION_PREFIXES)


def add_event(
    *,
    session: Session,
    incident_id: str,
    kind: str,
    actor: str,
    message: str,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> TimelineEvent:
    """Append a timeline event now (the returned row, not attached to the session, has its
    id)."""
    values = _values(incident_id, kind, actor, message, now, data)
    later.write(session)  # the events queued before this one keep the smaller ids
    event = TimelineEvent(id=insert_one(session, TimelineEvent, values), **values)
    chat.on_event(session=session, incident_id=incident_id, event_id=event.id, kind=kind, now=now)
    _check_facts(session, values)
    return event


def add_event_later(
    *,
    session: Session,
    incident_id: str,
    kind: str,
    actor: str,
    message: str,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    """Append a timeline event whose id the caller does not need: queued and written with the
    transaction's other queued records in one statement (:mod:`warroom.storage.later`), as an
    alert storm opens hundreds of incidents in one transaction. An event the incident's war
    room mirrors is written at once (its mirroring job names it)."""
    if chat.mirrors(session=session, incident_id=incident_id, kind=kind):
        add_event(
            session=session,
            incident_id=incident_id,
            kind=kind,
            actor=actor,
            message=message,
            now=now,
            data=data,
        )
        return
    values = _values(incident_id, kind, actor, message, now, data)
    later.insert_later(session, TimelineEvent, values)
    _check_facts(session, values)


def _values(
    incident_id: str,
    kind: str,
    actor: str,
    message: str,
    now: datetime,
    data: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "at": now,
        "kind": kind,
        "actor": actor,
        "message": message,
        "data": data or {},
    }


def _check_facts(session: Session, event: dict[str, Any]) -> None:
    """Check off the open tasks the new event records as done."""
    kind, actor = event["kind"], event["actor"]
    facts = autocheck.facts_of(
        kind,
        event["data"],
        message=event["message"],
        actor=actor,
        at=event["at"],
        by_person=not is_automation(actor),
    )
    if facts and kind not in OPENING_KINDS:
        incident_id, now = event["incident_id"], event["at"]
        check_by_facts(session=session, incident_id=incident_id, facts=facts, now=now)


def recorded_facts(*, session: Session, incident_id: str) -> dict[str, Fact]:
    """Every fact the incident's timeline records, with its earliest evidence."""
    rows = session.execute(
        select(TimelineEvent.kind, TimelineEvent.data, TimelineEvent.message)
        .add_columns(TimelineEvent.actor, TimelineEvent.at)
        .where(
            TimelineEvent.incident_id == incident_id,
            TimelineEvent.kind.in_(sorted(autocheck.KINDS)),
        )
        .order_by(TimelineEvent.id)
    ).all()
    found: list[Fact] = []
    for kind, data, message, actor, at in rows:
        found += autocheck.facts_of(
            kind,
            data or {},
            message=message,
            actor=actor,
            at=at,
            by_person=not is_automation(actor),
        )
    return autocheck.first_facts(found)


def check_recorded(*, session: Session, incident_id: str, now: datetime) -> dict[str, Fact]:
    """Check off the open tasks that the timeline already shows done; the facts found."""
    facts = recorded_facts(session=session, incident_id=incident_id)
    if facts:
        check_by_facts(
            session=session, incident_id=incident_id, facts=list(facts.values()), now=now
        )
    return facts


def check_by_facts(
    *, session: Session, incident_id: str, facts: list[Fact], now: datetime
) -> list[int]:
    """Check off, as warroom with the evidence, the open tasks these facts satisfy; their ids.
    A closed incident's record is final: nothing changes on it."""
    known = autocheck.first_facts(facts)
    due = [
        (task, known[key])
        for task in tasks.open_titles(session=session, incident_id=incident_id)
        if (key := autocheck.wanted(task[1])) in known
    ]
    if not due:
        return []
    incident = session.get(Incident, incident_id)
    if incident is None or incident.status == "closed":
        return []
    _check(session, incident_id, due, now)
    return [task_id for (task_id, _), _ in due]


def _check(
    session: Session, incident_id: str, due: list[tuple[tuple[int, str], Fact]], now: datetime
) -> None:
    for (task_id, title), fact in due:
        tasks.check_off(
            session=session,
            task_id=task_id,
            by=CHECKER,
            evidence=fact.evidence,
            now=now,
            incident_id=incident_id,
        )
        audit.record_later(
            session=session,
            actor=CHECKER,
            action="incident.task_checked",
            target=incident_id,
            now=now,
            task_id=task_id,
            title=title,
            evidence=fact.evidence,
        )
    listed = "; ".join(f"#{task_id} {title}: {fact.evidence}" for (task_id, title), fact in due)
    add_event_later(
        session=session,
        incident_id=incident_id,
        kind="task",
        actor=CHECKER,
        message=f"Checked off by warroom from the record: {listed}",
        now=now,
        data={
            "task_ids": [task_id for (task_id, _), _ in due],
            "checked": True,
            "auto": True,
            "evidence": {str(task_id): fact.evidence for (task_id, _), fact in due},
        },
    )
