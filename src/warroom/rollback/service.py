"""Rollback requests: choose the target, refuse when unsafe, plan, list."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.alerts.models import Alert
from warroom.audit import service as audit
from warroom.deploy import registry, target
from warroom.deploy.models import FINAL_STATES, Rollback
from warroom.errors import Conflict
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.storage.paging import Key, Page, paginate


def plan(
    *,
    session: Session,
    service: str,
    to_version: str | None,
    stable_after: timedelta,
    now: datetime,
    reported: str | None = None,
) -> dict[str, Any]:
    """What a rollback would do (the dry run); Conflict when there is no safe target.

    ``reported`` is the version the incident is about, when known (see ``target.suspect``)."""
    svc = registry.get_service(session=session, name=service)
    rows = registry.versions(session=session, service=service)
    facts = registry.facts(rows)
    if to_version is not None:
        chosen = next((f for f in facts if f.version == to_version), None)
        if chosen is None:
            raise Conflict(f"{service} has no version {to_version}")
        if chosen.state == "bad":
            raise Conflict(f"{service} {to_version} is marked bad; refusing to roll back to it")
        skipped: list[str] = []
    else:
        found, skipped = target.choose(facts, now=now, stable_after=stable_after, reported=reported)
        if found is None:
            detail = "; ".join(skipped) or "no earlier version"
            raise Conflict(f"no stable version of {service} to roll back to ({detail})")
        chosen = found
    if chosen.weight >= 100:
        raise Conflict(f"{service} already serves 100% from {chosen.version}")
    bad = target.suspect(facts, reported=reported, exclude=chosen.version)
    weights = registry.weights_of(rows)
    return {
        "service": service,
        "backend": svc.backend,
        "from_version": bad.version if bad else None,
        "to_version": chosen.version,
        "current_weights": weights,
        "skipped": skipped,
        "steps": [
            f"verify {chosen.version} exists and is healthy ({svc.backend})",
            "remember the current routing ("
            + (", ".join(f"{v} {w:g}%" for v, w in weights.items()) or "no traffic")
            + "), to put it back if a step fails",
            f"route 100% of traffic to {chosen.version}",
            f"disable {bad.version}" if bad else "nothing to disable",
            f"verify {chosen.version}'s error rate against its own recent baseline and its latency",
            "record audit event, notify, write the incident timeline",
        ],
    }


def reported_version(*, session: Session, incident: Incident) -> str | None:
    """The version an incident is about: its ``version`` label, else its newest alert's."""
    if incident.labels.get("version"):
        return incident.labels["version"]
    labels = session.scalars(
        select(Alert.labels).where(Alert.incident_id == incident.id).order_by(Alert.id.desc())
    )
    return next((found["version"] for found in labels if found.get("version")), None)


def in_flight(*, session: Session, service: str) -> Rollback | None:
    """The unfinished rollback of this service, if any."""
    return session.scalars(select(Rollback).where(Rollback.in_flight_service == service)).first()


def start(
    *,
    session: Session,
    service: str,
    to_version: str | None,
    incident_id: str | None,
    trigger: str,
    actor: str,
    reason: str,
    stable_after: timedelta,
    now: datetime,
) -> Rollback:
    """Record a planned rollback (Conflict with the one in flight, if any)."""
    running = in_flight(session=session, service=service)
    if running is not None:
        raise Conflict(
            f"rollback {running.id} of {service} is already in flight ({running.state}, "
            f"to {running.to_version})"
        )
    reported = None
    if incident_id is not None:
        incident = incidents.get(session=session, incident_id=incident_id)
        reported = reported_version(session=session, incident=incident)
    steps = plan(
        session=session,
        service=service,
        to_version=to_version,
        stable_after=stable_after,
        now=now,
        reported=reported,
    )
    rollback = _record(
        session=session,
        service=service,
        versions=(steps["from_version"], steps["to_version"]),
        weights=steps["current_weights"],
        trigger=trigger,
        incident_id=incident_id,
        actor=actor,
        reason=reason,
        now=now,
    )
    if incident_id:
        incidents.add_event(
            session=session,
            incident_id=incident_id,
            kind="rollback_requested",
            actor=actor,
            message=f"Rollback {rollback.id} of {service}: {rollback.from_version} → "
            f"{rollback.to_version} ({trigger})",
            now=now,
            data={"rollback_id": rollback.id, "to_version": rollback.to_version},
        )
    return rollback


def get(*, session: Session, rollback_id: int) -> Rollback:
    """One rollback, or NotFound."""
    from warroom.errors import NotFound

    row = session.get(Rollback, rollback_id)
    if row is None:
        raise NotFound(f"rollback {rollback_id} not found")
    return row


def history(
    *, session: Session, service: str | None = None, limit: int = 100, cursor: str | None = None
) -> Page[Rollback]:
    """A page of rollbacks, newest first."""
    query = select(Rollback)
    if service:
        query = query.where(Rollback.service == service)
    order = (Key(Rollback.id),)
    return paginate(session, query, order, list_name="rollbacks", cursor=cursor, limit=limit)


def stale(*, session: Session, now: datetime) -> list[int]:
    """Unfinished rollbacks whose runner's lease has expired (a crashed worker)."""
    query = select(Rollback.id).where(
        Rollback.state.not_in(FINAL_STATES),
        (Rollback.lease_until.is_(None)) | (Rollback.lease_until < now),
    )
    return list(session.scalars(query))


def start_for_release(
    *,
    session: Session,
    service: str,
    from_version: str,
    to_version: str,
    actor: str,
    reason: str,
    now: datetime,
) -> Rollback:
    """Record the rollback that aborts a release: the candidate (whatever its share of the
    traffic) back to the version that served before it (Conflict with one in flight)."""
    running = in_flight(session=session, service=service)
    if running is not None:
        raise Conflict(f"rollback {running.id} of {service} is already in flight")
    rows = registry.versions(session=session, service=service)
    return _record(
        session=session,
        service=service,
        versions=(from_version, to_version),
        weights=registry.weights_of(rows),
        trigger="release",
        incident_id=None,
        actor=actor,
        reason=reason,
        now=now,
    )


def _record(
    *,
    session: Session,
    service: str,
    versions: tuple[str | None, str],
    weights: dict[str, float],
    trigger: str,
    incident_id: str | None,
    actor: str,
    reason: str,
    now: datetime,
) -> Rollback:
    """A planned rollback row with the routing to put back, and its audit event."""
    from_version, to_version = versions
    rollback = Rollback(
        service=service,
        from_version=from_version,
        to_version=to_version,
        trigger=trigger,
        incident_id=incident_id,
        state="planned",
        actor=actor,
        reason=reason,
        requested_at=now,
        snapshot={},
        verification={},
        steps=[],
        previous_weights=weights,
        in_flight_service=service,
    )
    session.add(rollback)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="rollback.start",
        target=f"service:{service}",
        now=now,
        rollback_id=rollback.id,
        to_version=to_version,
        from_version=from_version,
        trigger=trigger,
        incident_id=incident_id,
    )
    return rollback
