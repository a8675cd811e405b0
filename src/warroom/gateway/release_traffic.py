"""The gateway's side of a release (``warroom.releases.traffic.Traffic``): each version's
traffic over a stage, read from its outcome window, and the shadow mirror's pairs."""

from __future__ import annotations

from warroom.detect.windows import OutcomeWindow
from warroom.gateway.runtime import Gateway
from warroom.releases.analysis import Paired, Sample


class GatewayTraffic:
    def __init__(self, gateway: Gateway):
        self.gateway = gateway

    def sample(self, service: str, version: str, *, since: float) -> Sample:
        window = self.gateway.window(service, version)
        stats = window.stats(since=since)
        threshold = 0.5
        runtime = self.gateway.services.get(service)
        if runtime is not None and version in runtime.versions:
            threshold = runtime.versions[version].threshold
        return Sample(
            requests=stats.count,
            errors=stats.errors,
            latencies=window.latencies(since=since),
            probabilities=window.answers_since(since),
            labels=stats.labelled,
            correct=round((stats.accuracy or 0.0) * stats.labelled),
            threshold=threshold,
            value_errors=window.value_errors(since=since),
        )

    def paired(self, service: str, version: str, *, since: float) -> Paired:
        return self.gateway.shadow.window(service, version).paired(since=since)

    def window(self, service: str, version: str) -> OutcomeWindow:
        return self.gateway.window(service, version)

    def refresh(self, service: str) -> None:
        self.gateway.reload(service)
