"""The public status page, its JSON and its Atom feed: public updates only, never drills."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from warroom.incidents.models import Incident

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def api(live_server: LiveServer) -> httpx.Client:
    client = live_server.client(live_server.responder_token)
    for name in ("fraud", "ranker"):
        spec = {"name": name, "description": f"{name} model", "public": True}
        r = client.post("/api/v1/services", json=spec)
        assert r.status_code == 201, r.text
    return client


def open_incident(api: httpx.Client, service: str) -> str:
    r = api.post(
        "/api/v1/alerts",
        json={"name": "HighErrorRate", "service": service, "metrics": {"error_rate": 0.6}},
    )
    assert r.status_code in (200, 201, 202), r.text
    found = api.get("/api/v1/incidents", params={"service": service}).json()
    return str(found[0]["id"])


def post(api: httpx.Client, incident_id: str, path: str, body: dict[str, Any]) -> None:
    r = api.post(f"/api/v1/incidents/{incident_id}/{path}", json=body)
    assert r.status_code in (200, 201), r.text


def status_json(url: str) -> dict[str, Any]:
    r = httpx.get(f"{url}/status.json", timeout=30)
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, no-cache"
    return dict(r.json())


def test_public_updates_only_and_states_follow_the_incident(
    live_server: LiveServer, api: httpx.Client
) -> None:
    fraud = open_incident(api, "fraud")
    post(api, fraud, "updates", {"status": "investigating", "message": "internal: v2 is bad"})
    post(api, fraud, "notes", {"message": "secret note about the customer"})
    post(
        api,
        fraud,
        "updates",
        {"status": "investigating", "message": "Elevated errors on scoring", "public": True},
    )

    page = httpx.get(f"{live_server.url}/status", timeout=30)
    assert page.status_code == 200 and "set-cookie" not in page.headers
    assert "Elevated errors on scoring" in page.text
    for hidden in ("internal: v2 is bad", "secret note", "HighErrorRate", "P0"):
        assert hidden not in page.text
    assert "Major outage" in page.text

    doc = status_json(live_server.url)
    assert doc["status"] == "major_outage"
    assert {c["name"]: c["status"] for c in doc["components"]} == {
        "fraud": "major_outage",
        "ranker": "operational",
    }
    [entry] = doc["incidents"]
    assert entry["id"] == fraud and entry["component"] == "fraud"
    assert [u["message"] for u in entry["updates"]] == ["Elevated errors on scoring"]

    post(api, fraud, "status", {"status": "monitoring"})
    doc = status_json(live_server.url)
    # One rule everywhere: the incident's impact is the state it puts its component in.
    assert doc["components"][0]["status"] == "degraded"
    assert doc["incidents"][0]["impact"] == "degraded" and doc["status"] == "degraded"
    html = httpx.get(f"{live_server.url}/status", timeout=30).text
    impact = 'impact:</small> <span class="state state-degraded">Degraded performance</span>'
    assert impact in html and 'state-major_outage">Major outage</span>' not in html
    post(
        api,
        fraud,
        "updates",
        {"status": "resolved", "message": "Fixed by rollback", "public": True},
    )
    doc = status_json(live_server.url)
    assert doc["status"] == "operational"
    assert doc["incidents"][0]["status"] == "resolved"
    assert doc["incidents"][0]["resolved_at"] is not None
    assert [u["message"] for u in doc["incidents"][0]["updates"]] == [
        "Fixed by rollback",
        "Elevated errors on scoring",
    ]
    assert "Past incidents" in httpx.get(f"{live_server.url}/status", timeout=30).text


def test_drills_never_reach_the_public(live_server: LiveServer, api: httpx.Client) -> None:
    drill = open_incident(api, "ranker")
    with live_server.container.db.session() as session:
        row = session.get(Incident, drill)
        assert row is not None
        row.labels = {**row.labels, "drill": "true"}
    post(api, drill, "updates", {"status": "identified", "message": "DRILL words", "public": True})

    doc = status_json(live_server.url)
    assert doc["status"] == "operational"
    assert doc["incidents"] == []
    assert all(c["status"] == "operational" for c in doc["components"])
    assert "DRILL words" not in httpx.get(f"{live_server.url}/status", timeout=30).text
    feed = ET.fromstring(httpx.get(f"{live_server.url}/status.atom", timeout=30).content)
    assert feed.findall(f"{ATOM}entry") == []


def test_atom_feed_lists_public_updates_newest_first(
    live_server: LiveServer, api: httpx.Client
) -> None:
    fraud = open_incident(api, "fraud")
    post(api, fraud, "updates", {"status": "investigating", "message": "first <b>", "public": True})
    post(api, fraud, "updates", {"status": "identified", "message": "internal only"})
    post(api, fraud, "updates", {"status": "monitoring", "message": "second", "public": True})
    r = httpx.get(f"{live_server.url}/status.atom", timeout=30)
    assert r.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(r.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}content") for e in entries] == ["second", "first <b>"]
    assert entries[0].findtext(f"{ATOM}title") == "fraud: monitoring (Degraded performance)"
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == 2
    assert feed.findtext(f"{ATOM}updated") == entries[0].findtext(f"{ATOM}updated")


def test_incident_outside_the_components_counts_once_public(
    live_server: LiveServer, api: httpx.Client
) -> None:
    other = open_incident(api, "checkout-api")
    assert status_json(live_server.url)["status"] == "operational"
    post(
        api,
        other,
        "updates",
        {"status": "investigating", "message": "Checkout slow", "public": True},
    )
    doc = status_json(live_server.url)
    assert doc["status"] == "major_outage"
    assert doc["incidents"][0]["component"] == "checkout-api"


def test_a_model_service_is_a_component_only_once_marked_public(
    live_server: LiveServer, api: httpx.Client
) -> None:
    r = api.post("/api/v1/services", json={"name": "scratch-test-model"})
    assert r.status_code == 201 and r.json()["public"] is False
    open_incident(api, "scratch-test-model")
    doc = status_json(live_server.url)
    assert [c["name"] for c in doc["components"]] == ["fraud", "ranker"]
    assert doc["status"] == "operational"  # its incident has no public update either
    assert "scratch-test-model" not in httpx.get(f"{live_server.url}/status", timeout=30).text

    viewer = live_server.client(live_server.viewer_token)
    assert (
        viewer.put("/api/v1/services/scratch-test-model/public", json={"public": True}).status_code
        == 403
    )
    bad = api.put("/api/v1/services/scratch-test-model/public", json={"public": "maybe"})
    assert bad.status_code == 422 and "public" in bad.text
    assert api.put("/api/v1/services/nope/public", json={"public": True}).status_code == 404
    shown = api.put("/api/v1/services/scratch-test-model/public", json={"public": True})
    assert shown.status_code == 200 and shown.json()["public"] is True
    doc = status_json(live_server.url)
    components = {c["name"]: c["status"] for c in doc["components"]}
    assert components["scratch-test-model"] == "major_outage" and doc["status"] == "major_outage"
    admin = live_server.client(live_server.admin_token)
    audit = admin.get("/api/v1/audit", params={"target": "service:scratch-test-model"}).json()
    assert [a["action"] for a in audit].count("service.public") == 1
