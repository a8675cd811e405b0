"""The port through which a release reads the traffic of the versions it compares.

The embedded gateway implements it (``warroom.gateway.release_traffic``); the release
runner, a layer below the wiring, receives one from ``bootstrap``. Times are wall-clock
seconds (``time.time()``), the gateway windows' time base.
"""

from __future__ import annotations

from typing import Protocol

from warroom.detect.windows import OutcomeWindow
from warroom.releases.analysis import Paired, Sample


class Traffic(Protocol):
    def sample(self, service: str, version: str, *, since: float) -> Sample:
        """One version's requests, latencies, answers and labels since ``since``."""

    def paired(self, service: str, version: str, *, since: float) -> Paired:
        """The mirrored requests the candidate ``version`` answered in shadow since ``since``."""

    def window(self, service: str, version: str) -> OutcomeWindow:
        """The version's outcome window (a baseline is captured from it)."""

    def refresh(self, service: str) -> None:
        """Reload the service's routing now (the shadow phase begins or ends)."""
