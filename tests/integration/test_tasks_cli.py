"""`warroom incident tasks|check` and a blocked close, as an operator runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import LiveServer
from tests.integration.test_cli import run
from warroom.config import Settings
from warroom.playbook.loader import default_playbook_text

OPTIONAL = {"title": "Optional", "required": False}
CHECKLISTS = [
    {"name": "first", "phase": "triggered", "items": ["Acknowledge", "Note the cause", OPTIONAL]},
    {"name": "wrap-up", "phase": "resolved", "items": ["Status page updated"]},
]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    playbook = yaml.safe_load(default_playbook_text())
    playbook["checklists"] = CHECKLISTS
    path = tmp_path / "playbook.yaml"
    path.write_text(yaml.safe_dump(playbook))
    return Settings(
        home=tmp_path, database_url=database_url, sqlite_synchronous="NORMAL", playbook=path
    )


def test_tasks_checked_from_the_cli_and_close_refused_until_done(
    live_server: LiveServer,
) -> None:
    # The CLI starts slowly on a busy machine: four commands here, the rest through the API.
    api = live_server.client(live_server.responder_token)
    (iid,) = api.post("/api/v1/alerts", json={"name": "HighLatency"}).json()["incidents_opened"]
    listed = run(live_server, "incident", "tasks", iid)
    assert listed.returncode == 0, listed.stderr
    assert "Acknowledge" in listed.stdout and "2 required tasks open" in listed.stdout
    tasks = api.get(f"/api/v1/incidents/{iid}/tasks").json()
    assert [(t["title"], t["required"]) for t in tasks] == [
        ("Acknowledge", True),
        ("Note the cause", True),
        ("Optional", False),
    ]

    refused = run(live_server, "incident", "status", iid, "closed")
    assert refused.returncode != 0
    assert "409" in refused.stderr and f"#{tasks[0]['id']} Acknowledge" in refused.stderr
    assert "Status page updated (from wrap-up, added on resolved)" in refused.stderr

    ids = [str(tasks[0]["id"]), str(tasks[1]["id"])]
    checked = run(live_server, "incident", "check", iid, *ids, "-m", "done")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.count("checked off by token:responder") == 2
    assert "0 required tasks open" in checked.stdout
    after = api.get(f"/api/v1/incidents/{iid}/tasks").json()
    assert [t["evidence"] for t in after] == ["done", "done", None]
    resolved = api.post(f"/api/v1/incidents/{iid}/status", json={"status": "resolved"})
    assert resolved.status_code == 200
    wrap_up = api.get(f"/api/v1/incidents/{iid}/tasks").json()[-1]
    assert wrap_up["title"] == "Status page updated" and wrap_up["checked_at"] is None
    assert api.post(f"/api/v1/incidents/{iid}/tasks/{wrap_up['id']}/check").status_code == 200
    closed = run(live_server, "incident", "status", iid, "closed")
    assert closed.returncode == 0, closed.stderr
    assert api.get(f"/api/v1/incidents/{iid}").json()["status"] == "closed"
