"""The shipped PromQL diagnostics against a real Prometheus scraping a loopback service that
exposes warroom's metrics; results on the timeline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.test_guide_diagnostics import configure, diagnose, open_incident, timeline
from tests.support.http_target import HttpTarget, Route
from tests.support.prometheus import needs_prometheus, prometheus, wait_for
from warroom.bootstrap import Container

pytestmark = needs_prometheus
ERROR_RATE = (
    'sum by (version) (rate(warroom_model_errors_total{service="fraud"}[5m])) / '
    'sum by (version) (rate(warroom_model_requests_total{service="fraud"}[5m]))'
)


class Exposition:
    """warroom's own model metrics: version v2 of `fraud` fails 5 of its 25 requests per
    scrape, v1 none."""

    def __init__(self) -> None:
        self.scrapes = 0

    def __call__(self) -> str:
        self.scrapes += 1
        n = self.scrapes
        return (
            "# TYPE warroom_model_requests_total counter\n"
            f'warroom_model_requests_total{{service="fraud",version="v2"}} {25 * n}\n'
            f'warroom_model_requests_total{{service="fraud",version="v1"}} {20 * n}\n'
            "# TYPE warroom_model_errors_total counter\n"
            f'warroom_model_errors_total{{service="fraud",version="v2"}} {5 * n}\n'
            'warroom_model_errors_total{service="fraud",version="v1"} 0\n'
            "# TYPE warroom_open_incidents gauge\n"
            'warroom_open_incidents{severity="P1"} 7\n'
        )


@pytest.fixture
def prom(tmp_path: Path) -> Iterator[str]:
    service = HttpTarget({"/metrics": Route(200, Exposition())})
    url = service.start()
    try:
        with prometheus(tmp_path, [url.removeprefix("http://")]) as prom_url:
            yield prom_url
    finally:
        service.stop()


def _has_rate(prom_url: str) -> bool:
    answer = httpx.get(f"{prom_url}/api/v1/query", params={"query": ERROR_RATE}, timeout=30).json()
    return bool(answer["data"]["result"])


def test_shipped_queries_run_against_prometheus(container: Container, prom: str) -> None:
    configure(
        container,
        prometheus_url=prom,
        diagnostics=[
            {"name": "active", "kind": "promql", "query": "warroom_open_incidents",
             "fail_if": {"op": ">", "value": 100}},
            {"name": "by_label", "kind": "promql",
             "query": 'warroom_model_requests_total{version="$endpoint"}'},
            {"name": "broken", "kind": "promql", "query": "sum(rate(x[5m]) by"},
        ],
    )  # fmt: skip
    wait_for(lambda: _has_rate(prom), "collect two scrapes")
    incident_id = open_incident(container, labels={"endpoint": '/predict"} or vector(1) #'})
    found = diagnose(
        container, incident_id, "error_rate_by_version", "active", "by_label", "broken"
    )
    errors = found["error_rate_by_version"]  # the shipped HighErrorRate runbook's first step
    assert errors.status == "failed", errors.summary  # fail_if: a version above 5 %
    assert errors.summary.startswith('1 of 2 series > 0.05: {version="v2"} 0.2'), errors.summary
    assert errors.output.startswith(ERROR_RATE)
    active = found["active"]
    labels = f'__name__="warroom_open_incidents", instance="{_instance(prom)}", job="target", '
    labels += 'severity="P1"'
    assert (active.status, active.summary) == ("ok", f"1 series: {{{labels}}} 7")
    # The label's quote was escaped: it matched nothing instead of becoming `or vector(1)`.
    assert (found["by_label"].status, found["by_label"].summary) == ("ok", "no series returned")
    assert found["broken"].status == "error"
    assert found["broken"].summary.startswith("Prometheus refused the query: ")
    kinds = {e.data["step"]: e.data["status"] for e in timeline(container, incident_id)}
    assert kinds == {"error_rate_by_version": "failed", "active": "ok", "by_label": "ok",
                     "broken": "error"}  # fmt: skip


def _instance(prom_url: str) -> str:
    answer = httpx.get(
        f"{prom_url}/api/v1/query", params={"query": "warroom_open_incidents"}, timeout=30
    )
    return str(answer.json()["data"]["result"][0]["metric"]["instance"])
