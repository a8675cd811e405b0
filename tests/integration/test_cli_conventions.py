"""The command line as a new user meets it: which database a command uses, the conventions
of kubectl, gh and amtool (--version, one-line usage errors, placeholders that are words,
tables at 80 columns, exports to stdout), silences by duration, listing rollbacks, `warroom
init` and the playbook commands. Every test runs the real `warroom` in a subprocess."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import yaml

from tests.conftest import LiveServer, free_port
from tests.support.ready import wait_ready

WARROOM = [sys.executable, "-m", "warroom"]


def cli(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """`warroom ARGS` with only the given WARROOM_* variables set, stdin not a terminal."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    environ.update({"COLUMNS": "100", **env})
    return subprocess.run(
        [*WARROOM, *args],
        env=environ,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def against(server: LiveServer, *args: str, token: str | None = None, **env: str):
    settings = server.container.settings
    return cli(
        *args,
        WARROOM_URL=server.url,
        WARROOM_TOKEN=token or server.responder_token,
        WARROOM_DATABASE_URL=settings.resolved_database_url,
        WARROOM_HOME=str(settings.resolved_home),
        **env,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    assert result.stderr.startswith("error: "), result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    return result.stderr


def test_version_and_usage_errors_are_one_line() -> None:
    version = cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("warroom 0."), version
    bad_flag = cli("rollback", "fraud", "--bogus")
    assert bad_flag.returncode == 2
    assert "No such option: --bogus" in one_line_error(bad_flag)
    assert "warroom rollback --help" in bad_flag.stderr
    bad_choice = cli("token", "create", "--role", "root")
    assert "'root' is not one of 'viewer', 'responder', 'admin'" in one_line_error(bad_choice)
    missing = cli("incident", "show")
    assert "Missing argument 'INCIDENT_ID'" in one_line_error(missing)
    assert "╭" not in bad_flag.stderr + bad_choice.stderr + missing.stderr
    group_alone = cli("silence")
    assert group_alone.returncode == 0 and "add" in group_alone.stdout


def test_help_shows_placeholders_that_are_words() -> None:
    pages = [cli(*cmd, "--help").stdout for cmd in (("silence", "add"), ("incident", "list"))]
    pages.append(cli("integration", "create", "--help").stdout)
    for page in pages:
        assert "<list[str]>" not in page and "<bool>" not in page and "<str>" not in page, page
    silence, incidents, integration = pages
    assert "MATCHER" in silence and "--duration" in silence and "DURATION" in silence
    assert "--json " in silence  # a flag: nothing to type after it
    assert "--service" in incidents and "SERVICE" in incidents
    assert "alertmanager|grafana|pagerduty|generic" in integration


def test_local_commands_name_their_database_and_refuse_a_fresh_one(tmp_path: Path) -> None:
    home = tmp_path / "home"
    database = home / "warroom.db"
    env = {"WARROOM_HOME": str(home), "WARROOM_URL": "http://127.0.0.1:9"}
    refused = cli("token", "create", "--role", "admin", **env)
    message = one_line_error(refused)
    assert f"no warroom database at sqlite:///{database}" in message
    assert "WARROOM_URL is set" in message and "warroom init" in message
    assert not database.exists()  # nothing was created behind the user's back
    not_ready = cli("readiness", **env)
    assert not_ready.returncode != 0 and "no warroom database" in not_ready.stderr
    assert not database.exists()
    assert cli("db", "upgrade", **env).returncode == 0
    created = cli("token", "create", "--role", "admin", **env)
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip().startswith("wr_")
    assert f"database: sqlite:///{database}" in created.stderr


def test_integration_urls_come_from_the_configured_public_url(tmp_path: Path) -> None:
    env = {"WARROOM_HOME": str(tmp_path)}
    assert cli("db", "upgrade", **env).returncode == 0
    public = cli(
        "integration", "create", "alertmanager", "--name", "prod",
        WARROOM_PUBLIC_URL="https://warroom.example.com", WARROOM_URL="http://10.0.0.5:8080",
        **env,
    )  # fmt: skip
    assert public.returncode == 0, public.stderr
    url = public.stdout.strip()
    assert url.startswith("https://warroom.example.com/api/v1/integrations/alertmanager?key=")
    through = cli(
        "integration", "create", "grafana", "--name", "ops", WARROOM_URL="http://10.0.0.5:8080",
        **env,
    )  # fmt: skip
    assert through.stdout.startswith("http://10.0.0.5:8080/api/v1/integrations/grafana?key=")


def test_exports_write_to_stdout_unless_given_a_file(tmp_path: Path) -> None:
    printed = cli("export", "prometheus-rules", cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    rules = yaml.safe_load(printed.stdout)
    assert {r["alert"] for r in rules["groups"][0]["rules"]} >= {"HighErrorRate", "ServiceDown"}
    dash = cli("export", "prometheus-rules", "-o", "-", cwd=tmp_path)
    assert dash.stdout == printed.stdout
    assert list(tmp_path.iterdir()) == []  # no stray file, no file named "-"
    written = cli("export", "prometheus-rules", "-o", "rules.yml", cwd=tmp_path)
    assert written.stdout == "" and (tmp_path / "rules.yml").read_text() == printed.stdout
    promtool = shutil.which("promtool")
    if promtool is not None:  # the README's pipe: warroom export prometheus-rules | promtool
        checked = subprocess.run(
            [promtool, "check", "rules", "/dev/stdin"],
            input=printed.stdout,
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_silences_by_duration_or_window_and_a_bad_regex_in_one_line(
    live_server: LiveServer,
) -> None:
    two_hours = against(
        live_server,
        "silence",
        "add",
        "service=fraud",
        "--duration",
        "2h",
        "-c",
        "retrain",
        "--json",
    )
    assert two_hours.returncode == 0, two_hours.stderr
    silence = json.loads(two_hours.stdout)
    span = datetime.fromisoformat(silence["ends_at"]) - datetime.fromisoformat(silence["starts_at"])
    assert span == timedelta(hours=2)
    window = against(
        live_server, "silence", "add", "service=churn", "-c", "maintenance", "--json",
        "--start", "2030-01-01T22:00:00Z", "--end", "2030-01-02T01:30:00+00:00",
    )  # fmt: skip
    assert window.returncode == 0, window.stderr
    planned = json.loads(window.stdout)
    assert datetime.fromisoformat(planned["starts_at"]).hour == 22
    assert planned["ends_at"].startswith("2030-01-02T01:30:00") and not planned["active"]
    bad = against(live_server, "silence", "add", "service=~(", "-c", "x")
    assert "not a valid regular expression" in one_line_error(bad)
    assert "pydantic" not in bad.stderr and "validation error" not in bad.stderr
    both = against(
        live_server, "silence", "add", "a=b", "-c", "x", "--duration", "1h", "--end", "x"
    )
    assert "not both" in one_line_error(both)


def test_tables_are_readable_at_80_columns(live_server: LiveServer) -> None:
    sent = against(
        live_server, "alert", "send", "--name", "HighErrorRate", "--service",
        "a-model-service-with-a-long-name", "--metric", "error_rate=0.7", "--json",
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    added = against(
        live_server, "silence", "add", "service=a-model-service-with-a-long-name",
        "team=~ml-.*", "--duration", "30m", "-c", "a planned retraining of the model",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    api = live_server.client(live_server.responder_token)
    (incident,) = api.get("/api/v1/incidents").json()
    assert api.post("/api/v1/services", json={"name": "fraud"}).status_code == 201
    body = {"version": "v1", "artifact": "tests.support.models:broken", "weight": 100}
    assert api.post("/api/v1/services/fraud/versions", json=body).status_code == 201
    listings = [("incident", "list"), ("incident", "list", "-o", "wide"), ("silence", "list")]
    for command in (("incident", "tasks", incident["id"]), ("versions", "fraud")):
        shown = against(live_server, *command, COLUMNS="80")
        assert shown.returncode == 0, shown.stderr
        assert max(len(line) for line in shown.stdout.splitlines()) <= 80, shown.stdout
        assert "…" not in shown.stdout, shown.stdout
    for command in (*listings, ("silence", "list", "-o", "wide")):
        shown = against(live_server, *command, COLUMNS="80")
        assert shown.returncode == 0, shown.stderr
        lines = shown.stdout.splitlines()
        assert max(len(line) for line in lines) <= 80, shown.stdout
        assert "…" not in shown.stdout, shown.stdout
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", shown.stdout)  # whole dates
    incidents = against(live_server, "incident", "list", "-o", "wide", COLUMNS="200").stdout
    assert "service" in incidents and "a-model-service-with-a-long-name" in incidents
    assert "service " not in against(live_server, "incident", "list", COLUMNS="200").stdout
    wide = against(live_server, "silence", "list", "-o", "wide", COLUMNS="200").stdout
    assert "by" in wide and "starts (UTC)" in wide
    narrow = against(live_server, "silence", "list", COLUMNS="200").stdout
    assert "starts (UTC)" not in narrow
    as_json = against(live_server, "silence", "list", "-o", "json")
    assert json.loads(as_json.stdout)[0]["comment"] == "a planned retraining of the model"
    bad = against(live_server, "silence", "list", "-o", "yaml")
    assert "expected one of table, wide, json" in one_line_error(bad)


def test_a_service_named_history_can_be_rolled_back(live_server: LiveServer) -> None:
    api = live_server.client(live_server.responder_token)
    assert api.post("/api/v1/services", json={"name": "history"}).status_code == 201
    for version in ("v1", "v2"):
        body = {"version": version, "artifact": "tests.support.models:broken", "weight": 100}
        assert api.post("/api/v1/services/history/versions", json=body).status_code == 201
    assert api.post("/api/v1/services/history/versions/v1/stable").status_code == 200
    plan = against(live_server, "rollback", "--service", "history", "--dry-run")
    assert plan.returncode == 0, plan.stderr
    assert "plan: history v2 → v1" in plan.stdout
    listed = against(live_server, "rollbacks", "--service", "history", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == []
    old = against(live_server, "rollback", "history", "--json")
    assert old.returncode == 0 and json.loads(old.stdout) == []
    assert "deprecated: use `warroom rollbacks`" in old.stderr
    nothing = against(live_server, "rollback")
    assert "name the service to roll back" in one_line_error(nothing)


def test_init_writes_a_commented_playbook_that_show_prints_as_written(tmp_path: Path) -> None:
    env = {"WARROOM_HOME": str(tmp_path)}
    made = cli(
        "init", "--team", "ml-platform", "--person", "alice:alice@example.com",
        "--person", "bob:bob@example.com", "--channel", "smtp://mail.example.com:25", **env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    written = (tmp_path / "playbook.yaml").read_text()
    assert "# Who responds. Every alert goes to ml-platform." in written
    assert '{name: "alice", contacts: [{channel: team, to: "alice@example.com"}]}' in written
    assert 'type: email, url: "smtp://mail.example.com:25"' in written
    assert "seed" not in written.lower()
    assert (tmp_path / "warroom.db").exists()
    shown = cli("playbook", "show", **env)
    assert shown.returncode == 0 and shown.stdout == written  # comments kept, nothing added
    assert cli("playbook", "validate", str(tmp_path / "playbook.yaml")).returncode == 0
    assert "full_name: ''" not in cli("playbook", "show").stdout  # the shipped one, as written
    again = cli("init", "--team", "x", **env)
    assert "exists" in one_line_error(again)
    # No terminal: no questions, defaults (the one who ran it, pages to the log).
    quiet = cli("init", WARROOM_HOME=str(tmp_path / "other"))
    assert quiet.returncode == 0, quiet.stderr
    assert "{name: team, type: log}" in (tmp_path / "other" / "playbook.yaml").read_text()


def test_playbook_validate_reports_every_problem_in_one_run(tmp_path: Path) -> None:
    playbook = tmp_path / "pb.yaml"
    playbook.write_text(
        "version: 1\nseverity_levels: {}\nclassification: {rules: []}\nextra: 1\n"
        "channels: [{name: log, type: log}]\n"
        "oncall:\n"
        "  people: [{name: alice, contacts: [{channel: slack}]}]\n"
        "  schedules: [{name: s1, layers: [{members: [alice, bob], start: 2026-01-05T09:00:00Z,"
        " shift: 7d}]}]\n"
        "  routes: [{team: nope}]\n"
    )
    result = cli("playbook", "validate", str(playbook))
    assert result.returncode != 0
    for problem in (
        "severity_levels: every level P0..P4 must be defined",
        "extra: unknown key",
        "oncall.people[0].contacts[0].channel: unknown channel 'slack'",
        "oncall.schedules[0].layers[0].members[1]: unknown person 'bob'",
        "oncall.routes[0].team: unknown team 'nope'",
    ):
        assert problem in result.stderr, result.stderr


def test_a_served_webhook_prints_no_warning(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")} | {
        "WARROOM_HOME": str(tmp_path),
        "WARROOM_PORT": str(port),
    }
    server = subprocess.Popen(
        [sys.executable, "-W", "default", "-m", "warroom", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/readyz", what="warroom serve", proc=server, timeout=120)
        made = cli(
            "integration",
            "create",
            "alertmanager",
            "--name",
            "prod",
            WARROOM_HOME=str(tmp_path),
            WARROOM_PORT=str(port),
        )
        url = made.stdout.strip()
        assert url.startswith(base), made.stderr
        fixture = Path(__file__).parents[1] / "fixtures" / "alertmanager-0.25-webhook-firing.json"
        for _ in range(3):
            answer = httpx.post(url, content=fixture.read_bytes(), timeout=30)
            assert answer.status_code == 202, answer.text
        # The batches are ingested after the answer: wait for that too, so that a warning
        # printed while ingesting them would be seen.
        viewer = cli("token", "create", "--role", "viewer", WARROOM_HOME=str(tmp_path))
        headers = {"Authorization": f"Bearer {viewer.stdout.strip().splitlines()[-1]}"}
        deadline = time.monotonic() + 60

        def waiting() -> int:
            health = httpx.get(f"{base}/api/v1/health", headers=headers, timeout=30).json()
            return int(health["intake_log"]["waiting"])

        while waiting():
            assert time.monotonic() < deadline, "the webhook batches were never ingested"
            time.sleep(0.05)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=60)
    assert "Warning" not in stderr, stderr


def test_init_asks_at_a_terminal(tmp_path: Path) -> None:
    import pty

    environ = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    environ["WARROOM_HOME"] = str(tmp_path)
    leader, follower = pty.openpty()
    try:
        os.write(leader, b"search-ranking\ncarol:carol@example.com, dan:dan@example.com\nlog\n")
        done = subprocess.run(
            [*WARROOM, "init"], env=environ, stdin=follower, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 0, done.stderr
    assert "Team name" in done.stdout and "People on call" in done.stdout
    written = (tmp_path / "playbook.yaml").read_text()
    assert "# Who responds. Every alert goes to search-ranking." in written
    assert '{name: "dan", contacts: [{channel: team, to: "dan"}]}' in written
