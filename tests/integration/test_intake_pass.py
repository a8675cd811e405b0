"""A pass over the intake log that opens many incidents, on SQLite and PostgreSQL: the new
incidents and their first tasks are written once every part is grouped, one INSERT each, and
a stored alert that opens an incident in such a pass is pointed at it only once it is
written (the ORM does not order its writes by foreign keys); their pages are written
together, one INSERT of notifications and one of delivery jobs, and the paging tasks they
check off in one statement."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tests.conftest import Clock
from warroom.alerts.models import Alert
from warroom.bootstrap import Container
from warroom.incidents import ids
from warroom.incidents.models import Incident, TimelineEvent
from warroom.intake.log import Append, append
from warroom.intake.processor import process_once
from warroom.jobs.models import Job
from warroom.notify import service as outbox
from warroom.notify.models import Notification
from warroom.notify.service import DELIVER
from warroom.playbook.oncall import ChannelConfig
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
def _statements(container: Container) -> Iterator[dict[str, int]]:
    """How many INSERT and UPDATE statements reach each table while the block runs (an
    executemany is one), as ``"INSERT incidents"``."""
    counts: dict[str, int] = {}

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        words = statement.split()
        if words[:2] == ["INSERT", "INTO"] or words[:1] == ["UPDATE"]:
            verb, table = words[0], words[2 if words[0] == "INSERT" else 1].strip('"')
            counts[f"{verb} {table}"] = counts.get(f"{verb} {table}", 0) + 1

    engine = container.db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_pass_writes_its_new_incidents_tasks_and_pages_in_one_statement_each(
    container: Container,
) -> None:
    for n in range(30):
        _append_group(container, f"svc-{n}")
    with _statements(container) as written:
        assert process_once(container) == 30
    assert written["INSERT incidents"] == 1
    assert written["INSERT incident_tasks"] == 1
    assert written["INSERT notifications"] == 1
    assert written["UPDATE incident_tasks"] == 1  # each page checks its paging task off
    with container.db.read() as session:
        pages = session.scalars(select(Notification)).all()
        assert sorted(p.incident_id for p in pages) == sorted(
            session.scalars(select(Incident.id)).all()
        )
        deliveries = session.scalars(select(Job.payload).where(Job.kind == DELIVER)).all()
        assert sorted(d["notification_id"] for d in deliveries) == sorted(p.id for p in pages)
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


def test_pages_queued_together_skip_a_key_taken_before_or_twice(container: Container) -> None:
    channel = ChannelConfig(name="hook", type="webhook", url="http://127.0.0.1:9/page")
    now = container.clock()
    paged: list[str] = []

    def page(session: Session, key: str) -> None:
        outbox.queue_page(
            session=session,
            key=key,
            channel=channel,
            to="ana",
            subject="s",
            body="b",
            now=now,
            incident_id=None,
            person="ana",
            level=0,
            then=lambda row: paged.append(row.key),
        )

    with container.db.session() as session:
        page(session, "before")
    with container.db.session() as session, outbox.together(session):
        for key in ("before", "new", "twice", "twice"):
            page(session, key)
        assert paged == ["before"]  # nothing written inside the block
    assert paged == ["before", "new", "twice"]
    with container.db.read() as session:
        keys = session.scalars(select(Notification.key).order_by(Notification.id)).all()
        jobs = session.scalars(select(Job.key).where(Job.kind == DELIVER)).all()
    assert keys == ["before", "new", "twice"]
    assert sorted(jobs) == ["deliver:before", "deliver:new", "deliver:twice"]


def _stored(container: Container) -> list[Alert]:
    with container.db.read() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))
