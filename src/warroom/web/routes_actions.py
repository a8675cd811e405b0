"""Console forms: each calls the same service function as the API (which writes the timeline
and audit events), then redirects back with a message. Only responders and admins with the
session's CSRF token get here (``Action``); anyone else gets 403."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from warroom.bootstrap import Server
from warroom.errors import WarroomError
from warroom.incidents import checkoff
from warroom.incidents import service as incidents
from warroom.incidents.models import IncidentDeclare, NoteCreate, RoleAssignment, StatusChange
from warroom.postmortem import service as postmortems
from warroom.response import declare as declaration
from warroom.updates import service as updates
from warroom.updates.models import IncidentUpdateCreate
from warroom.web.auth import Action, container_of
from warroom.web.render import redirect

router = APIRouter(include_in_schema=False)


def _fields(form: dict[str, str], *names: str) -> dict[str, Any]:
    """The named fields, blank ones left out (so models apply their defaults)."""
    return {n: form[n].strip() for n in names if form.get(n, "").strip()}


def _problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "form"
    return f"{where}: {first['msg']}"


def _run(back: str, done: str, work: Callable[[], object]) -> Response:
    """Run the form's work; its flash is ``done``, or the text the work returns."""
    try:
        said = work()
    except ValidationError as exc:
        return redirect(back, flash=_problem(exc), error=True)
    except WarroomError as exc:
        return redirect(back, flash=str(exc), error=True)
    return redirect(back, flash=said if isinstance(said, str) else done)


def _page(incident_id: str) -> str:
    return f"/incidents/{incident_id}"


@router.post("/incidents")
def declare(request: Request, act: Action) -> Response:
    """The list page's "Declare an incident" form; on success, the new incident's page."""
    container = container_of(request)
    names = ("title", "severity", "service", "summary", "commander")
    try:
        spec = IncidentDeclare.model_validate(_fields(act.form, *names))
        incident_id = declaration.declare_committed(
            db=container.db,
            spec=spec,
            actor=act.user.actor,
            now=container.clock(),
            playbook=container.playbook,
        )
    except ValidationError as exc:
        return redirect("/", flash=_problem(exc), error=True)
    except WarroomError as exc:
        return redirect("/", flash=str(exc), error=True)
    return redirect(_page(incident_id), flash=f"Declared {incident_id}.")


@router.post("/incidents/{incident_id}/acknowledge")
def acknowledge(incident_id: str, request: Request, act: Action) -> Response:
    container = container_of(request)

    def work() -> str | None:
        with container.db.session() as session:
            before = incidents.get(session=session, incident_id=incident_id).acknowledged_at
            row = incidents.acknowledge(
                session=session,
                incident_id=incident_id,
                actor=act.user.actor,
                now=container.clock(),
                playbook=container.playbook,
            )
            status, after = row.status, row.acknowledged_at
        if before is not None:
            return f"Already acknowledged at {before:%Y-%m-%d %H:%M} UTC; nothing changed."
        if after is None:
            return f"The incident is {status}: nothing to acknowledge."
        return None

    return _run(_page(incident_id), "Acknowledged.", work)


@router.post("/incidents/{incident_id}/status")
def change_status(incident_id: str, request: Request, act: Action) -> Response:
    container = container_of(request)

    def work() -> None:
        body = StatusChange.model_validate(_fields(act.form, "status", "message"))
        with container.db.session() as session:
            incidents.change_status(
                session=session,
                incident_id=incident_id,
                status=body.status,
                actor=act.user.actor,
                now=container.clock(),
                message=body.message,
                playbook=container.playbook,
            )

    return _run(_page(incident_id), "Status changed.", work)


@router.post("/incidents/{incident_id}/roles")
def assign_role(incident_id: str, request: Request, act: Action) -> Response:
    container = container_of(request)

    def work() -> None:
        body = RoleAssignment.model_validate(_fields(act.form, "role", "person"))
        with container.db.session() as session:
            incidents.assign_role(
                session=session,
                incident_id=incident_id,
                role=body.role,
                person=body.person,
                actor=act.user.actor,
                now=container.clock(),
                playbook=container.playbook,
            )

    return _run(_page(incident_id), "Role assigned.", work)


@router.post("/incidents/{incident_id}/updates")
def post_update(incident_id: str, request: Request, act: Action) -> Response:
    container = container_of(request)

    def work() -> None:
        fields = _fields(act.form, "status", "message", "impact")
        spec = IncidentUpdateCreate.model_validate({**fields, "public": "public" in act.form})
        with container.db.session() as session:
            updates.post(
                session=session,
                incident_id=incident_id,
                spec=spec,
                actor=act.user.actor,
                now=container.clock(),
                playbook=container.playbook,
            )

    public = "public" in act.form
    return _run(_page(incident_id), "Public update posted." if public else "Update posted.", work)


@router.post("/incidents/{incident_id}/notes")
def add_note(incident_id: str, request: Request, act: Action) -> Response:
    container = container_of(request)

    def work() -> None:
        body = NoteCreate.model_validate(_fields(act.form, "message"))
        with container.db.session() as session:
            incidents.add_note(
                session=session,
                incident_id=incident_id,
                message=body.message,
                actor=act.user.actor,
                now=container.clock(),
            )

    return _run(_page(incident_id), "Note added.", work)


@router.post("/incidents/{incident_id}/tasks/check")
def check_tasks(incident_id: str, request: Request, act: Action) -> Response:
    """The ticked checkboxes (``task-<id>``), checked off in one go."""
    container = container_of(request)
    ids = [int(k[5:]) for k in act.form if k.startswith("task-") and k[5:].isdigit()]
    if not ids:
        return redirect(_page(incident_id) + "#h-tasks", flash="No task selected.", error=True)

    def work() -> str:
        with container.db.session() as session:
            checkoff.check_many(
                session=session,
                incident_id=incident_id,
                task_ids=ids,
                actor=act.user.actor,
                now=container.clock(),
            )
        return f"{len(ids)} task{'s' if len(ids) != 1 else ''} checked off."

    return _run(_page(incident_id) + "#h-tasks", "Tasks checked off.", work)


@router.post("/incidents/{incident_id}/tasks/{task_id}/{action}")
def check_task(
    incident_id: str, task_id: int, action: str, request: Request, act: Action
) -> Response:
    container = container_of(request)
    if action not in ("check", "uncheck"):
        return redirect(_page(incident_id), flash=f"unknown task action {action!r}", error=True)

    def work() -> None:
        with container.db.session() as session:
            checkoff.set_checked(
                session=session,
                incident_id=incident_id,
                task_id=task_id,
                checked=action == "check",
                actor=act.user.actor,
                now=container.clock(),
            )

    done = "Task checked off." if action == "check" else "Task reopened."
    return _run(_page(incident_id) + "#h-tasks", done, work)


@router.post("/incidents/{incident_id}/rollback")
def start_rollback(incident_id: str, request: Request, act: Action) -> Response:
    """Start the rollback the plan page showed (to the version it named)."""
    service = act.form.get("service", "")
    if act.form.get("confirm") != "yes":
        return redirect(_page(incident_id), flash="rollback not confirmed", error=True)

    def work() -> None:
        Server.of(request.app).rollback_runner.start_manual(
            service=service,
            to_version=act.form.get("to_version") or None,
            incident_id=incident_id,
            actor=act.user.actor,
            reason=act.form.get("reason", "").strip() or "from the console",
        )

    return _run(_page(incident_id), f"Rollback of {service} started.", work)


@router.post("/incidents/{incident_id}/postmortem")
def open_postmortem(incident_id: str, request: Request, act: Action) -> Response:
    """Draft the postmortem if there is none yet, then show it."""
    container = container_of(request)
    try:
        with container.db.session() as session:
            postmortems.create(
                session=session,
                incident_id=incident_id,
                playbook=container.playbook,
                actor=act.user.actor,
                now=container.clock(),
                playbook_path=container.settings.playbook,
            )
    except WarroomError as exc:
        return redirect(_page(incident_id), flash=str(exc), error=True)
    return redirect(f"/incidents/{incident_id}/postmortem")
