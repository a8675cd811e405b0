"""The web console and status page in a real headless Chromium against a running server.

Uses Debian's ``chromium`` (``.ci/run`` installs it), never a downloaded browser. Without it
the tests skip locally and fail in CI (``CI=true``). Screenshots go to
``$WARROOM_TEST_ARTIFACTS`` (default ``test-artifacts/``, git-ignored). The browser flows run
on SQLite only: the HTTP-level tests in ``tests/integration`` cover the same status, CSRF and
viewer logic on both databases.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from warroom.config import Settings

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(os.environ.get("WARROOM_TEST_ARTIFACTS", "test-artifacts")) / "e2e"
WAIT_MS = 15_000

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the browser tests (.ci/run installs chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        home=tmp_path, database_url=database_url, sqlite_synchronous="NORMAL", console_refresh=0.3
    )


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(browser: Any, url: str, token: str, **context: Any) -> Any:
    page = browser.new_context(timezone_id="America/New_York", **context).new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{url}/login")
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/")
    return page


def raise_alert(live: LiveServer, service: str = "fraud-model") -> str:
    api = live.client(live.responder_token)
    alert = {"name": "HighErrorRate", "service": service, "metrics": {"error_rate": 0.62}}
    assert api.post("/api/v1/alerts", json=alert).status_code in (200, 201, 202)
    return str(api.get("/api/v1/incidents").json()[0]["id"])


def test_responder_sees_an_incident_arrive_acts_and_tells_customers(
    browser: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    page = sign_in(browser, url, live_server.responder_token)
    page.get_by_text("No incidents match.").wait_for()
    page.evaluate("window.__sameDocument = true")

    incident_id = raise_alert(live_server)
    row = page.locator(f'#incident-rows tr[data-id="{incident_id}"]')
    row.wait_for()
    assert page.evaluate("window.__sameDocument") is True  # arrived without a reload
    assert "P0" in row.inner_text() and "triggered" in row.inner_text()
    shot(page, "incidents.png")

    row.get_by_role("link").click()
    page.wait_for_url(f"{url}/incidents/{incident_id}")
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    page.get_by_role("status").filter(has_text="Acknowledged.").wait_for()
    assert page.locator(".summary .status").inner_text() == "acknowledged"

    page.get_by_label("Post an update").select_option("identified")
    page.get_by_label("Message").fill("Scoring errors traced to a bad model release.")
    page.get_by_label("Public: show on the status page").check()
    page.get_by_role("button", name="Post update").click()
    page.get_by_role("status").filter(has_text="Public update posted.").wait_for()
    # Times show in the reader's zone; UTC stays on hover.
    first_time = page.locator("time").first
    assert "UTC" not in first_time.inner_text()
    assert (first_time.get_attribute("title") or "").endswith("UTC")
    shot(page, "incident.png")

    status = page.context.new_page()
    status.goto(f"{url}/status")
    assert "Scoring errors traced to a bad model release." in status.inner_text("main")
    assert status.locator("#overall").inner_text() == "Major outage"
    shot(status, "status.png")
    page.context.close()


def test_viewer_cannot_act(browser: Any, live_server: LiveServer) -> None:
    incident_id = raise_alert(live_server)
    page = sign_in(browser, live_server.url, live_server.viewer_token)
    page.goto(f"{live_server.url}/incidents/{incident_id}")
    assert page.get_by_role("button", name="Acknowledge", exact=True).count() == 0
    assert page.locator("form[method=post][action^='/incidents/']").count() == 0
    forged = page.evaluate(
        """async (id) => {
            const csrf = document.querySelector("input[name=csrf]").value;
            const res = await fetch(`/incidents/${id}/acknowledge`, {
                method: "POST",
                headers: {"Content-Type": "application/x-www-form-urlencoded"},
                body: new URLSearchParams({csrf}),
            });
            return res.status;
        }""",
        incident_id,
    )
    assert forged == 403
    state = httpx.get(
        f"{live_server.url}/api/v1/incidents/{incident_id}",
        headers={"Authorization": f"Bearer {live_server.viewer_token}"},
        timeout=30,
    ).json()
    assert state["status"] == "triggered"
    page.context.close()


def test_phone_width_labels_and_keyboard(browser: Any, live_server: LiveServer) -> None:
    incident_id = raise_alert(live_server)
    page = sign_in(
        browser,
        live_server.url,
        live_server.responder_token,
        viewport={"width": 390, "height": 844},
    )
    for path in ("/", f"/incidents/{incident_id}", "/status"):
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways at phone width"
    page.goto(live_server.url + "/incidents/" + incident_id)
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
            .filter((el) => !el.labels || el.labels.length === 0).map((el) => el.name)"""
    )
    assert unlabelled == []
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.context.close()
