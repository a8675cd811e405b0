"""Per-second request and error counts over hours, for burn-rate windows longer than the
outcome ring buffer holds."""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np


class SecondCounts:
    def __init__(self, horizon_seconds: int = 6 * 3600):
        self.horizon = horizon_seconds
        self.stamp = np.full(horizon_seconds, -1, dtype=np.int64)
        self.requests = np.zeros(horizon_seconds, dtype=np.int64)
        self.errors = np.zeros(horizon_seconds, dtype=np.int64)
        self.lock = threading.Lock()

    def add(self, at: float, ok: bool) -> None:
        second = int(at)
        i = second % self.horizon
        with self.lock:
            if self.stamp[i] != second:
                self.stamp[i] = second
                self.requests[i] = 0
                self.errors[i] = 0
            self.requests[i] += 1
            if not ok:
                self.errors[i] += 1

    def restore(self, seconds: Iterable[tuple[int, int, int]]) -> None:
        """Load (second, requests, errors) saved before a restart; a second this process has
        already counted more recently is kept."""
        with self.lock:
            for second, requests, errors in seconds:
                i = second % self.horizon
                if self.stamp[i] >= second:
                    continue
                self.stamp[i] = second
                self.requests[i] = requests
                self.errors[i] = errors

    def drop_since(self, since: float) -> None:
        """Forget the seconds from ``since`` on (see ``OutcomeWindow.drop_since``)."""
        with self.lock:
            gone = self.stamp >= int(since)
            self.stamp[gone] = -1
            self.requests[gone] = 0
            self.errors[gone] = 0

    def totals(self, *, now: float, window: float) -> tuple[int, int]:
        """(requests, errors) in the last ``window`` seconds."""
        with self.lock:
            live = self.stamp > now - window
            return int(self.requests[live].sum()), int(self.errors[live].sum())
