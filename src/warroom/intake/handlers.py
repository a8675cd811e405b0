"""Jobs of the intake use case: a pending alert's ``for`` duration has elapsed."""

from __future__ import annotations

from typing import Any

from warroom.intake import service as intake
from warroom.jobs.context import JobContext


def pending_elapsed(ctx: JobContext, payload: dict[str, Any]) -> None:
    intake.check_pending(
        session=ctx.session,
        alert_id=int(payload["alert_id"]),
        playbook=ctx.playbook,
        now=ctx.now,
    )
