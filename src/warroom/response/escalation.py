"""One escalation level paged: the people on call for it get their notifications (outbox rows
with their delivery jobs) and the next level is scheduled.

The ``response.escalate`` job runs :func:`step` in its transaction; the level due the moment
an incident opens (or its severity is raised) runs in the transaction that opened it instead
(:func:`page_at_once`), so its notifications commit with the incident and go out right after.
Either way :func:`step` checks before it writes, so a retried step neither pages twice nor
writes a second timeline entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.incidents import lifecycle
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.jobs import service as jobs
from warroom.jobs.models import Job
from warroom.notify import service as outbox
from warroom.notify.models import Notification
from warroom.oncall import routing
from warroom.playbook.oncall import ChannelConfig, Level
from warroom.playbook.schema import Playbook
from warroom.playbook.terms import SEVERITIES, severity_rank

ACTOR = "warroom:response"
ESCALATE = "response.escalate"


def paged_severities(session: Session, incident_id: str) -> list[str]:
    """The severities whose escalation chain this incident has started.

    A chain's first job has a known key (``esc:<id>:0:0`` for the chain started when the
    incident opened, ``esc:<id>:<severity>:0:0`` for one started by a raise), so this is a
    lookup of a few keys in the unique index, not a scan of every job. The first level of a
    chain that was paged at once keeps its job row (marked done), so it counts here too."""
    keys = [f"esc:{incident_id}:0:0", *(f"esc:{incident_id}:{s}:0:0" for s in SEVERITIES)]
    payloads = session.scalars(select(Job.payload).where(Job.kind == ESCALATE, Job.key.in_(keys)))
    return list(dict.fromkeys(p["severity"] for p in payloads if "level" in p and "severity" in p))


def start_chain(
    session: Session,
    playbook: Playbook,
    payload: dict[str, Any],
    due_at: datetime,
    now: datetime,
    *,
    fresh: bool = False,
) -> None:
    """Start a chain with its first level under its key: paged in this transaction when it is
    due already (its job recorded as done, so the key still says the chain started), else
    enqueued. ``fresh``: the incident opens in this transaction, so no other chain exists."""
    tag = f"{payload['severity']}:" if "since" in payload else ""
    key = f"esc:{payload['incident_id']}:{tag}0:0"
    if due_at > now:
        jobs.enqueue(session=session, kind=ESCALATE, payload=payload, due_at=due_at, key=key)
    elif jobs.record_done(
        session=session, kind=ESCALATE, payload=payload, key=key, now=now, fresh=fresh
    ):
        step(session, playbook, payload, now, fresh=fresh)


def unacknowledged(incident: Incident | None) -> bool:
    """Still to be paged: open and nobody acknowledged it."""
    # Automation moving the incident on (a rollback) is not an acknowledgement: keep paging.
    return (
        incident is not None
        and incident.acknowledged_at is None
        and lifecycle.is_open(incident.status)
    )


def step(
    session: Session,
    playbook: Playbook,
    payload: dict[str, Any],
    now: datetime,
    *,
    fresh: bool = False,
) -> None:
    """Page the level the payload names and schedule the next one (or nothing, when the
    incident was acknowledged or a more severe chain took over; ``fresh``: it opened in this
    transaction, neither can be)."""
    incident = session.get(Incident, payload["incident_id"])
    policy = playbook.oncall.policy(payload["policy"])
    if not unacknowledged(incident) or policy is None:
        return
    assert incident is not None
    if not fresh and _superseded(session, incident.id, payload):
        return
    # A chain started by a severity raise counts from the raise and has its own keys.
    tag = f"{payload['severity']}:" if "since" in payload else ""
    base = datetime.fromisoformat(payload["since"]) if "since" in payload else incident.detected_at
    levels = routing.levels_for(policy, incident.severity)
    current = routing.step(policy, levels, payload["level"], payload["cycle"]) if levels else None
    if current is None or current.level >= len(levels):
        return
    step_key = f"{tag}{current.cycle}:{current.level}"
    _page_level(session, playbook, incident, levels[current.level], current, step_key, now)
    following = routing.next_step(policy, levels, current)
    if following is not None:
        jobs.enqueue_later(
            session=session,
            kind=ESCALATE,
            payload={**payload, "level": following.level, "cycle": following.cycle},
            due_at=base + following.offset,
            key=f"esc:{incident.id}:{tag}{following.cycle}:{following.level}",
        )


def _page_level(
    session: Session,
    playbook: Playbook,
    incident: Incident,
    level: Level,
    current: routing.Step,
    step_key: str,
    now: datetime,
) -> None:
    """Page the people on call for one level, with its timeline entry and audit event."""
    people = routing.people_for(playbook.oncall, playbook.oncall.team(incident.team), level, now)
    if current.level or current.cycle or not people:
        who = ", ".join(people) or "nobody (no one on call for this level)"
        incidents.add_event_later(
            session=session,
            incident_id=incident.id,
            kind="escalation",
            actor=ACTOR,
            message=f"Escalation level {current.level} (cycle {current.cycle}): paging {who}",
            now=now,
            data={"level": current.level, "cycle": current.cycle, "people": people},
        )
    for person in people:
        page(session, playbook, incident, person, current.level, step_key, now)
    audit.record_later(
        session=session,
        actor=ACTOR,
        action="incident.page",
        target=incident.id,
        now=now,
        level=current.level,
        cycle=current.cycle,
        people=people,
    )


def _superseded(session: Session, incident_id: str, payload: dict[str, Any]) -> bool:
    """A chain stops once a chain for a more severe severity started (a raise re-paged)."""
    if "severity" not in payload:
        return False
    mine = severity_rank(payload["severity"])
    return any(severity_rank(s) < mine for s in paged_severities(session, incident_id))


def page(
    session: Session,
    playbook: Playbook,
    incident: Incident,
    person: str,
    level: int,
    step: str,
    now: datetime,
) -> None:
    """Queue the page of one person on each of their contacts (once per ``step``)."""
    found = playbook.oncall.person(person)
    channels = {c.name: c for c in playbook.channels}
    subject = f"[{incident.severity}] {incident.id}: {incident.title}"[:300]
    body = (
        f"{incident.title}\nSeverity {incident.severity}, service {incident.service or '-'}, "
        f"team {incident.team or '-'}, escalation level {level}.\n"
        f"Acknowledge: warroom incident ack {incident.id}"
    )
    for contact in found.contacts if found else []:
        channel = channels[contact.channel]

        def paged(row: Notification, channel: ChannelConfig = channel) -> None:
            incidents.add_event_later(
                session=session,
                incident_id=incident.id,
                kind="page",
                actor=ACTOR,
                message=f"Paged {person} via {channel.name} (level {level})",
                now=now,
                data={
                    "person": person,
                    "channel": channel.name,
                    "target": row.target,
                    "level": level,
                    "notification_id": row.id,
                },
            )

        outbox.queue_page(
            session=session,
            key=f"page:{incident.id}:{step}:{person}:{contact.channel}:{contact.to}"[:300],
            channel=channel,
            to=contact.to,
            subject=subject,
            body=body,
            now=now,
            incident_id=incident.id,
            person=person,
            level=level,
            then=paged,
        )
