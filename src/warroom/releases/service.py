"""Releases: start one, read them, the person's actions (pause, resume, approve, abort), the
runner's transitions and its lease. Every change writes an audit event in the same
transaction, and a timeline event when the release has an incident."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.deploy import registry, target
from warroom.deploy.models import DeployRequest
from warroom.errors import Conflict, InvalidInput, NotFound
from warroom.incidents import service as incidents
from warroom.playbook.release import ReleasePolicy
from warroom.releases.models import FINAL_STATES, Release, ReleaseCreate


def start(
    *,
    session: Session,
    service: str,
    spec: ReleaseCreate,
    policy: ReleasePolicy,
    actor: str,
    now: datetime,
) -> Release:
    """Deploy the candidate with no traffic and record a planned release (Conflict when the
    service has one in flight or serves nothing yet)."""
    svc = registry.get_service(session=session, name=service)
    running = in_flight(session=session, service=service)
    if running is not None:
        raise Conflict(
            f"release {running.id} of {service} ({running.version}, {running.state}) is in "
            f"flight; abort it or wait for it to finish"
        )
    live = target.current(registry.facts(registry.versions(session=session, service=service)))
    if live is None:
        raise Conflict(f"{service} serves no version yet: deploy its first version directly")
    plan = _plan(spec, policy, svc.backend)
    deploy = DeployRequest(
        version=spec.version,
        artifact=spec.artifact,
        endpoint=spec.endpoint,
        weight=0,
        threshold=spec.threshold,
    )
    row = Release(
        service=service,
        version=spec.version,
        stable_version=live.version,
        backend=svc.backend,
        state="planned",
        step=-1,
        approved=[],
        paused=False,
        state_since=now,
        judgement={},
        judgements=[],
        actor=actor,
        reason=spec.reason,
        created_at=now,
        in_flight_service=service,
        **plan,
    )
    try:
        registry.deploy(session=session, service=service, spec=deploy, actor=actor, now=now)
        session.add(row)
        session.flush()
    except IntegrityError as exc:  # two requests for one service at the same moment
        raise Conflict(f"another release of {service} started at the same moment") from exc
    _record_start(session, row, now)
    return row


def _record_start(session: Session, row: Release, now: datetime) -> None:
    audit.record(
        session=session,
        actor=row.actor,
        action="release.start",
        target=f"service:{row.service}",
        now=now,
        release_id=row.id,
        version=row.version,
        stable_version=row.stable_version,
        steps=row.steps,
        shadow_seconds=row.shadow_seconds,
        approve_before=row.approve_before,
    )


def _plan(spec: ReleaseCreate, policy: ReleasePolicy, backend: str) -> dict[str, Any]:
    """Steps, gates and durations: the request's, else the playbook's (InvalidInput when a
    gate names no step)."""
    steps = spec.steps if spec.steps is not None else list(policy.steps)
    gates = spec.approve_before if spec.approve_before is not None else policy.approve_before
    interval = _seconds(spec.interval, policy.interval)
    shadow = _seconds(spec.shadow, policy.shadow)
    if backend != "gateway":
        # Progressive traffic needs the gateway: elsewhere one switch, then an analysis window.
        steps, gates, shadow = [100.0], [g for g in gates if g == 100], 0.0
        interval = _seconds(spec.interval, policy.analysis_window)
    unknown = [g for g in gates if g not in steps and g != 100]
    if unknown:
        raise InvalidInput(f"approve_before: {unknown} are not steps of this release {steps}")
    return {
        "steps": [float(s) for s in steps],
        "approve_before": [float(g) for g in gates],
        "interval_seconds": interval,
        "shadow_seconds": shadow,
        "shadow_share": spec.shadow_share or policy.shadow_share,
    }


def _seconds(value: timedelta | None, default: timedelta) -> float:
    return (value if value is not None else default).total_seconds()


def in_flight(*, session: Session, service: str) -> Release | None:
    """The unfinished release of this service, if any."""
    return session.scalars(select(Release).where(Release.in_flight_service == service)).first()


def get(*, session: Session, release_id: int) -> Release:
    """One release, or NotFound."""
    row = session.get(Release, release_id)
    if row is None:
        raise NotFound(f"release {release_id} not found")
    return row


def history(*, session: Session, service: str | None = None, limit: int = 100) -> list[Release]:
    """Releases, newest first."""
    query = select(Release).order_by(Release.id.desc()).limit(limit)
    if service:
        query = query.where(Release.service == service)
    return list(session.scalars(query))


def shadow_of(*, session: Session, service: str) -> tuple[str, float] | None:
    """The candidate that receives mirrored requests now, and the share mirrored."""
    row = in_flight(session=session, service=service)
    if row is None or row.state != "shadow" or row.abort_requested_by:
        return None
    return row.version, row.shadow_share


def _unfinished(session: Session, release_id: int) -> Release:
    row = get(session=session, release_id=release_id)
    if row.state in FINAL_STATES:
        raise Conflict(f"release {release_id} is already {row.state}")
    return row


def act(
    *, session: Session, release_id: int, action: str, actor: str, reason: str, now: datetime
) -> Release:
    """A person's action on a release: pause, resume, approve or abort."""
    row = _unfinished(session, release_id)
    if action == "pause":
        row.paused = True
    elif action == "resume":
        row.paused = False
    elif action == "approve":
        if row.state != "awaiting_approval":
            raise Conflict(f"release {release_id} is {row.state}, not waiting for approval")
        row.approved = sorted({*row.approved, row.step})
    elif action == "abort":
        row.abort_requested_by = actor
        row.reason = reason or row.reason
    else:
        raise InvalidInput(f"unknown release action {action!r}")
    note(session=session, row=row, action=action, actor=actor, now=now, reason=reason)
    return row


def note(
    *,
    session: Session,
    row: Release,
    action: str,
    actor: str,
    now: datetime,
    message: str = "",
    **details: Any,
) -> None:
    """The audit event of a change to the release, and its incident's timeline event."""
    audit.record(
        session=session,
        actor=actor,
        action=f"release.{action}",
        target=f"service:{row.service}",
        now=now,
        release_id=row.id,
        version=row.version,
        state=row.state,
        step=row.step,
        **details,
    )
    if row.incident_id:
        incidents.add_event(
            session=session,
            incident_id=row.incident_id,
            kind=f"release_{action}",
            actor=actor,
            message=message or f"Release {row.id} of {row.service} {row.version}: {action}",
            now=now,
            data={"release_id": row.id, **details},
        )


def transition(
    *,
    session: Session,
    row: Release,
    state: str,
    step: int,
    actor: str,
    now: datetime,
    message: str,
    **details: Any,
) -> None:
    """Move the release to ``state`` (and ``step``), keeping the stage's judgement."""
    if row.judgement:
        row.judgements = [*row.judgements, {**row.judgement, "closed_at": now.isoformat()}]
    row.judgement = {}
    if "shadow" in (row.state, state):
        # Every gateway reloads a service whose row changed: mirroring starts or stops there.
        registry.get_service(session=session, name=row.service).updated_at = now
    row.state, row.step, row.state_since = state, step, now
    if state in FINAL_STATES:
        row.finished_at, row.in_flight_service, row.lease_until = now, None, None
    note(session=session, row=row, action=state, actor=actor, now=now, message=message, **details)


def claim(*, session: Session, release_id: int, owner: str, now: datetime, lease: float) -> bool:
    """Take or renew the release's lease (False when another live runner holds it)."""
    result = session.execute(
        update(Release)
        .where(
            Release.id == release_id,
            Release.state.not_in(FINAL_STATES),
            or_(
                Release.lease_until.is_(None),
                Release.lease_until < now,
                Release.runner == owner,
            ),
        )
        .values(lease_until=now + timedelta(seconds=lease), runner=owner)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def unfinished(*, session: Session) -> list[int]:
    """Every release still in flight (the runner claims those it may)."""
    query = select(Release.id).where(Release.state.not_in(FINAL_STATES)).order_by(Release.id)
    return list(session.scalars(query))


def release_lease(*, session: Session, release_id: int, owner: str) -> None:
    """Give the lease up (shutdown): the next runner resumes the release at once."""
    session.execute(
        update(Release)
        .where(Release.id == release_id, Release.runner == owner)
        .values(lease_until=None)
    )
