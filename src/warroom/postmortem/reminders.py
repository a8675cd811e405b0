"""Overdue postmortems and action items: found, recorded once, sent through the outbox.

The worker runs ``handle`` on a periodic tick (``REMIND``): each overdue postmortem or action
item gets exactly one timeline event (``postmortem_overdue`` / ``action_overdue``) however
often it runs, and for each new reminder ``outbox_notifier`` queues notifications in the same
transaction, so a reminder is recorded and queued together or not at all. Who hears it: an
action item's owner when the owner is a playbook person (on each of their contacts), else
the incident team's room; a late postmortem goes to the team's room and to the incident
commander, when there is one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident, IncidentRole, TimelineEvent
from warroom.jobs.context import JobContext
from warroom.notify import service as outbox
from warroom.playbook.oncall import Contact
from warroom.playbook.schema import Playbook
from warroom.postmortem import deadlines
from warroom.postmortem.models import ActionItem, Postmortem

ACTOR = "warroom:reminders"
REMIND = "postmortem.reminders"


@dataclass(frozen=True)
class Reminder:
    kind: str  # postmortem_overdue | action_overdue
    incident_id: str
    due_at: datetime
    message: str
    owner: str | None = None
    action_id: int | None = None


Notify = Callable[[Session, Reminder], object]


def overdue_postmortems(*, session: Session, now: datetime, playbook: Playbook) -> list[Reminder]:
    """Resolved incidents whose postmortem is due and not published (or not even drafted)."""
    published = dict(
        (row[0], row[1])
        for row in session.execute(select(Postmortem.incident_id, Postmortem.published_at))
    )
    out = []
    resolved = session.scalars(select(Incident).where(Incident.resolved_at.is_not(None)))
    for incident in resolved:
        due = deadlines.postmortem_due(
            resolved_at=incident.resolved_at, severity=incident.severity, policy=playbook.postmortem
        )
        if due and deadlines.postmortem_overdue(
            due_at=due, published_at=published.get(incident.id), now=now
        ):
            state = "not published" if incident.id in published else "not written"
            out.append(
                Reminder(
                    kind="postmortem_overdue",
                    incident_id=incident.id,
                    due_at=due,
                    message=f"Postmortem of {incident.id} was due {due:%Y-%m-%d %H:%M} UTC "
                    f"and is {state}",
                )
            )
    return out


def overdue_actions(*, session: Session, now: datetime) -> list[ActionItem]:
    """Open or in-progress action items past their due date."""
    items = session.scalars(
        select(ActionItem).where(
            ActionItem.status.in_(("open", "in_progress")), ActionItem.due_at < now
        )
    )
    return [i for i in items if deadlines.action_overdue(due_at=i.due_at, status=i.status, now=now)]


def remind_overdue(
    *, session: Session, now: datetime, playbook: Playbook, notify: Notify | None = None
) -> list[Reminder]:
    """Record each new overdue item once on its incident's timeline; return the new ones."""
    already = set(
        session.scalars(
            select(TimelineEvent.incident_id).where(TimelineEvent.kind == "postmortem_overdue")
        )
    )
    new = [
        r
        for r in overdue_postmortems(session=session, now=now, playbook=playbook)
        if r.incident_id not in already
    ]
    for item in overdue_actions(session=session, now=now):
        if item.reminded_at is not None:
            continue
        assert item.due_at is not None
        item.reminded_at = now
        new.append(
            Reminder(
                kind="action_overdue",
                incident_id=item.incident_id,
                due_at=item.due_at,
                message=f"Action item {item.id} ({item.title}) owned by "
                f"{item.owner or 'nobody'} was due {item.due_at:%Y-%m-%d %H:%M} UTC",
                owner=item.owner,
                action_id=item.id,
            )
        )
    for reminder in new:
        incidents.add_event(
            session=session,
            incident_id=reminder.incident_id,
            kind=reminder.kind,
            actor=ACTOR,
            message=reminder.message,
            now=now,
            data={
                "due_at": reminder.due_at.isoformat(),
                "action_id": reminder.action_id,
                "owner": reminder.owner,
            },
        )
        audit.record(
            session=session,
            actor=ACTOR,
            action=f"reminder.{reminder.kind}",
            target=reminder.incident_id,
            now=now,
            action_id=reminder.action_id,
        )
        if notify is not None:
            notify(session, reminder)
    return new


def recipients(
    session: Session, playbook: Playbook, reminder: Reminder
) -> list[tuple[str | None, Contact]]:
    """(person, contact) pairs a reminder goes to; the team's room has no person."""
    oncall = playbook.oncall
    people = [reminder.owner] if reminder.kind == "action_overdue" and reminder.owner else []
    if reminder.kind == "postmortem_overdue":
        commander = session.scalar(
            select(IncidentRole.person).where(
                IncidentRole.incident_id == reminder.incident_id,
                IncidentRole.role == "incident_commander",
                IncidentRole.renounced_at.is_(None),
            )
        )
        people += [commander] if commander else []
    out: list[tuple[str | None, Contact]] = []
    for name in people:
        person = oncall.person(name)
        out += [(name, contact) for contact in person.contacts] if person else []
    owner_reached = any(p == reminder.owner for p, _ in out) and reminder.owner is not None
    if not owner_reached:
        incident = session.get(Incident, reminder.incident_id)
        team = oncall.team(incident.team if incident else None)
        if team is not None and team.channel is not None:
            out.append((None, team.channel))
    return out


def outbox_notifier(playbook: Playbook, now: datetime) -> Notify:
    """The ``notify`` callback that queues each reminder in the outbox (idempotent by key)."""
    channels = {c.name: c for c in playbook.channels}

    def notify(session: Session, reminder: Reminder) -> object:
        subject = f"Overdue: {reminder.message}"[:300]
        for person, contact in recipients(session, playbook, reminder):
            channel = channels.get(contact.channel)
            if channel is None:
                continue
            key = (
                f"reminder:{reminder.kind}:{reminder.incident_id}:{reminder.action_id or ''}:"
                f"{reminder.due_at.isoformat()}:{person or 'team'}:{contact.channel}:{contact.to}"
            )
            outbox.queue(
                session=session,
                key=key[:300],
                channel=channel,
                to=contact.to,
                subject=subject,
                body=f"{reminder.message}.\nSee: warroom incident show {reminder.incident_id}",
                now=now,
                incident_id=reminder.incident_id,
                person=person,
            )
        return None

    return notify


def handle(ctx: JobContext, payload: dict[str, object]) -> None:
    """The periodic job: record and send every new overdue reminder."""
    playbook = ctx.playbook
    remind_overdue(
        session=ctx.session,
        now=ctx.now,
        playbook=playbook,
        notify=outbox_notifier(playbook, ctx.now),
    )
