"""A whole incident through the API with a controlled clock, then its postmortem, action items,
report, reminders, Prometheus gauges and evidence package, each figure checked by hand."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import matplotlib.image
import pytest

from tests.conftest import Clock, LiveServer
from warroom.postmortem.reminders import remind_overdue
from warroom.reports import evidence

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SCHEMAS = Path(evidence.__file__).parent / "schemas"


def at(clock: Clock, delta: timedelta) -> str:
    clock.set(T0 + delta)
    return (T0 + delta).isoformat()


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def drive_incidents(server: LiveServer, clock: Clock) -> tuple[str, str]:
    """P0 fraud-model: started 11:58, detected 12:00, acked 12:03, resolved 12:25.
    P2 ranker: started 12:55, detected 13:00, never acknowledged, still open."""
    api = server.client(server.responder_token)
    alert = {
        "name": "HighErrorRate",
        "service": "fraud-model",
        "metrics": {"error_rate": 0.62, "requests_total": 1000, "requests_failed": 620},
        "starts_at": (T0 - timedelta(minutes=2)).isoformat(),
    }
    at(clock, timedelta(0))
    (p0,) = ok(api.post("/api/v1/alerts", json=alert))["incidents_opened"]
    at(clock, timedelta(minutes=10))
    repeat = {
        **alert,
        "metrics": {"error_rate": 0.04, "requests_total": 500, "requests_failed": 20},
    }
    ok(api.post("/api/v1/alerts", json=repeat))
    at(clock, timedelta(minutes=3))
    ok(api.post(f"/api/v1/incidents/{p0}/acknowledge", json={"message": "on it"}))
    at(clock, timedelta(minutes=25))
    ok(api.post(f"/api/v1/incidents/{p0}/status", json={"status": "resolved"}))
    at(clock, timedelta(hours=1))
    drift = {
        "name": "AccuracyDrop",
        "service": "ranker",
        "metrics": {"accuracy_drop": 0.15},
        "starts_at": (T0 + timedelta(minutes=55)).isoformat(),
    }
    (p2,) = ok(api.post("/api/v1/alerts", json=drift))["incidents_opened"]
    return p0, p2


def test_whole_incident_postmortem_report_and_evidence(
    live_server: LiveServer, clock: Clock, tmp_path: Path
) -> None:
    p0, p2 = drive_incidents(live_server, clock)
    api = live_server.client(live_server.responder_token)
    viewer = live_server.client(live_server.viewer_token)

    at(clock, timedelta(hours=1, minutes=5))
    created = ok(api.post(f"/api/v1/incidents/{p0}/postmortem"), 201)
    assert created["template"] == "full" and created["status"] == "draft"
    assert created["due_at"] == "2026-11-24T12:25:00Z"  # resolved 12:25 + 24 h
    md = created["markdown"]
    assert "# Incident Postmortem: " + p0 in md
    assert "- **Severity**: P0 (Critical)" in md
    assert "- **Date**: 2026-11-23" in md
    assert "- **Duration**: 25 min (detection to resolution)" in md
    assert "time from start to detection: **2 min**" in md
    assert (
        "- **Acknowledged**: 2026-11-23 12:03:00 by token:responder, 3 min after detection " in md
    )
    assert "(response time for P0: 5 min — **met**)" in md
    # 620 + 20 failed of 1000 + 500 from the alert's two observations.
    assert "640 failed out of 1500 total (42.67%)" in md
    assert "- **Users Affected**: not supported by the data" in md
    assert "resolution within the 30 min target" in md
    # The first level is paged in the transaction that opened the incident.
    assert "- **Paged**: alice via log at 2026-11-23 12:00:00 (level 0)" in md
    assert "No rollback is recorded for this incident." in md
    assert "| 2026-11-23 12:00:00 | Incident opened as P0" in md
    assert (
        "| 2026-11-23 12:03:00 | Status triggered → acknowledged: on it | token:responder |" in md
    )
    assert "| 2026-11-23 12:25:00 | Status acknowledged → resolved" in md
    for human in ("what went well", "where we got lucky", "the root cause"):
        assert f"✍ **To be written by the team:** {human}" in md
    assert f"![Error rate and latency across {p0}]({p0}-chart.png)" in md
    assert ok(api.post(f"/api/v1/incidents/{p0}/postmortem"), 409)["detail"]

    # Action items: one done early, one left open past its due date.
    at(clock, timedelta(hours=2))
    first = ok(
        api.post(
            f"/api/v1/incidents/{p0}/actions",
            json={"title": "Canary gate on error_rate", "owner": "bob", "priority": "high",
                  "due_at": (T0 + timedelta(days=2)).isoformat()},
        ),
        201,
    )  # fmt: skip
    second = ok(
        api.post(
            f"/api/v1/incidents/{p0}/actions",
            json={"title": "Alert on requests_failed", "owner": "carol",
                  "due_at": (T0 + timedelta(days=1)).isoformat()},
        ),
        201,
    )  # fmt: skip
    at(clock, timedelta(days=1))
    assert (
        ok(api.patch(f"/api/v1/actions/{first['id']}", json={"status": "done"}))["completed_at"]
        == "2026-11-24T12:00:00Z"
    )
    pm = ok(viewer.get(f"/api/v1/incidents/{p0}/postmortem"))
    assert pm["version"] == 4  # draft, two additions, one completion re-render the table
    assert "| Canary gate on error_rate | bob | High | 2026-11-25 | Done |" in pm["markdown"]
    assert "| Alert on requests_failed | carol | Medium | 2026-11-24 | Open |" in pm["markdown"]

    # A human edit, then publish within the due date with a root-cause category.
    at(clock, timedelta(hours=20))
    edited = pm["markdown"].replace(
        "> ✍ **To be written by the team:** a detailed description of what went wrong.",
        "A bad model version shipped without a canary.",
    )
    stale = {"markdown": edited, "base_version": 1}
    assert api.put(f"/api/v1/incidents/{p0}/postmortem", json=stale).status_code == 409
    saved = ok(
        api.put(
            f"/api/v1/incidents/{p0}/postmortem",
            json={"markdown": edited, "base_version": 4, "root_cause_category": "Deployment"},
        )
    )
    assert saved["version"] == 5 and saved["root_cause_category"] == "deployment"
    published = ok(api.put(f"/api/v1/incidents/{p0}/postmortem", json={"status": "published"}))
    assert published["published_at"] == "2026-11-24T08:00:00Z"
    revisions = ok(viewer.get(f"/api/v1/incidents/{p0}/postmortem/revisions"))
    assert [r["version"] for r in revisions] == [1, 2, 3, 4, 5]
    v1 = viewer.get(f"/api/v1/incidents/{p0}/postmortem/export", params={"version": 1})
    assert "detailed description of what went wrong" in v1.text
    html = viewer.get(f"/api/v1/incidents/{p0}/postmortem/export", params={"format": "html"})
    assert html.headers["content-type"].startswith("text/html")
    assert "<table>" in html.text and 'src="data:image/png;base64,' in html.text
    assert "A bad model version shipped without a canary." in html.text

    # The report three days in, checked against hand-computed figures.
    at(clock, timedelta(days=3))
    report = ok(viewer.get("/api/v1/reports/response"))
    check_report(report, p0, p2, second["id"])
    empty = ok(
        viewer.get(
            "/api/v1/reports/response", params={"since": (T0 + timedelta(days=10)).isoformat()}
        )
    )
    assert empty["incidents"]["total"] == 0
    assert empty["incidents"]["by_severity"] == {s: 0 for s in ("P0", "P1", "P2", "P3", "P4")}
    assert (
        empty["response"]["mttr_seconds"] is None
        and empty["sla"]["acknowledgement"]["rate"] is None
    )
    assert empty["rollbacks"] == {
        "count": 0, "succeeded": 0, "success_rate": None,
        "duration_seconds": {"p50": None, "p90": None, "p95": None, "max": None},
    }  # fmt: skip
    validate("response-metrics", report)
    validate("response-metrics", empty)

    scraped = viewer.get("/metrics").text
    assert 'warroom_response_seconds{measure="mttr",severity="P0"} 1500.0' in scraped
    assert 'warroom_response_seconds{measure="mttd",severity="all"} 210.0' in scraped
    assert 'warroom_response_ratio{measure="ack_sla"} 0.5' in scraped
    assert 'warroom_overdue{kind="action_item"} 1.0' in scraped

    check_reminders(live_server, p0, second["id"])
    check_chart(viewer, p0)
    check_evidence(live_server, tmp_path / "evidence", p0, p2, report)


def check_report(report: dict[str, Any], p0: str, p2: str, overdue_action: int) -> None:
    inc = report["incidents"]
    assert inc["total"] == 2
    assert inc["by_severity"] == {"P0": 1, "P1": 0, "P2": 1, "P3": 0, "P4": 0}
    assert inc["by_service"] == {"fraud-model": 1, "ranker": 1}
    assert inc["by_root_cause"] == {"deployment": 1, "uncategorised": 1}
    r = report["response"]
    assert r["mttd_seconds"] == 210.0  # (120 + 300) / 2
    assert r["mtta_seconds"] == 180.0  # only the P0 was acknowledged
    assert r["mttr_seconds"] == 1500.0  # only the P0 was resolved: 12:00 → 12:25
    assert r["never_acknowledged"] == 1 and r["unresolved"] == 1
    assert r["by_severity"]["P2"] == {
        "count": 1, "mttd_seconds": 300.0, "mtta_seconds": None, "mttr_seconds": None
    }  # fmt: skip
    assert report["mtbf_seconds"] == {"fraud-model": None, "ranker": None}
    ack, res = report["sla"]["acknowledgement"], report["sla"]["resolution"]
    # P0 acked in 3 min (< 5 min); the P2's 1 h deadline passed without acknowledgement.
    assert (ack["eligible"], ack["met"], ack["rate"], ack["missed"]) == (2, 1, 0.5, [p2])
    # Only P0/P1 have resolution targets: the P0 took 25 min (< 30 min).
    assert (res["eligible"], res["met"], res["rate"]) == (1, 1, 1.0)
    pm = report["postmortems"]
    assert (pm["eligible"], pm["on_time"], pm["rate"], pm["overdue"]) == (1, 1, 1.0, [])
    act = report["action_items"]
    assert (act["total"], act["open"], act["eligible"], act["on_time"]) == (2, 1, 2, 1)
    assert act["rate"] == 0.5 and act["overdue"] == [overdue_action]
    assert report["rollbacks"]["count"] == 0


def check_reminders(server: LiveServer, p0: str, overdue_action: int) -> None:
    container = server.container
    for _ in range(2):  # idempotent: the second run finds nothing new
        with container.db.session() as session:
            found = remind_overdue(
                session=session, now=container.clock(), playbook=container.playbook
            )
        if _ == 0:
            assert [(r.kind, r.action_id) for r in found] == [("action_overdue", overdue_action)]
        else:
            assert found == []
    detail = server.client(server.viewer_token).get(f"/api/v1/incidents/{p0}").json()
    kinds = [e["kind"] for e in detail["timeline"]]
    assert kinds.count("action_overdue") == 1 and "postmortem_overdue" not in kinds


def check_chart(viewer: httpx.Client, p0: str) -> None:
    response = viewer.get(f"/api/v1/incidents/{p0}/postmortem/chart.png")
    assert response.headers["content-type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib.image.imread(io.BytesIO(response.content), format="png")
    assert image.shape[:2] == (600, 1000)
    assert image.std() > 0.01  # lines, markers and labels, not a blank canvas


def validate(name: str, document: Any) -> None:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(
        document, schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def check_evidence(server: LiveServer, out: Path, p0: str, p2: str, report: dict[str, Any]) -> None:
    settings = server.container.settings
    env = {
        **os.environ,
        "WARROOM_DATABASE_URL": settings.resolved_database_url,
        "WARROOM_HOME": str(settings.resolved_home),
    }
    done = subprocess.run(
        [sys.executable, "-m", "warroom", "evidence", "export", str(out)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for name in (
        "playbooks/incident-playbook.md", "playbooks/p0-response-procedure.md",
        "playbooks/p1-response-procedure.md", "scripts/rollback-config.json",
        "postmortems/postmortem-template.md", f"postmortems/{p0}-postmortem.md",
        f"postmortems/{p0}-chart.png", "logs/incident-log.json", "logs/rollback-history.json",
        "response-metrics.json",
    ):  # fmt: skip
        assert (out / name).is_file(), name
    log = json.loads((out / "logs/incident-log.json").read_text())
    validate("incident-log", log)
    assert [i["id"] for i in log["incidents"]] == [p0, p2]
    assert log["incidents"][0]["postmortem_status"] == "published"
    assert log["incidents"][1]["acknowledged_at"] is None
    history = json.loads((out / "logs/rollback-history.json").read_text())
    validate("rollback-history", history)
    assert history["rollbacks"] == []
    metrics = json.loads((out / "response-metrics.json").read_text())
    validate("response-metrics", metrics)
    # The CLI runs on real time, so only time-independent figures must match the API's.
    assert metrics["incidents"] == report["incidents"]
    assert metrics["response"] == report["response"]
    assert "| P0 | Critical | 5m | 30m |" in (out / "playbooks/incident-playbook.md").read_text()
    assert (
        (out / f"postmortems/{p0}-postmortem.md")
        .read_text()
        .startswith(f"# Incident Postmortem: {p0}")
    )


@pytest.mark.parametrize("severity_metric", [{"accuracy_drop": 0.06}])
def test_p3_gets_the_short_template_and_no_due_date(
    live_server: LiveServer, clock: Clock, severity_metric: dict[str, float]
) -> None:
    api = live_server.client(live_server.responder_token)
    at(clock, timedelta(0))
    alert = {"name": "DriftDetected", "service": "photo-detector", "metrics": severity_metric}
    (inc,) = ok(api.post("/api/v1/alerts", json=alert))["incidents_opened"]
    at(clock, timedelta(hours=2))
    ok(api.post(f"/api/v1/incidents/{inc}/status", json={"status": "resolved"}))
    pm = ok(api.post(f"/api/v1/incidents/{inc}/postmortem"), 201)
    assert pm["template"] == "short" and pm["due_at"] is None
    assert pm["markdown"].startswith("# Post-Mortem: DriftDetected on photo-detector")
    assert "- **Duration:** 02:00 (from detection to resolution)" in pm["markdown"]
    assert "- **Severity:** P3 (Low)" in pm["markdown"]
    assert "not supported by the data (no request-count samples" in pm["markdown"]


def test_postmortem_edit_opens_the_editor(live_server: LiveServer, tmp_path: Path) -> None:
    api = live_server.client(live_server.responder_token)
    alert = {"name": "HighErrorRate", "service": "fraud-model", "metrics": {"error_rate": 0.2}}
    (inc,) = ok(api.post("/api/v1/alerts", json=alert))["incidents_opened"]
    ok(api.post(f"/api/v1/incidents/{inc}/postmortem"), 201)
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text() + '\\nEdited by a human.\\n')\n"
    )
    env = {
        **os.environ,
        "WARROOM_URL": live_server.url,
        "WARROOM_TOKEN": live_server.responder_token,
        "EDITOR": f"{sys.executable} {editor}",
        "VISUAL": "",
    }
    done = subprocess.run(
        [sys.executable, "-m", "warroom", "postmortem", "edit", inc, "-m", "first pass"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "saved as version 2" in done.stdout
    pm = ok(api.get(f"/api/v1/incidents/{inc}/postmortem"))
    assert pm["version"] == 2 and pm["markdown"].endswith("Edited by a human.\n")
