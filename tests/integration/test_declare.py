"""Declaring an incident by hand (API, CLI, console): no alert needed, and the declared
incident is routed, paged and tracked like one an alert opened."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.conftest import Clock, LiveServer
from tests.integration.test_cli import run
from tests.support.console import console, csrf_of
from warroom.worker.loop import Worker

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DECLARE = {
    "title": "Checkout scores look wrong",
    "severity": "P1",
    "service": "checkout-model",
    "summary": "support saw 20 odd refusals",
}


def _audit(live: LiveServer, target: str) -> list[dict[str, Any]]:
    admin = live.client(live.admin_token)
    return list(admin.get("/api/v1/audit", params={"target": target, "limit": 200}).json())


def test_declared_incident_is_routed_paged_and_tracked(
    live_server: LiveServer, clock: Clock
) -> None:
    clock.set(T0)
    api = live_server.client(live_server.responder_token)
    r = api.post("/api/v1/incidents", json={**DECLARE, "commander": "carol"})
    assert r.status_code == 201, r.text
    incident = r.json()
    iid = incident["id"]
    assert (incident["title"], incident["severity"], incident["service"]) == (
        "Checkout scores look wrong",
        "P1",
        "checkout-model",
    )
    assert incident["status"] == "triggered" and incident["alerts"] == []
    assert incident["team"] == "ml-engineering"  # the playbook's routes, as for an alert
    kinds = [e["kind"] for e in incident["timeline"]]
    assert kinds[:3] == ["declared", "tasks", "routed"] and "role" in kinds
    declared = incident["timeline"][0]
    assert declared["actor"] == "token:responder"
    assert declared["message"] == (
        "Declared by token:responder as P1 on checkout-model: support saw 20 odd refusals"
    )
    assert [(x["role"], x["person"]) for x in incident["roles"]] == [
        ("incident_commander", "carol")
    ]
    assert "paging by escalation-chain" in incident["timeline"][2]["message"]
    actions = [a["action"] for a in _audit(live_server, iid)]
    assert "incident.declare" in actions and "incident.role" in actions

    Worker(live_server.container).run_until_idle()  # level 0 of escalation-chain pages now
    after = api.get(f"/api/v1/incidents/{iid}").json()
    pages = [e for e in after["timeline"] if e["kind"] == "page"]
    assert pages and pages[0]["message"].startswith("Paged ")
    tasks = {t["title"]: t for t in api.get(f"/api/v1/incidents/{iid}/tasks").json()}
    assert tasks["Page appropriate team members"]["checked_by"] == "warroom"
    assert tasks["Acknowledge the incident"]["checked_at"] is None  # declaring is not acking
    listed = api.get("/api/v1/incidents", params={"service": "checkout-model"}).json()
    assert [i["id"] for i in listed] == [iid]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in DECLARE.items() if k != "title"}, "title"),
        ({**DECLARE, "title": "   "}, "title"),
        ({**DECLARE, "severity": "P9"}, "severity"),
        ({k: v for k, v in DECLARE.items() if k != "service"}, "service"),
        ({**DECLARE, "title": "x" * 301}, "title"),
        ({**DECLARE, "colour": "red"}, "colour"),
        ({**DECLARE, "commander": "nobody-we-know"}, "person"),
    ],
)
def test_bad_declarations_are_refused_naming_the_field_and_store_nothing(
    live_server: LiveServer, body: dict[str, Any], field: str
) -> None:
    api = live_server.client(live_server.responder_token)
    r = api.post("/api/v1/incidents", json=body)
    assert r.status_code == 422, r.text
    assert field in r.text
    assert api.get("/api/v1/incidents").json() == []


def test_viewers_and_strangers_cannot_declare(live_server: LiveServer) -> None:
    assert live_server.client().post("/api/v1/incidents", json=DECLARE).status_code == 401
    viewer = live_server.client(live_server.viewer_token)
    assert viewer.post("/api/v1/incidents", json=DECLARE).status_code == 403
    assert viewer.get("/api/v1/incidents").json() == []


def test_declare_from_the_cli_and_the_console(live_server: LiveServer) -> None:
    done = run(
        live_server,
        "incident", "declare", "--title", "Ranker returns empty lists",
        "--severity", "P2", "--service", "ranker", "--summary", "seen by QA",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "declared (P2, ranker); team ml-engineering" in done.stdout
    bad = run(live_server, "incident", "declare", "--title", "x", "--severity", "P7",
              "--service", "ranker")  # fmt: skip
    assert bad.returncode != 0 and "severity" in bad.stderr

    with console(live_server.url, live_server.responder_token) as web:
        page = web.get("/").text
        assert "Declare an incident" in page
        form = {"csrf": csrf_of(page), "title": "Fraud model slow", "severity": "P3"}
        refused = web.post("/incidents", data=form)  # no service
        assert refused.status_code == 303 and refused.headers["location"] == "/"
        assert "service" in web.get("/").text
        r = web.post("/incidents", data={**form, "service": "fraud-model"})
        assert r.status_code == 303 and r.headers["location"].startswith("/incidents/INC-")
        shown = web.get(r.headers["location"]).text
        assert "Declared INC-" in shown and "Fraud model slow" in shown
    with console(live_server.url, live_server.viewer_token) as viewer:
        page = viewer.get("/").text
        assert "Declare an incident" not in page
        forged = viewer.post("/incidents", data={**form, "csrf": csrf_of(page)})
        assert forged.status_code == 403
    titles = {i["title"] for i in live_server.client(live_server.viewer_token).get(
        "/api/v1/incidents").json()}  # fmt: skip
    assert titles == {"Ranker returns empty lists", "Fraud model slow"}
    assert httpx.get(f"{live_server.url}/status.json", timeout=30).json()["incidents"] == []
