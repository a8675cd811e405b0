"""Response metrics as Prometheus gauges, computed from the database at scrape time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from warroom.playbook.schema import Playbook
from warroom.reports import service as reports
from warroom.storage.engine import Database


class ResponseMetrics(Collector):
    """MTTD/MTTA/MTTR per severity, SLA and completion ratios over the last 30 days."""

    def __init__(self, db: Database, playbook: Playbook, clock: Callable[[], datetime]):
        self.db, self.playbook, self.clock = db, playbook, clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self.clock()
        with self.db.read() as session:
            since, until = reports.bounded(since=None, until=None, now=now)
            report = reports.response_report(
                session=session, playbook=self.playbook, now=now, since=since, until=until
            )
        yield self._durations(report["response"])
        ratios = GaugeMetricFamily(
            "warroom_response_ratio",
            "Compliance ratios over the last 30 days (absent when nothing is eligible)",
            labels=["measure"],
        )
        for measure, value in (
            ("ack_sla", report["sla"]["acknowledgement"]["rate"]),
            ("resolution_sla", report["sla"]["resolution"]["rate"]),
            ("postmortem_on_time", report["postmortems"]["rate"]),
            ("action_items_on_time", report["action_items"]["rate"]),
            ("rollback_success", report["rollbacks"]["success_rate"]),
        ):
            if value is not None:
                ratios.add_metric([measure], value)
        yield ratios
        overdue = GaugeMetricFamily(
            "warroom_overdue", "Overdue postmortems and action items", labels=["kind"]
        )
        overdue.add_metric(["postmortem"], len(report["postmortems"]["overdue"]))
        overdue.add_metric(["action_item"], len(report["action_items"]["overdue"]))
        yield overdue

    @staticmethod
    def _durations(response: dict[str, Any]) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "warroom_response_seconds",
            "Mean time to detect/acknowledge/resolve over the last 30 days, by severity",
            labels=["measure", "severity"],
        )
        for severity, block in [("all", response), *response["by_severity"].items()]:
            for measure in ("mttd", "mtta", "mttr"):
                value = block[f"{measure}_seconds"]
                if value is not None:
                    family.add_metric([measure, severity], value)
        return family
