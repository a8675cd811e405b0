"""Drills: the playbook's stage targets, the ``drill.completed`` record, restoring traffic."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from warroom.api.deps import ContainerDep, Responder, Viewer
from warroom.drills import service
from warroom.drills.stages import STAGES
from warroom.storage.bounds import FiniteFloat, JsonObject, RowId

router = APIRouter(prefix="/api/v1/drills", tags=["drills"])


class StageResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern="|".join(STAGES))
    status: str = Field(pattern="^(pass|fail|n/a)$")
    seconds: FiniteFloat | None = None
    target_s: FiniteFloat | None = None
    note: str = Field(default="", max_length=1000)


class DrillResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario: str = Field(min_length=1, max_length=100)
    service: str = Field(min_length=1, max_length=200)
    incident_id: str | None = Field(default=None, max_length=40)
    passed: bool
    stages: list[StageResult] = Field(max_length=len(STAGES))
    cleanup: JsonObject = Field(default_factory=dict)


class RestoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rollback_id: RowId


@router.get("/targets")
def targets(container: ContainerDep, _: Viewer) -> dict[str, Any]:
    return service.targets(container.playbook)


@router.post("/completed", status_code=201)
def completed(body: DrillResult, container: ContainerDep, who: Responder) -> dict[str, Any]:
    with container.db.session() as session:
        details = body.model_dump(mode="json", exclude={"scenario"})
        event = service.record(
            session=session,
            scenario=body.scenario,
            details=details,
            actor=who.actor,
            now=container.clock(),
        )
        return {"audit_id": event.id, "at": event.at.isoformat()}


@router.post("/restore")
def restore(body: RestoreRequest, container: ContainerDep, who: Responder) -> dict[str, Any]:
    with container.db.session() as session:
        weights = service.restore(
            session=session, rollback_id=body.rollback_id, actor=who.actor, now=container.clock()
        )
    return {"rollback_id": body.rollback_id, "weights": weights}
