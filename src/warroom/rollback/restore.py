"""A rollback whose step failed: put the routing back as it was, and say so in its state.

A rollback either completes or leaves routing as it was. Once traffic may have moved (the
switch or retire step failed, or the hard timeout struck between them), the backend puts
back what ``prepare`` recorded and warroom's registry gets back the weights remembered when
the rollback was requested; the rollback ends ``reverted``. Should that fail as well, it ends
``error`` and its reason tells people to check the routing by hand.
"""

from __future__ import annotations

from typing import Any

from warroom.deploy import registry
from warroom.deploy.backends.base import RollbackPlan
from warroom.deploy.backends.registry import backend_for
from warroom.env.port import Env
from warroom.rollback.conclude import conclude

#: The states in which traffic may already have moved, but the switch is not complete.
MOVING = ("snapshotted", "switched")


def end_after_failure(
    env: Env,
    plan: RollbackPlan,
    *,
    backend: str,
    state: str,
    ending: str,
    reason: str,
    snapshot: dict[str, Any],
    owner: str,
) -> None:
    """Conclude a rollback whose step failed, putting the routing back first if it moved."""
    assert plan.rollback_id is not None
    if state == "planned":
        conclude(env, plan.rollback_id, ending, f"{reason}; no traffic moved", owner=owner)
        return
    if state not in MOVING:  # verifying: the switch completed, the routing stands
        conclude(env, plan.rollback_id, ending, reason, owner=owner)
        return
    try:
        put_back(env, plan, backend=backend, snapshot=snapshot)
    except Exception as exc:  # the routing may be half-moved: people must look now
        conclude(
            env,
            plan.rollback_id,
            "error",
            f"{reason}; putting the routing back failed too ({exc}): check the routing of "
            f"{plan.service} by hand",
            owner=owner,
        )
        return
    weights = ", ".join(f"{v} {w:g}%" for v, w in plan.previous_weights.items())
    conclude(
        env,
        plan.rollback_id,
        "reverted",
        f"{reason}; routing put back as it was ({weights or 'no traffic'})",
        owner=owner,
    )


def put_back(env: Env, plan: RollbackPlan, *, backend: str, snapshot: dict[str, Any]) -> None:
    """Undo the switch in the backend, and the weights in warroom's registry."""
    found = backend_for(backend, env=env, config=plan.config)
    found.restore(plan, snapshot)
    if found.updates_registry or not plan.previous_weights:
        return
    with env.db.session() as session:
        rows = registry.versions(session=session, service=plan.service)
        if registry.weights_of(rows) != plan.previous_weights:
            registry.apply_weights(
                session=session,
                service=plan.service,
                weights=plan.previous_weights,
                actor="warroom:rollback",
                now=env.clock(),
                kind="rollback_reverted",
                details={"rollback_id": plan.rollback_id},
            )
