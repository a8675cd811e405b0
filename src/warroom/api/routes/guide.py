"""Runbooks and diagnostics: which runbook applies to an incident, run its declared steps.

Running a step takes its name only. A step definition (a URL, a query, a shell command) in a
request is refused: what warroom runs is what an admin declared in the playbook or a runbook.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from warroom.api.deps import ContainerDep, Responder, Viewer
from warroom.errors import NotFound
from warroom.guide import service
from warroom.guide.models import (
    DiagnoseRequest,
    DiagnosticResultRead,
    IncidentRunbook,
    RunbookDetail,
    RunbookRead,
)
from warroom.playbook.runbook import available_steps, find

router = APIRouter(prefix="/api/v1", tags=["guide"])


@router.get("/runbooks", response_model=list[RunbookRead])
def list_runbooks(container: ContainerDep, _: Viewer) -> list[Any]:
    base = container.settings.base_url
    return [service.describe(r, base).model_dump(exclude={"markdown"}) for r in container.runbooks]


@router.get("/runbooks/{name}", response_model=RunbookDetail)
def get_runbook(name: str, container: ContainerDep, _: Viewer) -> RunbookDetail:
    runbook = find(container.runbooks, name)
    if runbook is None:
        known = ", ".join(r.name for r in container.runbooks) or "none"
        raise NotFound(f"runbook {name} not found; runbooks: {known}")
    return service.describe(runbook, container.settings.base_url)


@router.get("/incidents/{incident_id}/runbook", response_model=IncidentRunbook)
def incident_runbook(incident_id: str, container: ContainerDep, _: Viewer) -> IncidentRunbook:
    with container.db.read() as session:
        _incident, _labels, runbook = service.runbook_for(
            session=session, incident_id=incident_id, runbooks=container.runbooks
        )
    steps = available_steps(runbook, container.playbook.runbooks)
    return IncidentRunbook(
        incident_id=incident_id,
        runbook=service.describe(runbook, container.settings.base_url) if runbook else None,
        available_steps=service.steps_read(list(steps.values())),
    )


@router.get("/incidents/{incident_id}/diagnostics", response_model=list[DiagnosticResultRead])
def list_results(incident_id: str, container: ContainerDep, _: Viewer) -> list[Any]:
    with container.db.read() as session:
        return service.results(session=session, incident_id=incident_id)


@router.post("/incidents/{incident_id}/diagnostics", response_model=list[DiagnosticResultRead])
def diagnose(
    incident_id: str,
    container: ContainerDep,
    who: Responder,
    body: DiagnoseRequest | None = None,
) -> list[Any]:
    return _run(container, incident_id, body.steps if body else [], who.actor)


@router.post(
    "/incidents/{incident_id}/diagnostics/{step}", response_model=list[DiagnosticResultRead]
)
def diagnose_step(
    incident_id: str, step: str, container: ContainerDep, who: Responder
) -> list[Any]:
    return _run(container, incident_id, [step], who.actor)


def _run(container: ContainerDep, incident_id: str, names: list[str], actor: str) -> list[Any]:
    return service.diagnose(
        db=container.db,
        policy=container.playbook.runbooks,
        runbooks=container.runbooks,
        incident_id=incident_id,
        names=names,
        actor=actor,
        now=container.clock(),
    )
