"""Prometheus metrics of intake (alerts received, incidents opened, open incidents), on the
registry of the serving process (one per app)."""

from __future__ import annotations

import collections
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from warroom.alerts.models import AlertCreate
from warroom.incidents.lifecycle import OPEN_STATES
from warroom.incidents.models import Incident
from warroom.intake.log import backlog
from warroom.intake.service import IngestResult
from warroom.storage.engine import Database


class OpenIncidents(Collector):
    """Open incidents by severity, read from the database at scrape time."""

    def __init__(self, db: Database):
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "warroom_open_incidents", "Open incidents by severity", labels=["severity"]
        )
        with self.db.read() as session:
            rows = session.execute(
                select(Incident.severity, func.count())
                .where(Incident.status.in_(OPEN_STATES))
                .group_by(Incident.severity)
            ).all()
        counts = dict(rows)
        for severity in ("P0", "P1", "P2", "P3", "P4"):
            family.add_metric([severity], counts.get(severity, 0))
        yield family


class IntakeLogRows(Collector):
    """Intake log rows waiting to be ingested and rows that failed, read at scrape time."""

    def __init__(self, db: Database):
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "warroom_intake_log_rows",
            "Webhook batches in the intake log: waiting to be ingested, or failed",
            labels=["state"],
        )
        with self.db.read() as session:
            counts = backlog(session)
        family.add_metric(["waiting"], counts["waiting"])
        family.add_metric(["failed"], counts["failed"])
        yield family


class IntakeMetrics:
    def __init__(self, db: Database):
        self.registry = CollectorRegistry()
        self.alerts_received = Counter(
            "warroom_alerts_received",
            "Alerts accepted and stored",
            ["source"],
            registry=self.registry,
        )
        self.incidents_opened = Counter(
            "warroom_incidents_opened", "Incidents opened by intake", registry=self.registry
        )
        self.registry.register(OpenIncidents(db))
        self.registry.register(IntakeLogRows(db))

    def count_ingest(self, alerts: list[AlertCreate], result: IngestResult) -> None:
        for source, count in collections.Counter(a.source for a in alerts).items():
            self.alerts_received.labels(source).inc(count)
        self.incidents_opened.inc(len(result.incidents_opened))
