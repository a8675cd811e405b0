"""The exported Prometheus rules and Alertmanager config pass the real tools' checks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} must be installed in CI (.ci/run installs it)")
        pytest.skip(f"{name} is not installed (.ci/run installs it)")
    return found


def warroom(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "warroom", *args], check=True, capture_output=True)


def test_promtool_accepts_the_rules(tmp_path: Path) -> None:
    promtool = tool("promtool")
    out = tmp_path / "rules.yml"
    warroom("export", "prometheus-rules", "-o", str(out))
    result = subprocess.run([promtool, "check", "rules", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    names = {r["alert"] for r in yaml.safe_load(out.read_text())["groups"][0]["rules"]}
    assert {"HighErrorRate", "HighLatency", "ServiceDown", "DriftDetected"} <= names


def test_amtool_accepts_the_receiver(tmp_path: Path) -> None:
    amtool = tool("amtool")
    out = tmp_path / "am.yml"
    url = "http://127.0.0.1:8080/api/v1/integrations/alertmanager?key=wri_x"
    warroom("export", "alertmanager-config", "--url", url, "-o", str(out))
    result = subprocess.run([amtool, "check-config", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert yaml.safe_load(out.read_text())["receivers"][0]["webhook_configs"][0]["url"] == url
