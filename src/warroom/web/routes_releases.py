"""The console's release page: the steps, the current judgement with its figures, the
judgements of the stages passed, and the buttons (pause, resume, approve, abort) for
responders and admins. The buttons call the same service function as the API."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from warroom.bootstrap import Server
from warroom.errors import WarroomError
from warroom.releases import service as releases
from warroom.releases.models import ReleaseRead
from warroom.storage.bounds import RowId
from warroom.web.auth import Action, User, container_of, web_state
from warroom.web.render import page, redirect

router = APIRouter(include_in_schema=False)
ACTIONS = ("pause", "resume", "approve", "abort")


@router.get("/releases/{release_id}")
def release_page(release_id: RowId, request: Request, user: User) -> Response:
    container = container_of(request)
    state = web_state(request)
    with container.db.read() as session:
        try:
            row = ReleaseRead.model_validate(releases.get(session=session, release_id=release_id))
        except WarroomError as exc:
            return redirect("/services", flash=str(exc), error=True)
    weights = [*row.steps] + ([] if row.steps[-1] >= 100 else [100.0])
    context = {
        "user": user,
        "now": container.clock(),
        "refresh": state.refresh_seconds,
        "release": row,
        "weights": weights,
        "final": row.state in ("promoted", "aborted"),
    }
    return page(state.templates, request, "release.html", context)


@router.post("/releases/{release_id}/{action}")
def release_action(release_id: RowId, action: str, request: Request, act: Action) -> Response:
    back = f"/releases/{release_id}"
    if action not in ACTIONS:
        return redirect(back, flash=f"unknown action {action!r}", error=True)
    container = container_of(request)
    try:
        with container.db.session() as session:
            releases.act(
                session=session,
                release_id=release_id,
                action=action,
                actor=act.user.actor,
                reason=act.form.get("reason", "").strip() or "from the console",
                now=container.clock(),
            )
    except WarroomError as exc:
        return redirect(back, flash=str(exc), error=True)
    Server.of(request.app).release_runner.nudge()
    return redirect(back, flash=f"Release {release_id}: {action} recorded.")
