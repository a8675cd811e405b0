"""A pass over the intake log that opens many incidents, on SQLite and PostgreSQL: the new
incidents and their first tasks are written once every part is grouped, one INSERT each, and
a stored alert that opens an incident in such a pass is pointed at it only once it is
written (the ORM does not order its writes by foreign keys)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import event, select

from tests.conftest import Clock
from warroom.alerts.models import Alert
from warroom.bootstrap import Container
from warroom.incidents import ids
from warroom.incidents.models import Incident, TimelineEvent
from warroom.intake.log import Append, append
from warroom.intake.processor import process_once
from warroom.silences import service as silences
from warroom.silences.models import Matcher, SilenceCreate
from warroom.tasks.models import IncidentTask


def _append_group(container: Container, service: str) -> None:
    """Alertmanager's notification for one alert group: one firing alert of ``service``."""
    labels = {"alertname": "RegionDown", "service": service, "severity": "critical"}
    body = {
        "version": "4",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {},
                "startsAt": "2026-12-01T00:00:00Z",
                "fingerprint": f"fp-{service}",
            }
        ],
    }
    entry = Append(
        "alertmanager", orjson.dumps(body), 1, "integration:test", None, container.clock()
    )
    append(container.db, entry)


@contextmanager
def _inserts(container: Container) -> Iterator[dict[str, int]]:
    """How many INSERT statements reach each table while the block runs."""
    counts: dict[str, int] = {}

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        words = statement.split()
        if words[:2] == ["INSERT", "INTO"]:
            table = words[2].strip('"')
            counts[table] = counts.get(table, 0) + 1

    engine = container.db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_pass_writes_its_new_incidents_and_their_tasks_in_one_insert_each(
    container: Container,
) -> None:
    for n in range(30):
        _append_group(container, f"svc-{n}")
    with _inserts(container) as inserts:
        assert process_once(container) == 30
    assert inserts["incidents"] == 1
    assert inserts["incident_tasks"] == 1
    with container.db.read() as session:
        opened = list(session.scalars(select(Incident)))
        assert len(opened) == 30
        for incident in opened:
            tasks = session.scalars(
                select(IncidentTask).where(IncidentTask.incident_id == incident.id)
            ).all()
            assert tasks, f"{incident.id} has no tasks"
            kinds = session.scalars(
                select(TimelineEvent.kind)
                .where(TimelineEvent.incident_id == incident.id)
                .order_by(TimelineEvent.id)
            ).all()
            assert kinds.index("opened") < kinds.index("tasks")
            # Its page checked the paging task off: the tasks were there before the page.
            assert any(t.checked_auto for t in tasks)


def test_a_stored_alert_opens_its_incident_in_a_pass_that_looks_ids_up(
    container: Container, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    start = container.clock()
    clock.set(start)
    with container.db.session() as session:
        spec = SilenceCreate(
            matchers=[Matcher(name="service", value="quiet")],
            duration_minutes=5,
            comment="maintenance",
        )
        silences.create(session=session, spec=spec, actor="test", now=start)
    _append_group(container, "quiet")
    assert process_once(container) == 1
    [stored] = _stored(container)
    assert stored.silence_id is not None and stored.incident_id is None
    # The silence is over: the stored alert's repeat opens an incident, first in a pass that
    # opens more incidents than one id lookup hands out, so a lookup runs (and writes what
    # the session holds) after the stored alert was grouped.
    clock.set(start + timedelta(minutes=10))
    _append_group(container, "quiet")
    for n in range(ids.CHUNK + 5):
        _append_group(container, f"loud-{n}")
    with caplog.at_level(logging.WARNING, logger="warroom.intake.processor"):
        assert process_once(container) == ids.CHUNK + 6
    assert "failed together" not in caplog.text  # one pass, not row by row
    alerts = {a.service: a for a in _stored(container)}
    assert alerts["quiet"].incident_id is not None
    with container.db.read() as session:
        incident = session.get(Incident, alerts["quiet"].incident_id)
        assert incident is not None and incident.service == "quiet"
        assert session.scalar(select(Incident.id).where(Incident.service == "loud-0"))


def _stored(container: Container) -> list[Alert]:
    with container.db.read() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))
