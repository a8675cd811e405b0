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
    until: AwareUtcTime | None = Query(
        default=None, description="detected before (default: the end of today, UTC)"
    ),
    services_after: str | None = Query(
        default=None,
        max_length=200,
        description="list services after this name (the report's incidents.by_service_next)",
    ),
) -> dict[str, Any]:
    """MTTD/MTTA/MTTR, MTBF, counts, SLA, postmortem and action-item completion, rollbacks,
    over incidents detected in [since, until): by default the last 30 days (today included).
    Services are listed a page at a time, in name order."""
    now = container.clock()
    start, end = reports.bounded(since=since, until=until, now=now)
    with container.db.read() as session:
        return reports.response_report(
            session=session,
            playbook=container.playbook,
            now=now,
            since=start,
            until=end,
            services_after=services_after,
        )
