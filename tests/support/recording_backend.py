"""The test double of the backend port: in memory, held to the same contract."""

from __future__ import annotations

from typing import Any

from warroom.deploy.backends.base import Backend, BackendError, RollbackPlan


class RecordingBackend(Backend):
    name = "recording"
    capabilities = frozenset({"prepare", "switch", "retire", "restore"})

    def __init__(self, versions: set[str], serving: str):
        self.versions = set(versions)
        self.serving = serving
        self.scaled_down: set[str] = set()
        self.calls: list[str] = []

    def prepare(self, plan: RollbackPlan) -> dict[str, Any]:
        self.calls.append("prepare")
        if plan.to_version not in self.versions:
            raise BackendError(f"recording: no version {plan.to_version}")
        return {"serving": self.serving}

    def switch(self, plan: RollbackPlan) -> None:
        self.calls.append("switch")
        self.serving = plan.to_version

    def retire(self, plan: RollbackPlan) -> None:
        self.calls.append("retire")
        if plan.from_version:
            self.scaled_down.add(plan.from_version)

    def restore(self, plan: RollbackPlan, snapshot: dict[str, Any]) -> None:
        self.calls.append("restore")
        self.serving = snapshot["serving"]
        if plan.from_version:
            self.scaled_down.discard(plan.from_version)
