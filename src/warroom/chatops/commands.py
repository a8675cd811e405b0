"""Acting on incidents from chat: the buttons and the ``/warroom`` command.

Each action goes through the same services as the HTTP API, as the mapped person (actor
``slack:U0123ABC (alice)``, with a responder's rights: everyone in the on-call directory may
respond), and answers with one line of text for the person who asked.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.orm import Session

from warroom.chat import registry as platforms
from warroom.chat import render
from warroom.chat import service as chat
from warroom.chatops import approval, people, release_gate
from warroom.errors import ChatError, InvalidInput
from warroom.incidents import service as incidents
from warroom.incidents.models import IncidentDeclare, Role
from warroom.intake.batch import IntakeEnv
from warroom.playbook.schema import Playbook
from warroom.playbook.terms import SEVERITIES, STATUSES
from warroom.releases import service as releases
from warroom.response import declare as declaration
from warroom.response import handlers as paging
from warroom.response import service as response
from warroom.rollback import service as rollbacks
from warroom.updates import service as updates
from warroom.updates.models import IncidentUpdateCreate

StartRollback = Callable[[int], None]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")

HELP = """/warroom commands (in an incident's room unless noted):
• declare <title> <P0-P4> <service>: open an incident (anywhere)
• ack: acknowledge the incident
• status <status> [message]: move it on (investigating, identified, mitigating, ...)
• assign <role> @user: incident_commander, technical_lead, communications_lead, ...
• update <message> [public]: post a status update (public: also to customers)
• rollback [dry-run]: roll the service back to its last stable version
• page <team|person>: page someone now
• release <approve|pause|resume|abort|status> <id>: steer a model release (anywhere)
• help: this list"""


@dataclass(frozen=True)
class Asker:
    platform: str
    user: str
    person: str
    channel: str | None

    @property
    def actor(self) -> str:
        return f"{self.platform}:{self.user} ({self.person})"


def button(
    env: IntakeEnv, asker: Asker, action: str, value: str, start_rollback: StartRollback
) -> str:
    """What a button click does; the answer for the person."""
    now, playbook = env.clock(), env.playbook
    with env.db.session() as session:
        if action == render.ACK:
            answer = _ack(session, value, asker, now, playbook) or (
                f"You acknowledged {value}; paging stopped."
            )
        elif action == render.ESCALATE:
            level = response.escalate_now(
                session=session, incident_id=value, actor=asker.actor, now=now
            )
            answer = f"Escalating {value} to level {level} now."
        elif action == render.RESOLVE:
            incidents.change_status(
                session=session,
                incident_id=value,
                status="resolved",
                actor=asker.actor,
                now=now,
                playbook=playbook,
            )
            answer = f"You resolved {value}."
        elif action in (render.APPROVE, render.DECLINE):
            row, rollback_id = approval.decide(
                session=session,
                approval_id=_int(value),
                approve=action == render.APPROVE,
                actor=asker.actor,
                playbook=playbook,
                now=now,
            )
            answer = (
                f"Rollback {rollback_id} of {row.service} to {row.to_version} started."
                if rollback_id
                else "You declined the rollback."
            )
        elif action in (render.RELEASE_APPROVE, render.RELEASE_ABORT):
            answer = _release_button(session, asker, action, value, now)
        else:
            raise InvalidInput(f"unknown action {action!r}")
    if action == render.APPROVE and rollback_id is not None:
        start_rollback(rollback_id)
    return answer


def _ack(
    session: Session, incident_id: str, asker: Asker, now: datetime, playbook: Playbook
) -> str | None:
    """Acknowledge; what to answer when it was already acknowledged (nothing changes)."""
    before = incidents.get(session=session, incident_id=incident_id).acknowledged_at
    row = incidents.acknowledge(
        session=session, incident_id=incident_id, actor=asker.actor, now=now, playbook=playbook
    )
    if before is not None:
        return f"{incident_id} was already acknowledged at {before:%H:%M} UTC; nothing changed."
    if row.acknowledged_at is None:
        return f"{incident_id} is {row.status}: nothing to acknowledge."
    return None


def _release_button(session: Session, asker: Asker, action: str, value: str, now: datetime) -> str:
    approve = action == render.RELEASE_APPROVE
    gated = release_gate.decide(
        session=session, value=value, approve=approve, actor=asker.actor, now=now
    )
    verb = "approved" if approve else "aborted"
    return f"You {verb} release {gated.id} of {gated.service} {gated.version}."


def _int(value: str) -> int:
    if not value.isdigit():
        raise InvalidInput(f"not an approval id: {value!r}")
    return int(value)


def command(env: IntakeEnv, asker: Asker, text: str, start_rollback: StartRollback) -> str:
    """What ``/warroom <text>`` does; the answer for the person."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    verb, args = (words[0].lower(), words[1:]) if words else ("help", [])
    if verb == "help":
        return HELP
    if verb == "declare":
        return _declare(env, asker, args)
    if verb == "release":
        return _release(env, asker, args)
    incident_id = _room_incident(env, asker)
    now, playbook = env.clock(), env.playbook
    with env.db.session() as session:
        if verb == "ack":
            return _ack(session, incident_id, asker, now, playbook) or (
                f"You acknowledged {incident_id}."
            )
        if verb == "status":
            return _status(session, incident_id, asker, args, env)
        if verb == "update":
            return _update(session, incident_id, asker, args, env)
        if verb == "page":
            if len(args) != 1:
                raise InvalidInput("usage: /warroom page <team|person>")
            who = paging.page_now(
                session=session,
                playbook=playbook,
                incident_id=incident_id,
                target=args[0],
                actor=asker.actor,
                now=now,
            )
            return f"Paging {', '.join(who) or 'nobody (no one on call)'} for {incident_id}."
    if verb == "assign":
        return _assign(env, incident_id, asker, args)
    if verb == "rollback":
        return _rollback(env, asker, incident_id, args, start_rollback)
    raise InvalidInput(f"unknown command {verb!r}; try /warroom help")


def _release(env: IntakeEnv, asker: Asker, args: list[str]) -> str:
    """A person's action on a release (the release runner acts on it within a second)."""
    actions = ("approve", "pause", "resume", "abort", "status")
    if len(args) != 2 or args[0] not in actions or not args[1].isdigit():
        raise InvalidInput(f"usage: /warroom release <{'|'.join(actions)}> <id>")
    with env.db.session() as session:
        if args[0] == "status":
            row = releases.get(session=session, release_id=int(args[1]))
        else:
            row = releases.act(
                session=session,
                release_id=int(args[1]),
                action=args[0],
                actor=asker.actor,
                reason="from chat",
                now=env.clock(),
            )
        verdict = (row.judgement or {}).get("summary", "")
        return (
            f"Release {row.id} of {row.service} {row.version}: {row.state}"
            f"{' (paused)' if row.paused else ''}{f'; {verdict}' if verdict else ''}"
        )


def _room_incident(env: IntakeEnv, asker: Asker) -> str:
    with env.db.read() as session:
        room = chat.room_by_channel(session=session, channel_id=asker.channel or "")
    if room is None:
        raise InvalidInput("run this in an incident's room (or /warroom declare a new one)")
    return room.incident_id


def _declare(env: IntakeEnv, asker: Asker, args: list[str]) -> str:
    """A declaration like the API's and the CLI's: title, severity and service."""
    severity_at = next((i for i, w in enumerate(args) if w.upper() in SEVERITIES), None)
    if severity_at is None or severity_at == 0 or len(args) != severity_at + 2:
        raise InvalidInput("usage: /warroom declare <title> <P0-P4> <service>")
    try:
        spec = IncidentDeclare(
            title=" ".join(args[:severity_at])[:300],
            severity=args[severity_at].upper(),
            service=args[severity_at + 1],
            summary=f"declared in chat by {asker.person}",
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(f"{first['loc'][0]}: {first['msg']}") from None
    incident_id = declaration.declare_committed(
        db=env.db, spec=spec, actor=asker.actor, now=env.clock(), playbook=env.playbook
    )
    return f"Declared {incident_id}; its room opens in a moment."


def _status(
    session: Session, incident_id: str, asker: Asker, args: list[str], env: IntakeEnv
) -> str:
    if not args or args[0] not in STATUSES:
        raise InvalidInput(f"usage: /warroom status <{'|'.join(STATUSES)}> [message]")
    incidents.change_status(
        session=session,
        incident_id=incident_id,
        status=args[0],
        actor=asker.actor,
        now=env.clock(),
        message=" ".join(args[1:]) or None,
        playbook=env.playbook,
    )
    return f"{incident_id} is now {args[0]}."


def _assign(env: IntakeEnv, incident_id: str, asker: Asker, args: list[str]) -> str:
    if len(args) != 2 or args[0] not in ROLES:
        raise InvalidInput(f"usage: /warroom assign <{'|'.join(ROLES)}> @user")
    person = _person(env, args[1])  # may ask the platform: before the transaction opens
    with env.db.session() as session:
        incidents.assign_role(
            session=session,
            incident_id=incident_id,
            role=args[0],
            person=person,
            actor=asker.actor,
            now=env.clock(),
            playbook=env.playbook,
        )
    return f"{person} is {args[0]} of {incident_id}."


def _person(env: IntakeEnv, word: str) -> str:
    """The warroom person a ``<@U0123ABC>`` mention (mapped like any chat user: Slack
    contact, remembered, or e-mail) or an ``@name`` / ``name`` stands for."""
    mention = _MENTION.match(word)
    found: str | None = None
    if mention and env.playbook.chat is not None:
        try:
            found = people.person_for(
                sessions=env.db.session,
                platform=platforms.platform(env.playbook.chat),
                playbook=env.playbook,
                user=mention.group(1),
                now=env.clock(),
            )
        except ChatError:
            found = None  # the platform could not say who it is: refuse rather than guess
    elif not mention:
        name = word.lstrip("@")
        found = name if env.playbook.oncall.person(name) else None
    if found is None:
        raise InvalidInput(f"{word} is not a person warroom knows")
    return found


def _update(
    session: Session, incident_id: str, asker: Asker, args: list[str], env: IntakeEnv
) -> str:
    public = bool(args) and args[-1].lower() == "public"
    words = args[:-1] if public else args
    if not words:
        raise InvalidInput("usage: /warroom update <message> [public]")
    incident = incidents.get(session=session, incident_id=incident_id)
    status = (
        incident.status
        if incident.status in ("investigating", "identified", "monitoring", "resolved")
        else "investigating"
    )
    spec = IncidentUpdateCreate(status=status, message=" ".join(words), public=public)
    updates.post(
        session=session,
        incident_id=incident_id,
        spec=spec,
        actor=asker.actor,
        now=env.clock(),
        playbook=env.playbook,
    )
    return f"Update posted{' (public)' if public else ''} for {incident_id}."


def _rollback(
    env: IntakeEnv, asker: Asker, incident_id: str, args: list[str], start: StartRollback
) -> str:
    now, playbook = env.clock(), env.playbook
    with env.db.session() as session:
        incident = incidents.get(session=session, incident_id=incident_id)
        service = incident.service
        if service is None:
            raise InvalidInput(f"{incident_id} names no service to roll back")
        if args and args[0] in ("dry-run", "--dry-run"):
            plan = rollbacks.plan(
                session=session,
                service=service,
                to_version=None,
                stable_after=playbook.rollback.stable_after,
                now=now,
                reported=rollbacks.reported_version(session=session, incident=incident),
            )
            return (
                f"Dry run: {service} {plan['from_version']} → {plan['to_version']}\n"
                + "\n".join(f"• {s}" for s in plan["steps"])
            )
        row = rollbacks.start(
            session=session,
            service=service,
            to_version=None,
            incident_id=incident_id,
            trigger="manual",
            actor=asker.actor,
            reason=f"requested in chat by {asker.person}",
            stable_after=playbook.rollback.stable_after,
            now=now,
        )
        rollback_id, target = row.id, row.to_version
    start(rollback_id)
    return f"Rollback {rollback_id} of {service} to {target} started."
