"""A real Prometheus (the Debian package) on loopback, scraping the given targets."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

BINARY = shutil.which("prometheus")
#: Mark a module with this: skipped where Prometheus is missing, except in CI (.ci/run has it).
needs_prometheus = pytest.mark.skipif(
    BINARY is None and not os.environ.get("CI"),
    reason="prometheus is not installed (.ci/run installs it)",
)


@contextmanager
def prometheus(tmp_path: Path, targets: list[str], job: str = "target") -> Iterator[str]:
    """Run Prometheus scraping ``targets`` (host:port) every second; yields its URL."""
    assert BINARY, "prometheus must be installed in CI"
    port = free_port()
    config = tmp_path / "prometheus.yml"
    listed = ", ".join(f"'{t}'" for t in targets)
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        f"scrape_configs:\n  - job_name: {job}\n    static_configs:\n"
        f"      - targets: [{listed}]\n"
    )
    proc = subprocess.Popen(
        [
            BINARY,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(f"{url}/-/ready", timeout=1).status_code == 200, "start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def wait_for(check, what: str, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    """Poll ``check`` until it is true (Prometheus works on its own schedule)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"prometheus did not {what}"
        time.sleep(0.2)
