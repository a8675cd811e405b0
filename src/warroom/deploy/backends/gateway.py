"""The embedded gateway: traffic weights live in warroom's registry, and every gateway
process picks a change up within its sync interval (default 50 ms)."""

from __future__ import annotations

from typing import Any

import httpx

from warroom.deploy import registry
from warroom.deploy.backends.base import Backend, BackendError, RollbackPlan
from warroom.deploy.loaders import load
from warroom.env.port import Env
from warroom.errors import NotFound, WarroomError


class GatewayBackend(Backend):
    name = "gateway"
    capabilities = frozenset({"prepare", "switch", "retire", "restore"})
    updates_registry = True

    def __init__(self, env: Env):
        self.env = env

    def prepare(self, plan: RollbackPlan) -> dict[str, Any]:
        with self.env.db.read() as session:
            try:
                target = registry.get_version(
                    session=session, service=plan.service, version=plan.to_version
                )
            except NotFound as exc:
                raise BackendError(f"gateway: {exc}") from exc
            if target.state == "bad":
                raise BackendError(f"target {plan.to_version} is marked bad")
            rows = registry.versions(session=session, service=plan.service)
            svc = registry.get_service(session=session, name=plan.service)
            snapshot = {
                "weights": registry.weights_of(rows),
                "degraded": svc.degraded,
                "versions": {
                    v.version: {"state": v.state, "enabled": v.enabled, "threshold": v.threshold}
                    for v in rows
                },
            }
            artifact, endpoint = target.artifact, target.endpoint
        self._healthy(plan, artifact, endpoint)
        return snapshot

    def _healthy(self, plan: RollbackPlan, artifact: str | None, endpoint: str | None) -> None:
        if endpoint:
            try:
                status = httpx.get(endpoint, timeout=5).status_code
            except httpx.HTTPError as exc:
                raise BackendError(f"target {plan.to_version} endpoint unreachable: {exc}") from exc
            if status >= 500:
                raise BackendError(f"target {plan.to_version} endpoint answers {status}")
            return
        try:
            load(artifact=artifact, endpoint=None)
        except WarroomError as exc:
            raise BackendError(f"target {plan.to_version} cannot be loaded: {exc}") from exc

    def switch(self, plan: RollbackPlan) -> None:
        now = self.env.clock()
        # Redone on resume if lost in a machine crash (see deploy.engine.claim).
        with self.env.db.session(durable=False) as session:
            target = registry.get_version(
                session=session, service=plan.service, version=plan.to_version
            )
            target.enabled = True
            registry.apply_weights(
                session=session,
                service=plan.service,
                weights={plan.to_version: 100.0},
                actor="warroom:rollback",
                now=now,
                kind="rollback",
                version=plan.to_version,
                details={"rollback_id": plan.rollback_id, "from": plan.from_version},
            )
        self.env.routing_changed(plan.service, {plan.to_version: 100.0})

    def retire(self, plan: RollbackPlan) -> None:
        if not plan.from_version or plan.from_version == plan.to_version:
            return
        now = self.env.clock()
        with self.env.db.session(durable=False) as session:
            row = registry.get_version(
                session=session, service=plan.service, version=plan.from_version
            )
            if row.weight == 0 and not row.enabled:
                return
            registry.set_enabled(
                session=session,
                service=plan.service,
                version=row.version,
                enabled=False,
                actor="warroom:rollback",
                now=now,
            )

    def restore(self, plan: RollbackPlan, snapshot: dict[str, Any]) -> None:
        weights = plan.previous_weights or snapshot.get("weights") or {}
        enabled = {v for v, s in snapshot.get("versions", {}).items() if s.get("enabled")}
        now = self.env.clock()
        with self.env.db.session() as session:
            rows = registry.versions(session=session, service=plan.service)
            for row in rows:
                if row.version in enabled and not row.enabled:
                    row.enabled = True
                if row.version == plan.from_version:
                    row.rolled_back_from = False
            registry.get_service(session=session, name=plan.service).updated_at = now
            if weights and registry.weights_of(rows) != weights:
                registry.apply_weights(
                    session=session,
                    service=plan.service,
                    weights=weights,
                    actor="warroom:rollback",
                    now=now,
                    kind="rollback_reverted",
                    details={"rollback_id": plan.rollback_id},
                )
        if weights:
            self.env.routing_changed(plan.service, weights)
