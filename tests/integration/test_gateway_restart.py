"""The gateway's burn-rate counts survive a restart: a new gateway process reloads them from
the per-second snapshots the previous one wrote (no per-request database write)."""

from __future__ import annotations

import time

from warroom.bootstrap import Container
from warroom.gateway.runtime import Gateway
from warroom.gateway.sync import GatewaySync


def test_counts_come_back_from_the_snapshots(container: Container) -> None:
    before = Gateway(container)
    sync = GatewaySync(before)
    sync.last_snapshot = time.time() - 1
    window = before.window("fraud", "v2")
    for i in range(100):
        at = time.time()
        window.add(at=at, ok=i % 10 != 0, latency_ms=1.0, probability=0.9, predicted=1, request=i)
    sync.snapshot()  # what the sync thread does every gateway_snapshot_interval
    expected = window.counts.totals(now=time.time() + 1, window=3600)
    assert expected == (100, 10)

    after = Gateway(container)  # a restarted process: empty memory, same database
    restored = after.window("fraud", "v2").counts
    assert restored.totals(now=time.time() + 1, window=3600) == expected
    assert after.window("fraud", "v1").counts.totals(now=time.time(), window=3600) == (0, 0)
    # Counted again after the restart: new requests add to what came back.
    restored.add(time.time(), ok=False)
    assert restored.totals(now=time.time() + 1, window=3600) == (101, 11)
