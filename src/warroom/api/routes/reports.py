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
    since: AwareUtcTime | None = Query(default=None, description="detected at or after"),
    until: AwareUtcTime | None = Query(default=None, description="detected before"),
) -> dict[str, Any]:
    """MTTD/MTTA/MTTR, MTBF, counts, SLA, postmortem and action-item completion, rollbacks."""
    with container.db.read() as session:
        return reports.response_report(
            session=session,
            playbook=container.playbook,
            now=container.clock(),
            since=since,
            until=until,
        )
