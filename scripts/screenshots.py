"""Regenerate docs/screenshots/{incidents,incident,status}.png from realistic data.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Starts a real ``warroom serve`` on SQLite in a temporary home and plays an incident through
the HTTP API: model service ``loan-approval`` serves v1 (stable) to live traffic, v2 goes out
broken, a P0 alert arrives, the playbook rolls back to v1 and verifies it against the traffic,
people take roles, add notes and post public updates; a few other alerts fill the list. Then
Debian's headless Chromium (``apt-get install chromium``) photographs the incident list, the
P0 incident and the public status page.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from warroom.auth import service as auth
from warroom.bootstrap import bootstrap
from warroom.config import Settings
from warroom.playbook.loader import default_playbook_text

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SERVICE = "loan-approval"


def approve(rows: Sequence[Sequence[float]]) -> list[list[float]]:
    """v1: answers every request (class probabilities)."""
    return [[0.3, 0.7] for _ in rows]


def broken(rows: Sequence[Sequence[float]]) -> list[list[float]]:
    """v2: the feature pipeline ships a column of the wrong type."""
    raise RuntimeError("feature 'income' has unexpected dtype object")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def admin_token(home: Path) -> str:
    container = bootstrap(Settings(home=home), migrate=True)
    try:
        with container.db.session() as session:
            _, token = auth.create_token(
                session=session, name="alice", role="admin", actor="setup", now=container.clock()
            )
    finally:
        container.close()
    return token


def serve(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "WARROOM_HOME": str(home), "WARROOM_PORT": str(port)}
    # One story: warroom's own detectors would open a second incident on the broken v2.
    playbook = home / "playbook.yaml"
    playbook.write_text(default_playbook_text() + "\ndetection:\n  enabled: false\n")
    env.update(WARROOM_LOG_LEVEL="warning", PYTHONPATH=str(Path(__file__).parent))
    env["WARROOM_PLAYBOOK"] = str(playbook)
    env.pop("WARROOM_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "warroom", "serve"], env=env, stdout=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/readyz").status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit("warroom serve did not start")


def traffic(url: str, stop: threading.Event) -> None:
    with httpx.Client(base_url=url, timeout=10) as client:
        while not stop.is_set():
            client.post(f"/v1/models/{SERVICE}/predict", json={"features": [1.0, 2.0]})
            time.sleep(0.01)


def wait(what: str, check: object, timeout: float = 60) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()  # type: ignore[operator]
        if value:
            return value
        time.sleep(0.2)
    raise SystemExit(f"{what} did not happen within {timeout:.0f}s")


def story(api: httpx.Client, url: str) -> str:
    """The P0 incident with a rollback, roles, notes and public updates; returns its id."""
    api.post("/api/v1/services", json={"name": SERVICE, "description": "Loan decisions"})
    api.post("/api/v1/services", json={"name": "fraud-model", "description": "Payment fraud"})
    versions = f"/api/v1/services/{SERVICE}/versions"
    api.post(versions, json={"version": "v1", "artifact": "screenshots:approve"})
    api.post(f"{versions}/v1/stable").raise_for_status()
    api.post(versions, json={"version": "v2", "artifact": "screenshots:broken", "weight": 100})
    alert = {
        "name": "HighErrorRate",
        "service": SERVICE,
        "summary": "62% of loan decisions fail",
        "metrics": {"error_rate": 0.62, "latency_p95_ms": 180.0},
    }
    api.post("/api/v1/alerts", json=alert).raise_for_status()
    incident = api.get("/api/v1/incidents", params={"service": SERVICE}).json()[0]["id"]
    base = f"/api/v1/incidents/{incident}"
    api.post(f"{base}/acknowledge").raise_for_status()
    for role, person in (("incident_commander", "alice"), ("technical_lead", "bob")):
        api.post(f"{base}/roles", json={"role": role, "person": person}).raise_for_status()
    public = "Loan decisions are failing for most applications. We are investigating."
    api.post(
        f"{base}/updates", json={"status": "investigating", "message": public, "public": True}
    ).raise_for_status()
    api.post(
        f"{base}/notes",
        json={
            "message": "v2 went out 10 minutes before the alert; "
            "its feature pipeline sends income as text."
        },
    )
    wait(
        "the verified rollback",
        lambda: any(r["state"] == "succeeded" for r in api.get("/api/v1/rollbacks").json()),
    )
    api.post(
        f"{base}/updates",
        json={
            "status": "monitoring",
            "message": "We rolled back to the previous model; decisions succeed again. Monitoring.",
            "public": True,
        },
    ).raise_for_status()
    for name, service, metrics in (
        ("HighLatency", "recommender", {"latency_increase_pct": 0.8}),
        ("AccuracyDrop", "fraud-model", {"accuracy_drop": 0.12}),
        ("HighRateLimiting", "search-ranker", {"rate_limited_pct": 0.04}),
    ):
        api.post("/api/v1/alerts", json={"name": name, "service": service, "metrics": metrics})
    done = api.get("/api/v1/incidents", params={"service": "search-ranker"}).json()[0]["id"]
    api.post(f"/api/v1/incidents/{done}/status", json={"status": "resolved"})
    return str(incident)


def photograph(url: str, token: str, incident_id: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 720}, timezone_id="UTC", locale="en-GB"
        )
        page = context.new_page()
        page.goto(f"{url}/login")
        page.get_by_label("API token").fill(token)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{url}/")
        page.screenshot(path=str(out / "incidents.png"))
        page.goto(f"{url}/incidents/{incident_id}")
        page.screenshot(path=str(out / "incident.png"), full_page=True)
        page.goto(f"{url}/status")
        page.screenshot(path=str(out / "status.png"), full_page=True)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="warroom-shots-"))
    token = admin_token(home)
    proc, url = serve(home)
    stop = threading.Event()
    load = threading.Thread(target=traffic, args=(url, stop), daemon=True)
    try:
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as api:
            load.start()
            incident = story(api, url)
        stop.set()
        photograph(url, token, incident, args.out)
    finally:
        stop.set()
        proc.terminate()
        proc.wait(timeout=10)
    print(f"screenshots in {args.out} (state in {home})")


if __name__ == "__main__":
    main()
