"""Wait for a server started by a test to answer its readiness URL."""

from __future__ import annotations

import subprocess
import time

import httpx


def wait_ready(
    url: str, *, what: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 180
) -> None:
    """Until ``url`` answers 200; fails when ``proc`` exits first or ``timeout`` passes (a
    busy machine may take a minute to import and start a server)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert proc is None or proc.poll() is None, f"{what} exited"
        assert time.monotonic() < deadline, f"{what} did not start"
        time.sleep(0.1)
