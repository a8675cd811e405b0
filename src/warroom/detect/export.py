"""Prometheus rules and an Alertmanager receiver, for teams that already run both.

The rules are the AI photo detector playbook's alerts over the embedded gateway's metrics,
with its thresholds; Alertmanager then delivers them to warroom's webhook like any other alert.
"""

from __future__ import annotations

from typing import Any

import yaml

SEL = '{job="warroom"}'


def _rule(name: str, expr: str, duration: str, severity: str, summary: str) -> dict[str, Any]:
    return {
        "alert": name,
        "expr": expr,
        "for": duration,
        "labels": {"severity": severity},
        "annotations": {"summary": summary},
    }


def prometheus_rules() -> str:
    errors = "sum by (service, version) (rate(warroom_model_errors_total[5m]))"
    requests = "sum by (service, version) (rate(warroom_model_requests_total[5m]))"
    low = "sum by (service, version) (rate(warroom_model_low_confidence_total[1h]))"
    p95 = (
        "histogram_quantile(0.95, sum by (service, version, le) "
        "(rate(warroom_model_latency_seconds_bucket[5m])))"
    )
    rules = [
        _rule(
            "HighErrorRate",
            f"{errors} / {requests} > 0.05",
            "5m",
            "critical",
            "{{ $labels.service }} {{ $labels.version }}: error rate above 5%",
        ),
        _rule(
            "HighLatency",
            f"{p95} > 5",
            "5m",
            "warning",
            "{{ $labels.service }} {{ $labels.version }}: p95 latency above 5 s",
        ),
        _rule("ServiceDown", f"up{SEL} == 0", "1m", "critical", "warroom gateway is down"),
        _rule(
            "ModelNotLoaded",
            f"{requests} > 0 and {errors} / {requests} >= 0.99",
            "2m",
            "critical",
            "{{ $labels.service }} {{ $labels.version }}: every request fails",
        ),
        _rule(
            "DriftDetected",
            f"{low} / sum by (service, version) (rate(warroom_model_requests_total[1h])) > 0.15",
            "10m",
            "warning",
            "{{ $labels.service }} {{ $labels.version }}: low-confidence ratio above 0.15",
        ),
        _rule(
            "HighMemoryUsage",
            f"process_resident_memory_bytes{SEL} > 0.8 * 4 * 1024 * 1024 * 1024",
            "5m",
            "warning",
            "warroom RSS above 80% of a 4 GiB limit (adjust to your limit)",
        ),
    ]
    doc = {"groups": [{"name": "warroom-models", "rules": rules}]}
    return yaml.safe_dump(doc, sort_keys=False, width=120)


def alertmanager_config(url: str) -> str:
    doc = {
        "route": {
            "receiver": "warroom",
            "group_by": ["alertname", "service"],
            "group_wait": "10s",
            "group_interval": "1m",
            "repeat_interval": "4h",
        },
        "receivers": [
            {"name": "warroom", "webhook_configs": [{"url": url, "send_resolved": True}]}
        ],
    }
    return yaml.safe_dump(doc, sort_keys=False)
