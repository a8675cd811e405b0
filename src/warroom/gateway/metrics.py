"""Per-version Prometheus metrics of the gateway (what the exported alert rules query)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

LOW_CONFIDENCE = 0.6


class GatewayMetrics:
    """Label children are cached per (service, version): ``labels()`` is too slow to call
    several times on every prediction."""

    def __init__(self, registry: CollectorRegistry):
        self._children: dict[tuple[str, str], tuple[Any, Any, Any]] = {}
        self._classes: dict[tuple[str, str, str], Any] = {}
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
        self.rejected = Counter(
            "warroom_model_rejected_inputs",
            "Requests whose input the model refused (the client's error, not counted as "
            "requests or errors)",
            labels,
            registry=registry,
        )
        self.low_confidence = Counter(
            "warroom_model_low_confidence",
            "Predictions whose confidence is below the low-confidence bound",
            labels,
            registry=registry,
        )

    def _for(self, service: str, version: str) -> tuple[Any, Any, Any]:
        key = (service, version)
        found = self._children.get(key)
        if found is None:
            found = (
                self.requests.labels(service, version),
                self.latency.labels(service, version),
                self.low_confidence.labels(service, version),
            )
            self._children[key] = found
        return found

    def record(
        self,
        service: str,
        version: str,
        latency_ms: float,
        prediction: object,
        probability: float | None,
    ) -> None:
        requests, latency, low = self._for(service, version)
        requests.inc()
        latency.observe(latency_ms / 1000)
        # A regression model's values would make a series each: they count as "value".
        key = (service, version, "value" if isinstance(prediction, float) else str(prediction))
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = self.predictions.labels(*key)
        cls.inc()
        if probability is not None and max(probability, 1 - probability) < LOW_CONFIDENCE:
            low.inc()

    def record_error(self, service: str, version: str) -> None:
        self._for(service, version)[0].inc()
        self.errors.labels(service, version).inc()

    def record_rejected(self, service: str, version: str) -> None:
        self.rejected.labels(service, version).inc()
