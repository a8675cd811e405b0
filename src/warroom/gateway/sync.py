"""Background upkeep of a gateway: follow registry changes, snapshot per-version stats.

Registry changes made anywhere (another process, a rollback runner) reach this gateway within
``gateway_sync_interval``. Every ``gateway_snapshot_interval`` the requests of each version
since the last snapshot are written as metric samples (source ``gateway``): rollback
verification, charts and restarts read those.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

from sqlalchemy import select

from warroom.deploy.models import ModelService
from warroom.gateway.runtime import Gateway
from warroom.samples import service as samples

log = logging.getLogger(__name__)


class GatewaySync:
    def __init__(self, gateway: Gateway):
        self.gateway = gateway
        self.settings = gateway.env.settings
        self.seen: dict[str, datetime] = {}
        self.last_snapshot = time.time()
        self.rejected_seen: dict[tuple[str, str], int] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="gateway-sync", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.snapshot()

    def _loop(self) -> None:
        while not self.stopping.wait(self.settings.gateway_sync_interval):
            try:
                self.follow()
                if time.time() - self.last_snapshot >= self.settings.gateway_snapshot_interval:
                    self.snapshot()
            except Exception:
                log.exception("gateway sync failed")

    def follow(self) -> None:
        """Load new services and reload those whose registry row changed since we looked."""
        with self.gateway.env.db.read() as session:
            rows = session.execute(select(ModelService.name, ModelService.updated_at)).all()
        for name, updated in rows:
            if self.seen.get(name) != updated:
                self.gateway.reload(name)
            self.seen[name] = updated

    def snapshot(self) -> None:
        """Write each version's stats since the previous snapshot as samples."""
        since, now = self.last_snapshot, time.time()
        self.last_snapshot = now
        at = datetime.fromtimestamp(now, UTC)
        rows = []
        for (service, version), window in list(self.gateway.windows.items()):
            stats = window.stats(since=since)
            if stats.count:
                rows.append((service, version, stats))
        rejected = self._rejected_since_last()
        if not rows and not rejected:
            return
        with self.gateway.env.db.session() as session:
            for service, version, stats in rows:
                values = {
                    "requests": stats.count,
                    "errors": stats.errors,
                    "error_rate": stats.error_rate,
                    "latency_p50_ms": stats.latency_p50_ms,
                    "latency_p95_ms": stats.latency_p95_ms,
                    "mean_probability": stats.mean_probability,
                    "low_confidence_ratio": stats.low_confidence_ratio,
                }
                samples.record(
                    session=session,
                    service=service,
                    version=version,
                    at=at,
                    values=values,
                    source="gateway",
                )
            for (service, version), count in rejected.items():
                samples.record(
                    session=session,
                    service=service,
                    version=version,
                    at=at,
                    values={"rejected": count},
                    source="gateway",
                )

    def _rejected_since_last(self) -> dict[tuple[str, str], int]:
        """Inputs each version refused since the previous snapshot (a sample of their own:
        never part of the requests and errors that detection and verification judge)."""
        totals = self.gateway.rejections.totals()
        fresh = {k: n - self.rejected_seen.get(k, 0) for k, n in totals.items()}
        self.rejected_seen = totals
        return {k: n for k, n in fresh.items() if n > 0}
