"""`warroom demo --json`: the whole product on SQLite, for real, checked from its summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sklearn")


def test_demo_detects_rolls_back_and_drafts_the_postmortem(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    done = subprocess.run(
        [sys.executable, "-m", "warroom", "demo", "--json", "--home", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["severity"] == "P0"
    assert summary["detected_after_s"] < 10
    assert summary["rollback_status"] == "succeeded"
    assert summary["rollback_verified_after_s"] < 30
    assert summary["incident_status"] == "monitoring"
    postmortem = Path(summary["postmortem_path"]).read_text()
    assert summary["incident_id"] in postmortem and "Rollback" in postmortem
    assert (tmp_path / "demo-token").stat().st_mode & 0o077 == 0
