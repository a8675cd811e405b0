"""The faults a drill can inject into a gateway service (also the drill scenarios).

Kept apart from the gateway's fault table so that the CLI can list them without loading
the gateway (numpy) before it parses its arguments.
"""

from __future__ import annotations

from typing import Literal

FaultKind = Literal["error-burst", "latency", "model-not-loaded", "drift", "service-down"]
KINDS: tuple[str, ...] = ("error-burst", "latency", "model-not-loaded", "drift", "service-down")
