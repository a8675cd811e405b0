"""Seed 002's PromQL diagnostics against a real Prometheus scraping a loopback service that
exposes the seed's metrics; results on the timeline."""

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
ERRORS_BY_ENDPOINT = 'sum(rate(aidetect_http_requests_total{status_code=~"5.."}[5m])) by (endpoint)'


class Exposition:
    """The seed's API metrics: /predict fails 5 times and succeeds 20 times per scrape."""

    def __init__(self) -> None:
        self.scrapes = 0

    def __call__(self) -> str:
        self.scrapes += 1
        n = self.scrapes
        return (
            "# TYPE aidetect_http_requests_total counter\n"
            f'aidetect_http_requests_total{{endpoint="/predict",status_code="500"}} {5 * n}\n'
            f'aidetect_http_requests_total{{endpoint="/predict",status_code="200"}} {20 * n}\n'
            f'aidetect_http_requests_total{{endpoint="/health",status_code="200"}} {2 * n}\n'
            "# TYPE aidetect_active_requests gauge\n"
            "aidetect_active_requests 7\n"
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
    answer = httpx.get(f"{prom_url}/api/v1/query", params={"query": ERRORS_BY_ENDPOINT}).json()
    return bool(answer["data"]["result"])


def test_seed_002_queries_run_against_prometheus(container: Container, prom: str) -> None:
    configure(
        container,
        prometheus_url=prom,
        diagnostics=[
            {"name": "active", "kind": "promql", "query": "aidetect_active_requests",
             "fail_if": {"op": ">", "value": 100}},
            {"name": "by_label", "kind": "promql",
             "query": 'aidetect_http_requests_total{endpoint="$endpoint"}'},
            {"name": "broken", "kind": "promql", "query": "sum(rate(x[5m]) by"},
        ],
    )  # fmt: skip
    wait_for(lambda: _has_rate(prom), "collect two scrapes")
    incident_id = open_incident(container, labels={"endpoint": '/predict"} or vector(1) #'})
    found = diagnose(container, incident_id, "errors_by_endpoint", "active", "by_label", "broken")
    errors = found["errors_by_endpoint"]  # the shipped HighErrorRate runbook's first step
    assert errors.status == "failed", errors.summary  # fail_if: any 5xx rate > 0
    assert errors.summary.startswith('1 of 1 series > 0: {endpoint="/predict"} ')
    assert errors.output.startswith(ERRORS_BY_ENDPOINT)
    active = found["active"]
    labels = f'__name__="aidetect_active_requests", instance="{_instance(prom)}", job="target"'
    assert (active.status, active.summary) == ("ok", f"1 series: {{{labels}}} 7")
    # The label's quote was escaped: it matched nothing instead of becoming `or vector(1)`.
    assert (found["by_label"].status, found["by_label"].summary) == ("ok", "no series returned")
    assert found["broken"].status == "error"
    assert found["broken"].summary.startswith("Prometheus refused the query: ")
    kinds = {e.data["step"]: e.data["status"] for e in timeline(container, incident_id)}
    assert kinds == {"errors_by_endpoint": "failed", "active": "ok", "by_label": "ok",
                     "broken": "error"}  # fmt: skip


def _instance(prom_url: str) -> str:
    answer = httpx.get(f"{prom_url}/api/v1/query", params={"query": "aidetect_active_requests"})
    return str(answer.json()["data"]["result"][0]["metric"]["instance"])
