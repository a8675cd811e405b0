"""Real objects on a live server, so fuzzed path ids name something that exists.

Everything is made through the API the way a user makes it (an alert that opens an incident
with its tasks, a silence, an action item, a postmortem, a drill record, a model service with
two versions of a real scikit-learn model and a rollback); the one thing the API cannot make
on demand, a prediction held for review, is made by the detection domain's own function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.conftest import LiveServer
from tests.support.models import train
from warroom.detect import review
from warroom.jobs import service as jobs

SERVICE = "fuzz-svc"


@dataclass
class Seeded:
    """Path parameters by name: the values that hit a seeded object."""

    path: dict[str, Any] = field(default_factory=dict)


def _ok(response: Any) -> Any:
    assert response.status_code < 300, (response.request.url, response.text)
    return response.json() if response.content else None


def seed(server: LiveServer, tmp_path: Path) -> Seeded:
    """Seed one of each object and return the path parameters that reach them."""
    api = server.client(server.admin_token)
    alert = {"name": "FuzzSeed", "service": SERVICE, "severity": "critical", "summary": "seed"}
    ingested = _ok(api.post("/api/v1/alerts", json=alert))
    alert_id = ingested["alert_ids"][0]
    incident_id = _ok(api.get(f"/api/v1/alerts/{alert_id}"))["incident_id"]
    assert incident_id, "the seed alert opened no incident"
    tasks = _ok(api.get(f"/api/v1/incidents/{incident_id}/tasks"))
    silence = _ok(
        api.post(
            "/api/v1/silences",
            json={
                "matchers": [{"name": "alertname", "value": "Nothing"}],
                "duration_minutes": 60,
                "comment": "seed",
            },
        )
    )
    action = _ok(api.post(f"/api/v1/incidents/{incident_id}/actions", json={"title": "seed"}))
    _ok(api.post(f"/api/v1/incidents/{incident_id}/postmortem"))
    _ok(api.post("/api/v1/services", json={"name": SERVICE}))
    for version, seed_ in (("v1", 0), ("v2", 1)):
        artifact = train(tmp_path / f"{version}.joblib", seed=seed_)
        body = {"version": version, "artifact": str(artifact), "weight": 100}
        _ok(api.post(f"/api/v1/services/{SERVICE}/versions", json=body))
    _ok(api.post(f"/api/v1/services/{SERVICE}/versions/v1/stable"))
    rollback = _ok(
        api.post(f"/api/v1/services/{SERVICE}/rollback", json={"to_version": "v1", "reason": "s"})
    )
    drill = {"scenario": "seed", "service": SERVICE, "passed": True, "stages": []}
    _ok(api.post("/api/v1/drills/completed", json=drill))
    _ok(api.put("/api/v1/oncall/people/fuzz-person", json={"contacts": []}))
    container = server.container
    now = container.clock()
    with container.db.session() as session:
        item = review.enqueue(
            session=session,
            service=SERVICE,
            version="v2",
            request_id=1,
            features=[0.0],
            probability=0.5,
            prediction=1,
            now=now,
        )
        job_id = jobs.enqueue(
            session=session, kind="fuzz.noop", payload={}, due_at=now + timedelta(days=365)
        )
        session.flush()
        item_id = item.id
    api.close()
    return Seeded(
        path={
            "alert_id": alert_id,
            "incident_id": incident_id,
            "task_id": tasks[0]["id"],
            "silence_id": silence["id"],
            "action_id": action["id"],
            "item_id": item_id,
            "job_id": job_id,
            "rollback_id": rollback["id"],
            "service": SERVICE,
            "version": "v1",
            "name": "fuzz-person",
            "plural": "people",
            "team": container.playbook.oncall.teams[0].name,
            "action": "enable",
        }
    )
