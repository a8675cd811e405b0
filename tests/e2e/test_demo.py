"""`warroom demo --json`: the whole product on SQLite, for real, checked from its summary and
from the files it wrote (the demo playbook already has short windows)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from warroom.demo.run import KEYS

pytest.importorskip("sklearn")


def test_demo_detects_pages_rolls_back_resolves_and_writes_the_evidence(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    done = subprocess.run(
        [sys.executable, "-m", "warroom", "demo", "--json", "--home", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert list(summary)[: len(KEYS)] == list(KEYS)
    assert all(summary[k] is not None for k in KEYS), summary
    iid = summary["incident_id"]
    assert summary["severity"] == "P0"
    # Causal order, not speed: detected, then paged; rolled back; resolved after all that.
    assert 0 < summary["detected_after_s"] <= summary["paged_after_s"]
    assert summary["rollback_status"] == "succeeded"
    assert 0 < summary["rollback_switch_ms"] < summary["rollback_verified_after_s"] * 1000
    assert summary["resolved_after_s"] > summary["detected_after_s"]
    assert summary["incident_status"] == "resolved"
    assert summary["resolved_by"] == "warroom:recovery"
    # Nobody answered the first page: it escalated, and the one paged next acknowledged.
    assert summary["escalated_to"] == summary["acknowledged_by"]
    assert summary["webhook_pages"] >= 2 and summary["webhook_refused"] == 0

    postmortem = Path(summary["postmortem_path"]).read_text()
    assert iid in postmortem and "Rollback" in postmortem
    assert Path(summary["chart_path"]).read_bytes().startswith(b"\x89PNG")
    report = json.loads(Path(summary["report_path"]).read_text())
    assert report
    evidence = Path(summary["evidence_dir"])
    log = json.loads((evidence / "logs" / "incident-log.json").read_text())
    incident = next(i for i in log["incidents"] if i["id"] == iid)
    assert incident["status"] == "resolved" and incident["acknowledged_at"]
    kinds = [(e["kind"], e["actor"]) for e in incident["timeline"]]
    assert ("page", "warroom:response") in kinds
    assert ("escalation", "warroom:response") in kinds
    assert ("stability_window", "warroom:recovery") in kinds
    assert ("status", "warroom:recovery") in kinds
    rollbacks = json.loads((evidence / "logs" / "rollback-history.json").read_text())
    assert [r["state"] for r in rollbacks["rollbacks"] if r["incident_id"] == iid] == ["succeeded"]
    assert (tmp_path / "demo-token").stat().st_mode & 0o077 == 0
    assert (tmp_path / "playbook.yaml").stat().st_mode & 0o077 == 0
