"""How many alerts this process accepted per second, lately, whether it is storing a batch
now, and whether the intake log had alerts waiting at this process's last look: the worker
gives way to intake while a storm is arriving, and starts no follow-up job while a batch is
being stored or the log has a backlog (see ``warroom.worker.loop``)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


class IntakeRate:
    """Alerts accepted over the last ``window`` seconds, as a rate."""

    def __init__(self, window: float = 0.5):
        self.window = window
        self._batches: deque[tuple[float, int]] = deque()
        self._total = 0
        self._lock = threading.Lock()
        self._storing = 0
        #: Set while no batch is being stored in this process.
        self.idle = threading.Event()
        self.idle.set()
        #: Set while this process's intake processor found nothing waiting in the log at its
        #: last look (the log is shared: this sees other processes' storms too).
        self.log_drained = threading.Event()
        self.log_drained.set()

    def saw_log(self, waiting: bool) -> None:
        """What the intake processor found at its last look: rows waiting or none."""
        if waiting:
            self.log_drained.clear()
        else:
            self.log_drained.set()

    @contextmanager
    def storing(self) -> Iterator[None]:
        """Around the storing of one batch, for whoever waits on ``idle``."""
        with self._lock:
            self._storing += 1
            self.idle.clear()
        try:
            yield
        finally:
            with self._lock:
                self._storing -= 1
                if not self._storing:
                    self.idle.set()

    def add(self, count: int) -> None:
        moment = time.monotonic()
        with self._lock:
            self._batches.append((moment, count))
            self._total += count
            self._forget(moment)

    def per_second(self) -> float:
        with self._lock:
            self._forget(time.monotonic())
            return self._total / self.window

    def _forget(self, moment: float) -> None:
        while self._batches and self._batches[0][0] < moment - self.window:
            self._total -= self._batches.popleft()[1]
