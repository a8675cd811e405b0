"""The deployment backend port: where a rollback actually moves traffic.

A backend has a ``name``, declares what it can do, and implements three methods that raise
``BackendError`` on failure (never return False):

- ``prepare(plan) -> dict``: check the target exists and is healthy; return a snapshot of the
  current state (stored on the rollback and shown in the postmortem);
- ``switch(plan)``: route 100 % of traffic to ``plan.to_version``;
- ``retire(plan)``: scale down or disable ``plan.from_version``;
- ``restore(plan, snapshot)`` (optional, capability ``restore``): put the routing back as
  ``prepare``'s snapshot recorded it, when a later step failed, so that a rollback never
  stays half-done. A backend without it makes such a failure end in state ``error`` with
  the advice to check the routing by hand.

Each call must be idempotent: a rollback resumed after a worker crash repeats the step it was
in, and a step that finds its work already done counts it done. Example of a plugin,
registered through the ``warroom.backends`` entry point group::

    class MyBackend(Backend):
        name = "acme"
        capabilities = frozenset({"switch", "retire"})

        def prepare(self, plan: RollbackPlan) -> dict[str, Any]:
            return {"selector": acme.current(plan.service)}

        def switch(self, plan: RollbackPlan) -> None:
            acme.route(plan.service, plan.to_version, percent=100)

        def retire(self, plan: RollbackPlan) -> None:
            acme.scale(plan.service, plan.from_version, replicas=0)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from warroom.errors import BackendError

#: Plugins import ``BackendError`` from here, beside the port it belongs to.
__all__ = ["Backend", "BackendError", "RollbackPlan"]


@dataclass(frozen=True)
class RollbackPlan:
    service: str
    from_version: str | None
    to_version: str
    incident_id: str | None = None
    rollback_id: int | None = None
    environment: str = "production"
    config: dict[str, Any] = field(default_factory=dict)
    timeout_seconds: float = 120.0
    #: The traffic weights in warroom's registry before the first step.
    previous_weights: dict[str, float] = field(default_factory=dict)


class Backend(ABC):
    name: ClassVar[str]
    capabilities: ClassVar[frozenset[str]] = frozenset({"prepare", "switch", "retire"})
    #: True when ``switch`` itself records the new weights in warroom's registry.
    updates_registry: ClassVar[bool] = False

    @abstractmethod
    def prepare(self, plan: RollbackPlan) -> dict[str, Any]: ...

    @abstractmethod
    def switch(self, plan: RollbackPlan) -> None: ...

    @abstractmethod
    def retire(self, plan: RollbackPlan) -> None: ...

    def restore(self, plan: RollbackPlan, snapshot: dict[str, Any]) -> None:
        """Put the routing back as ``snapshot`` recorded it (see the module docstring)."""
        raise BackendError(f"the {self.name} backend cannot put the routing back by itself")
