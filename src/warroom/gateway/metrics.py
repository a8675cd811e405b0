"""Per-version Prometheus metrics of the gateway (what the exported alert rules query)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class GatewayMetrics:
    def __init__(self, registry: CollectorRegistry):
        labels = ["service", "version"]
        self.requests = Counter(
            "warroom_model_requests", "Prediction requests", labels, registry=registry
        )
        self.errors = Counter(
            "warroom_model_errors", "Failed prediction requests", labels, registry=registry
        )
        self.latency = Histogram(
            "warroom_model_latency_seconds",
            "Model latency",
            labels,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5),
            registry=registry,
        )
        self.predictions = Counter(
            "warroom_model_predictions", "Predictions by class", [*labels, "cls"], registry=registry
        )
        self.low_confidence = Counter(
            "warroom_model_low_confidence",
            "Predictions whose confidence is below the low-confidence bound",
            labels,
            registry=registry,
        )
