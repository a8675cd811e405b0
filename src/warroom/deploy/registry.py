"""The deployment registry: services, versions, traffic weights and their history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.deploy.models import (
    DeploymentEvent,
    DeployRequest,
    ModelService,
    ModelVersion,
    ServiceCreate,
)
from warroom.deploy.target import VersionFacts
from warroom.errors import Conflict, InvalidInput, NotFound
from warroom.storage.paging import Key, Page, paginate


def create_service(
    *, session: Session, spec: ServiceCreate, actor: str, now: datetime
) -> ModelService:
    """Register a model service (Conflict when the name is taken)."""
    if session.get(ModelService, spec.name) is not None:
        raise Conflict(f"service {spec.name} already exists")
    service = ModelService(
        name=spec.name,
        description=spec.description,
        backend=spec.backend,
        backend_config=spec.backend_config,
        fallback=spec.fallback,
        probe=spec.probe,
        degraded=False,
        public=spec.public,
        created_at=now,
        updated_at=now,
    )
    session.add(service)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="service.create",
        target=f"service:{spec.name}",
        now=now,
        backend=spec.backend,
        public=spec.public,
    )
    return service


def set_public(
    *, session: Session, name: str, public: bool, actor: str, now: datetime
) -> ModelService:
    """Show the service on the public status page, or stop showing it (audited)."""
    service = get_service(session=session, name=name)
    if service.public != public:
        service.public = public
        service.updated_at = now
        audit.record(
            session=session,
            actor=actor,
            action="service.public",
            target=f"service:{name}",
            now=now,
            public=public,
        )
    return service


def get_service(*, session: Session, name: str) -> ModelService:
    """The service, or NotFound."""
    service = session.get(ModelService, name)
    if service is None:
        raise NotFound(f"model service {name} not found (create it with `warroom service create`)")
    return service


def list_services(*, session: Session) -> list[ModelService]:
    """All services by name."""
    return list(session.scalars(select(ModelService).order_by(ModelService.name)))


def versions(*, session: Session, service: str) -> list[ModelVersion]:
    """The service's versions, oldest first."""
    query = select(ModelVersion).where(ModelVersion.service == service)
    return list(session.scalars(query.order_by(ModelVersion.deployed_at, ModelVersion.id)))


def get_version(*, session: Session, service: str, version: str) -> ModelVersion:
    """One version, or NotFound."""
    row = session.scalars(
        select(ModelVersion).where(ModelVersion.service == service, ModelVersion.version == version)
    ).first()
    if row is None:
        raise NotFound(f"version {version} of {service} not found")
    return row


def weights_of(rows: list[ModelVersion]) -> dict[str, float]:
    return {v.version: v.weight for v in rows if v.weight > 0}


def facts(rows: list[ModelVersion]) -> list[VersionFacts]:
    return [
        VersionFacts(
            version=v.version,
            deployed_at=v.deployed_at,
            state=v.state,
            weight=v.weight,
            stable_since=v.stable_since,
            served_until=v.served_until,
            marked_stable=v.marked_stable,
            rolled_back_from=v.rolled_back_from,
        )
        for v in rows
    ]


def deploy(
    *,
    session: Session,
    service: str,
    spec: DeployRequest,
    actor: str,
    now: datetime,
    checked: str | None = None,
) -> ModelVersion:
    """Add a version and give it ``spec.weight`` % of traffic (the rest keeps its proportions);
    ``checked`` says how it was checked beforehand (see ``probe.check``), for the record."""
    get_service(session=session, name=service)
    if (spec.artifact is None) == (spec.endpoint is None):
        raise InvalidInput(
            "give exactly one of artifact (model file or module:callable) or endpoint"
        )
    existing = versions(session=session, service=service)
    if any(v.version == spec.version for v in existing):
        raise Conflict(f"{service} already has a version {spec.version}")
    row = ModelVersion(
        service=service,
        version=spec.version,
        artifact=spec.artifact,
        endpoint=spec.endpoint,
        state="standby",
        weight=0.0,
        enabled=True,
        threshold=spec.threshold,
        deployed_at=now,
        marked_stable=False,
        rolled_back_from=False,
        labels=spec.labels,
    )
    session.add(row)
    session.flush()
    others = [v for v in existing if v.weight > 0]
    rest = sum(v.weight for v in others)
    new = {v.version: (v.weight / rest) * (100 - spec.weight) if rest else 0.0 for v in others}
    new[spec.version] = spec.weight if others else 100.0 if spec.weight > 0 else 0.0
    apply_weights(
        session=session,
        service=service,
        weights=new,
        actor=actor,
        now=now,
        kind="deploy",
        version=spec.version,
        details={"checked": checked} if checked else None,
    )
    return row


def apply_weights(
    *,
    session: Session,
    service: str,
    weights: dict[str, float],
    actor: str,
    now: datetime,
    kind: str = "weights",
    version: str | None = None,
    details: dict[str, object] | None = None,
) -> dict[str, float]:
    """Set traffic weights (percent, summing to 100; unnamed versions get 0) and record it."""
    rows = {v.version: v for v in versions(session=session, service=service)}
    unknown = sorted(set(weights) - set(rows))
    if unknown:
        raise NotFound(f"{service} has no version {', '.join(unknown)}")
    if any(w < 0 for w in weights.values()) or abs(sum(weights.values()) - 100) > 1e-6:
        raise InvalidInput(f"weights must be >= 0 and sum to 100, got {weights}")
    for name, row in rows.items():
        _set_weight(row, weights.get(name, 0.0), now)
    after = weights_of(list(rows.values()))
    session.add(
        DeploymentEvent(
            service=service,
            at=now,
            kind=kind,
            version=version,
            actor=actor,
            weights=after,
            details=details or {},
        )
    )
    get_service(session=session, name=service).updated_at = now
    audit.record(
        session=session,
        actor=actor,
        action=f"service.{kind}",
        target=f"service:{service}",
        now=now,
        weights=after,
        version=version,
    )
    return after


def _set_weight(row: ModelVersion, weight: float, now: datetime) -> None:
    if weight > 0 and not row.enabled:
        raise Conflict(f"version {row.version} is disabled; enable it before routing traffic to it")
    if row.weight == 0 and weight > 0:
        row.served_from, row.served_until = now, None
    if row.weight > 0 and weight == 0:
        row.served_until = now
    if weight >= 100 and row.weight < 100:
        row.stable_since, row.served_until = now, None
    elif weight < 100 and row.weight >= 100 and row.stable_since is not None:
        row.served_until = now
    row.weight = weight
    if row.state != "bad":
        row.state = "active" if weight > 0 else "standby"


def mark_stable(
    *, session: Session, service: str, version: str, actor: str, now: datetime
) -> ModelVersion:
    """An operator vouches for a version: it qualifies as a rollback target from now on."""
    row = get_version(session=session, service=service, version=version)
    if row.state == "bad":
        raise Conflict(f"{service} {version} is marked bad; it cannot be marked stable")
    row.marked_stable = True
    row.stable_since = row.stable_since or now
    _event(session, service, now, "mark_stable", version, actor, {})
    return row


def set_enabled(
    *, session: Session, service: str, version: str, enabled: bool, actor: str, now: datetime
) -> ModelVersion:
    """Enable or disable a version (a disabled version gets no traffic)."""
    row = get_version(session=session, service=service, version=version)
    if not enabled and row.weight > 0:
        raise Conflict(f"{service} {version} still takes {row.weight:g}% of traffic; move it first")
    row.enabled = enabled
    _event(session, service, now, "enable" if enabled else "disable", version, actor, {})
    return row


def history(
    *, session: Session, service: str, limit: int = 200, cursor: str | None = None
) -> Page[DeploymentEvent]:
    """A page of a service's deployment events (its releases), newest first."""
    query = select(DeploymentEvent).where(DeploymentEvent.service == service)
    order = (Key(DeploymentEvent.id),)
    return paginate(session, query, order, list_name="releases", cursor=cursor, limit=limit)


def set_threshold(
    *, session: Session, service: str, version: str, threshold: float, actor: str, now: datetime
) -> ModelVersion:
    """Change a version's decision threshold (the AI photo detector playbook's drift mitigation
    lowers it)."""
    row = get_version(session=session, service=service, version=version)
    old, row.threshold = row.threshold, threshold
    _event(session, service, now, "threshold", version, actor, {"from": old, "to": threshold})
    return row


def set_degraded(
    *,
    session: Session,
    service: str,
    degraded: bool,
    fallback: dict[str, object] | None,
    actor: str,
    now: datetime,
) -> ModelService:
    """Switch the service to its configured default answer (the malaria prediction backend runbook)
    or back."""
    svc = get_service(session=session, name=service)
    if fallback is not None:
        svc.fallback = dict(fallback)
    if degraded and svc.fallback is None:
        raise InvalidInput(f"{service} has no fallback answer configured; give one")
    svc.degraded = degraded
    svc.updated_at = now
    _event(
        session,
        service,
        now,
        "degraded" if degraded else "restored",
        None,
        actor,
        {"fallback": svc.fallback},
    )
    return svc


def _event(
    session: Session,
    service: str,
    now: datetime,
    kind: str,
    version: str | None,
    actor: str,
    details: dict[str, object],
) -> None:
    weights = weights_of(versions(session=session, service=service))
    # Every gateway reloads a service when its row changes.
    get_service(session=session, name=service).updated_at = now
    session.add(
        DeploymentEvent(
            service=service,
            at=now,
            kind=kind,
            version=version,
            actor=actor,
            weights=weights,
            details=details,
        )
    )
    audit.record(
        session=session,
        actor=actor,
        action=f"service.{kind}",
        target=f"service:{service}",
        now=now,
        version=version,
        **details,
    )


def set_review(
    *, session: Session, service: str, version: str, enabled: bool, actor: str, now: datetime
) -> ModelVersion:
    """Hold a version's low-confidence predictions for human review (the AI photo detector
    playbook)."""
    row = get_version(session=session, service=service, version=version)
    row.review_low_confidence = enabled
    _event(session, service, now, "review_on" if enabled else "review_off", version, actor, {})
    return row
