"""The demo's bad release: the stable model behind a broken feature pipeline.

It is pickled into the v2 artifact, like any model file a team would deploy: most requests
fail (the new feature store client times out), the rest are slow and shifted.
"""

from __future__ import annotations

import random
import time
from typing import Any


class BrokenRelease:
    def __init__(self, model: Any, *, failure_rate: float = 0.7, delay_s: float = 0.12):
        self.model = model
        self.failure_rate = failure_rate
        self.delay_s = delay_s

    def predict_proba(self, rows: Any) -> Any:
        if random.random() < self.failure_rate:
            raise TimeoutError("feature store read timed out after 100 ms")
        time.sleep(self.delay_s)
        import numpy as np

        # Features arrive in the wrong units (a scaling step was dropped): drifted inputs.
        return self.model.predict_proba(np.asarray(rows, dtype=float) * 0.5)
