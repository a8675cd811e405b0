"""Run one intake batch in its own transaction, retrying id races between processes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError

from warroom.alerts.intake import IngestResult, ingest
from warroom.alerts.models import AlertCreate
from warroom.bootstrap import Container

ATTEMPTS = 3


def ingest_batch(
    container: Container,
    alerts: list[AlertCreate],
    *,
    actor: str,
    integration_id: int | None = None,
    on_stored: Callable[[list[AlertCreate], IngestResult], None] | None = None,
) -> IngestResult:
    """Store the batch durably (committed before this returns) or raise."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with container.db.session() as session:
                result = ingest(
                    session=session,
                    alerts=alerts,
                    playbook=container.playbook,
                    actor=actor,
                    now=container.clock(),
                    integration_id=integration_id,
                )
        except IntegrityError:
            # Two processes picked the same incident id in the same second; the loser retries
            # and sees the winner's row.
            if attempt == ATTEMPTS:
                raise
            continue
        if on_stored is not None:
            on_stored(alerts, result)
        return result
    raise AssertionError("unreachable")


def summary(result: IngestResult) -> dict[str, Any]:
    return {
        "accepted": len(result.alert_ids),
        "alert_ids": result.alert_ids,
        "created": result.created,
        "updated": result.updated,
        "silenced": result.silenced,
        "pending": result.pending,
        "incidents_opened": result.incidents_opened,
        "incidents_updated": result.incidents_updated,
    }
