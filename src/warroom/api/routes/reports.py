"""Response report over a period."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from warroom.api.deps import ContainerDep, Viewer
from warroom.reports import service as reports
from warroom.storage.bounds import AwareUtcTime

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.get("/response")
def response_report(
    container: ContainerDep,
    _: Viewer,
    since: AwareUtcTime | None = Query(
        default=None, description="detected at or after (default: 30 days before until)"
    ),
    until: AwareUtcTime | None = Query(default=None, description="detected before (default: now)"),
) -> dict[str, Any]:
    """MTTD/MTTA/MTTR, MTBF, counts, SLA, postmortem and action-item completion, rollbacks,
    over incidents detected in [since, until): by default the last 30 days."""
    now = container.clock()
    start, end = reports.bounded(since=since, until=until, now=now)
    with container.db.read() as session:
        return reports.response_report(
            session=session, playbook=container.playbook, now=now, since=start, until=end
        )
