"""Runbooks: the shipped ones load, the right one applies to each alert they cover, bad files
are refused with file, key path and expectation; step requests and output handling."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from warroom.errors import RunbookError
from warroom.guide.diagnostics import cap, mask
from warroom.guide.diagnostics.promql import escape
from warroom.guide.models import DiagnoseRequest
from warroom.playbook.guide import RunbookPolicy
from warroom.playbook.loader import load_playbook
from warroom.playbook.runbook import applies, load_runbooks, match, parse_runbook

POLICY = load_playbook().runbooks
SHIPPED = load_runbooks(POLICY, None)


@pytest.mark.parametrize(
    ("alertname", "runbook", "first_step"),
    [
        ("HighErrorRate", "high-error-rate", "error_rate_by_version"),
        ("HighLatency", "high-latency", "latency_p95_by_version"),
        ("ServiceDown", "service-down", "warroom_ready"),
        ("DriftDetected", "drift-detected", "low_confidence_ratio"),
        ("HighMemoryUsage", "high-memory-usage", "memory_growth"),
    ],
)
def test_each_shipped_alert_gets_its_runbook(alertname: str, runbook: str, first_step: str):
    found = match(SHIPPED, {"alertname": alertname, "service": "fraud", "severity": "P2"})
    assert found is not None and found.name == runbook
    assert found.steps[0].name == first_step
    assert found.steps[-1].name == "recent_changes"  # declared once, in the playbook
    assert found.meta.causes, "a cause -> action table"
    assert found.body.startswith(f"# {found.title}")


def test_an_alert_no_runbook_names_gets_the_generic_one():
    found = match(SHIPPED, {"alertname": "HighCPUUsage", "service": "fraud"})
    assert found is not None and found.name == "generic"
    assert match(SHIPPED, {}) is found


def test_shipped_runbooks_query_metrics_warroom_exports_and_use_its_commands():
    from prometheus_client import CollectorRegistry, ProcessCollector

    from warroom.gateway.metrics import GatewayMetrics

    registry = CollectorRegistry()
    GatewayMetrics(registry)
    ProcessCollector(registry=registry)
    exported = {family.name for family in registry.collect()}
    assert "warroom_model_requests" in exported
    for runbook in SHIPPED:
        text = runbook.body + str(runbook.meta.model_dump())
        assert "aidetect_" not in text and "docker compose" not in text, runbook.name
        for step in runbook.steps:
            if step.kind != "promql":
                continue
            names = set(re.findall(r"\b((?:warroom|process)_[a-z_]+)", step.query))  # type: ignore[union-attr]
            families = {re.sub(r"_(total|bucket|sum|count)$", "", n) for n in names}
            assert names and families <= exported, (runbook.name, step.name, families)


def _runbook(name: str, front: str, policy: RunbookPolicy = POLICY):
    return parse_runbook(
        f"---\n{front}\n---\n# {name}\n", name=name, source=f"/rb/{name}.md", policy=policy
    )


def test_more_specific_runbooks_win_and_labels_must_all_match():
    generic = _runbook("any", "title: Any")
    by_alert = _runbook("alert", "title: A\nalerts: [HighErrorRate]")
    by_team = _runbook("team", "title: T\nalerts: [HighErrorRate]\nlabels: {team: ml}")
    books = [generic, by_alert, by_team]
    assert match(books, {"alertname": "HighErrorRate", "team": "ml"}) is by_team
    assert match(books, {"alertname": "HighErrorRate", "team": "web"}) is by_alert
    assert match(books, {"alertname": "Other", "team": "ml"}) is generic
    assert not applies(by_team, {"alertname": "HighErrorRate"})
    assert match([by_alert], {"alertname": "Other"}) is None


@pytest.mark.parametrize(
    ("front", "problem"),
    [
        ("title: X\nalert: [A]", "alert: unknown key (check the spelling); expected one of title"),
        ("title: X\ndiagnostics:\n  - {name: x, kind: http, url: ftp://h}", "diagnostics[0].url"),
        ("title: X\ndiagnostics: [nope]", "diagnostics[0]: unknown step 'nope'"),
        (
            "title: X\ndiagnostics:\n  - {name: x, kind: shell, command: rm -rf /}",
            "shell steps may only be declared by an admin in the playbook file",
        ),
        ("alerts: [A]", "title: required key is missing"),
        ("title: X\ncauses: [{cause: c}]", "causes[0].action: required key is missing"),
        ("title: [unclosed", "invalid YAML front-matter"),
    ],
)
def test_bad_runbooks_are_refused_with_file_key_path_and_expectation(front: str, problem: str):
    with pytest.raises(RunbookError) as caught:
        _runbook("bad", front)
    assert str(caught.value).startswith("invalid runbook /rb/bad.md:")
    assert problem in str(caught.value)


def test_a_runbook_without_front_matter_is_refused():
    with pytest.raises(RunbookError, match="line 1: expected '---'"):
        parse_runbook("# Just markdown\n", name="x", source="x.md", policy=POLICY)
    with pytest.raises(RunbookError, match="closing '---'"):
        parse_runbook("---\ntitle: X\n# no end\n", name="x", source="x.md", policy=POLICY)


def test_the_playbook_runbook_dir_is_relative_to_the_playbook_file(tmp_path: Path):
    folder = tmp_path / "books"
    folder.mkdir()
    (folder / "ours.md").write_text("---\ntitle: Ours\nalerts: [HighErrorRate]\n---\nbody\n")
    (folder / "notes.txt").write_text("not a runbook")
    policy = RunbookPolicy(dir="books")
    [ours] = load_runbooks(policy, tmp_path / "playbook.yaml")
    assert (ours.name, ours.title, ours.body) == ("ours", "Ours", "body\n")
    with pytest.raises(RunbookError, match="expected an existing folder"):
        load_runbooks(RunbookPolicy(dir="missing"), tmp_path / "playbook.yaml")
    (folder / "broken.md").write_text("---\ntitle: B\nlabels: [x]\n---\n")
    with pytest.raises(RunbookError, match=r"broken\.md:\n  - labels: expected a mapping"):
        load_runbooks(policy, tmp_path / "playbook.yaml")


def test_the_api_request_names_steps_and_refuses_definitions():
    assert DiagnoseRequest.model_validate({"steps": ["api_health"]}).steps == ["api_health"]
    assert DiagnoseRequest.model_validate({}).steps == []
    for body in (
        {"steps": [{"name": "x", "kind": "shell", "command": "id"}]},
        {"kind": "shell", "command": "id"},
        {"steps": ["x"], "command": "id"},
    ):
        with pytest.raises(ValidationError, match="definitions cannot be submitted"):
            DiagnoseRequest.model_validate(body)
    with pytest.raises(ValidationError, match="expected a step name"):
        DiagnoseRequest.model_validate({"steps": ["rm -rf /"]})


def test_output_is_capped_on_character_boundaries_and_secrets_masked():
    assert cap("short", 100) == ("short", 0)
    text, cut = cap("é" * 10, 5)  # 2 bytes each: never half a character
    assert (text, cut) == ("éé", 15)
    line = "connect postgresql://app:hunter2@db:5432/x failed; token=abc"
    assert mask(line) == "connect postgresql://app:****@db:5432/x failed; token=abc"
    assert mask("password hunter2 leaked", ("hunter2",)) == "password **** leaked"


def test_promql_values_from_alerts_cannot_end_the_string():
    assert escape('a"} or vector(1) #') == 'a\\"} or vector(1) #'


def test_postmortem_investigation_facts_come_from_diagnostic_events():
    from datetime import UTC, datetime

    from warroom.incidents.models import TimelineEventRead
    from warroom.postmortem.facts import diagnostics

    at = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    data = {"step": "api_health", "kind": "http", "status": "failed", "summary": "HTTP 503",
            "duration_seconds": 0.02, "trigger": "open"}  # fmt: skip
    timeline = [
        TimelineEventRead(id=1, at=at, kind="opened", actor="warroom", message="o", data={}),
        TimelineEventRead(id=2, at=at, kind="diagnostic", actor="warroom:guide", message="d",
                          data=data),
    ]  # fmt: skip
    [found] = diagnostics(timeline)
    assert (found.step, found.status, found.summary, found.trigger) == (
        "api_health", "failed", "HTTP 503", "open",
    )  # fmt: skip
