"""One service's entry in the gateway's routing table: its versions, their weights and
outcome windows, and the weighted pick of a version for each request."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warroom.deploy.loaders import Predictor
from warroom.detect.windows import OutcomeWindow
from warroom.errors import Conflict


@dataclass
class VersionRuntime:
    version: str
    weight: float
    enabled: bool
    threshold: float
    artifact: str | None
    endpoint: str | None
    window: OutcomeWindow
    predictor: Predictor | None = None
    load_error: str | None = None
    marked_stable: bool = False
    review: bool = False


@dataclass
class ServiceRuntime:
    name: str
    degraded: bool
    fallback: dict[str, Any] | None
    versions: dict[str, VersionRuntime] = field(default_factory=dict)
    #: (version names, cumulative weights), replaced as one object so readers never mix.
    table: tuple[list[str], list[float]] = field(default_factory=lambda: ([], []))
    remote: bool = False
    updated_at: datetime | None = None
    #: A release in shadow: (candidate version, share of requests mirrored to it).
    shadow: tuple[str, float] | None = None

    @property
    def choices(self) -> list[str]:
        return self.table[0]

    def pick(self) -> VersionRuntime:
        choices, cumulative = self.table
        if not choices:
            raise Conflict(f"service {self.name} has no version taking traffic")
        r = random.random() * cumulative[-1]
        for name, edge in zip(choices, cumulative, strict=True):
            if r < edge:
                return self.versions[name]
        return self.versions[choices[-1]]
