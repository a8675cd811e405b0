from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from warroom.errors import PlaybookError
from warroom.playbook.durations import format_duration, parse_duration
from warroom.playbook.loader import (
    default_playbook_text,
    dump_playbook,
    load_playbook,
    parse_playbook,
)
from warroom.playbook.schema import Grouping


def test_default_encodes_seed_000_levels() -> None:
    levels = load_playbook().severity_levels
    assert list(levels) == ["P0", "P1", "P2", "P3", "P4"]
    p0 = levels["P0"]
    assert p0.name == "Critical"
    assert p0.description == "Complete service outage or data loss"
    assert p0.examples[0] == "Model serving endpoint completely down"
    assert p0.response_time_text == "Immediate (< 5 min)"
    assert p0.escalation == "Page on-call + ML lead + CTO"
    assert p0.communication == "Status page + customer notifications"
    assert levels["P4"].escalation == "None"
    minutes = {s: level.response_time / timedelta(minutes=1) for s, level in levels.items()}
    assert minutes == {"P0": 5, "P1": 15, "P2": 60, "P3": 240, "P4": 1440}
    # Protocol 25's MTTR targets and the ML platform runbook's update cadence
    targets = {s: level.resolution_target for s, level in levels.items()}
    assert targets == {
        "P0": timedelta(minutes=30),
        "P1": timedelta(hours=2),
        "P2": None,
        "P3": None,
        "P4": None,
    }
    cadence = {s: level.update_every for s, level in levels.items()}
    assert cadence == {
        "P0": timedelta(minutes=15),
        "P1": timedelta(minutes=30),
        "P2": timedelta(hours=1),
        "P3": None,
        "P4": None,
    }


def test_default_encodes_the_classifier_as_data() -> None:
    policy = load_playbook().classification
    rules = [
        (r.name, r.severity, r.match, [(c.metric, c.op, c.value) for c in r.conditions])
        for r in policy.rules
    ]
    assert rules == [
        ("p0-outage", "P0", "any", [("availability", "<", 0.5), ("error_rate", ">", 0.5)]),
        (
            "p1-severe-degradation",
            "P1",
            "any",
            [
                ("accuracy_drop", ">", 0.2),
                ("latency_increase_pct", ">", 2.0),
                ("error_rate", ">", 0.1),
                ("mae_increase_pct", ">", 1.0),
            ],
        ),
        (
            "p2-moderate-impact",
            "P2",
            "any",
            [
                ("accuracy_drop", ">", 0.1),
                ("latency_increase_pct", ">", 0.5),
                ("error_rate", ">", 0.05),
                ("mae_increase_pct", ">", 0.5),
            ],
        ),
        ("p2-drift", "P2", "any", [("drift_score", ">", 0.30)]),
        (
            "p3-minor-issue",
            "P3",
            "any",
            [("accuracy_drop", ">", 0.05), ("mae_increase_pct", ">", 0.2)],
        ),
        ("p3-drift", "P3", "any", [("drift_score", ">", 0.15)]),
        ("p3-input-drift", "P3", "any", [("input_drift_share", ">=", 0.5)]),
    ]
    assert policy.default_severity == "P4"
    assert policy.explicit_severity == "highest"
    labels = {
        "critical": "P1",
        "page": "P1",
        "high": "P1",
        "error": "P2",
        "warning": "P3",
        "info": "P4",
        "none": "P4",
    }
    for source in ("alertmanager", "grafana", "generic", "detector"):
        assert policy.source_severity[source] == labels
    assert policy.source_severity["pagerduty"] == {
        "critical": "P1",
        "error": "P2",
        "warning": "P3",
        "info": "P4",
    }
    bands = [(b.min_affected_pct, b.inclusive, b.severity) for b in policy.impact_matrix]
    assert bands == [(75, False, "P0"), (25, True, "P1"), (5, True, "P2"), (0, True, "P3")]


def test_default_grouping_and_auto_resolve() -> None:
    pb = load_playbook()
    assert pb.version == 1 and pb.name == "default"
    assert pb.grouping.labels == ["service", "version", "alertname"]
    assert pb.grouping.family_of("ServiceDown") == pb.grouping.family_of("HighErrorRate")
    assert pb.grouping.family_of("HighLatency") == pb.grouping.family_of("DriftDetected")
    assert pb.grouping.family_of("HighMemoryUsage") == "HighMemoryUsage"
    assert pb.grouping.window == timedelta(hours=1)
    assert pb.auto_resolve is False


def test_dump_round_trips() -> None:
    pb = load_playbook()
    text = dump_playbook(pb)
    assert "response_time: 5m" in text
    assert parse_playbook(text, source="dumped") == pb


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = default_playbook_text()
    assert old in text
    path = tmp_path / "team-playbook.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            '{metric: availability, op: "<", value: 0.5}',
            '{metric: availability, op: "=>", value: 0.5}',
            "classification.rules[0].conditions[0].op: expected one of '<', '<=', '>', '>=', "
            "'==', '!=', got '=>'",
        ),
        (
            "auto_resolve: false",
            "auto_resolv: false",
            "auto_resolv: unknown key (check the spelling); expected one of version, name,",
        ),
        (
            "    name: Critical\n",
            "    name: Critical\n    colour: red\n",
            "severity_levels.P0.colour: unknown key (check the spelling); expected one of name,",
        ),
        (
            "response_time: 15m",
            "response_time: soon",
            "severity_levels.P1.response_time: expected a duration like 30s, 5m, 1h30m or 1d, "
            "got 'soon'",
        ),
        (
            "response_time: 15m",
            "response_time: -5",
            "severity_levels.P1.response_time: expected a duration of 0s or more, got -5",
        ),
        (
            "window: 1h",
            "window: .inf",
            "grouping.window: expected a duration shorter than",
        ),
        (
            "    severity: P3\n",
            "    severity: P7\n",
            "classification.rules[4].severity: expected one of 'P0', 'P1', 'P2', 'P3', 'P4', "
            "got 'P7'",
        ),
        (
            "  P4:\n",
            "  P9:\n",
            "severity_levels.P9: unknown key, expected one of 'P0', 'P1', 'P2', 'P3', 'P4', "
            "got 'P9'",
        ),
        (
            '{metric: accuracy_drop, op: ">", value: 0.05}',
            '{metric: accuracy_drop, op: ">", value: five}',
            "classification.rules[4].conditions[0].value: expected a valid number",
        ),
        (
            '      conditions:\n        - {metric: accuracy_drop, op: ">", value: 0.05}\n'
            '        - {metric: mae_increase_pct, op: ">", value: 0.2}\n',
            "      conditions: []\n",
            "classification.rules[4].conditions: expected at least 1 item(s), got []",
        ),
        (
            "    - name: p2-drift",
            "    - name: p0-outage",
            "classification.rules: rule names must be unique; repeated: p0-outage",
        ),
        (
            "    - {min_affected_pct: 0, severity: P3}\n",
            "    - {min_affected_pct: 0, severity: P3}\n"
            "    - {min_affected_pct: 50, severity: P1}\n",
            "classification.impact_matrix: list bands from the highest min_affected_pct down",
        ),
        ("version: 1", "version: 2", "version: expected 1, got 2"),
    ],
)
def test_bad_playbook_names_file_path_and_expectation(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    path = _broken(tmp_path, old, new)
    with pytest.raises(PlaybookError) as err:
        load_playbook(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_missing_level_is_named(tmp_path: Path) -> None:
    text = default_playbook_text()
    start, end = text.index("  P4:\n"), text.index("\nclassification:")
    path = tmp_path / "four-levels.yaml"
    path.write_text(text[:start] + text[end:])
    with pytest.raises(PlaybookError) as err:
        load_playbook(path)
    assert str(path) in str(err.value)
    assert "severity_levels: every level P0..P4 must be defined; missing P4" in str(err.value)


def test_duplicate_key_is_refused_with_its_line(tmp_path: Path) -> None:
    path = _broken(tmp_path, "auto_resolve: false", "auto_resolve: false\nauto_resolve: true")
    with pytest.raises(PlaybookError) as err:
        load_playbook(path)
    line = path.read_text().splitlines().index("auto_resolve: true") + 1
    assert f"line {line}, column 1: invalid YAML: duplicate key 'auto_resolve'" in str(err.value)


def test_yaml_merge_keys_are_not_duplicates() -> None:
    text = default_playbook_text().replace(
        "grouping:\n  labels: [service, version, alertname]\n  window: 1h\n",
        "grouping: &g\n  labels: [service, version, alertname]\n  window: 1h\n"
        "x-copy:\n  <<: *g\n  window: 2h\n",
    )
    with pytest.raises(PlaybookError) as err:
        parse_playbook(text, source="merged.yaml")
    [problem] = err.value.problems
    assert problem.startswith("x-copy: unknown key (check the spelling); expected one of version,")


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    path = tmp_path / "pb.yaml"
    path.write_text("version: 1\nseverity_levels: [unclosed\n")
    with pytest.raises(PlaybookError, match=r"line \d+, column \d+: invalid YAML"):
        load_playbook(path)


def test_missing_empty_and_non_mapping_files(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError, match="file not found"):
        load_playbook(tmp_path / "nope.yaml")
    (tmp_path / "empty.yaml").write_text("")
    with pytest.raises(PlaybookError, match="file is empty"):
        load_playbook(tmp_path / "empty.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n")
    with pytest.raises(PlaybookError, match="top level: expected a mapping, got list"):
        load_playbook(tmp_path / "list.yaml")
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(PlaybookError, match="expected UTF-8 text"):
        load_playbook(tmp_path / "binary.yaml")


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError) as err:
        load_playbook(tmp_path / "nope.yaml")
    assert err.value.source == str(tmp_path / "nope.yaml")
    assert err.value.problems == ["file not found"]


def test_default_is_parsed_once() -> None:
    assert load_playbook() is load_playbook()


def test_duration_fields_take_seconds_and_print_compactly() -> None:
    grouping = Grouping.model_validate({"window": 90})
    assert grouping.window == timedelta(seconds=90)
    assert grouping.model_dump(mode="json")["window"] == "1m30s"
    assert Grouping.model_validate({"window": "1h30m"}).window == timedelta(minutes=90)
    with pytest.raises(ValidationError, match="expected a duration"):
        Grouping.model_validate({"window": True})


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("5m", 300),
        ("1h", 3600),
        ("24h", 86400),
        ("1h30m", 5400),
        ("1d", 86400),
        ("500ms", 0.5),
        ("2w", 1209600),
        ("0s", 0),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    parsed = parse_duration(text)
    assert parsed.total_seconds() == seconds
    assert parse_duration(format_duration(parsed)) == parsed


def test_format_duration() -> None:
    assert format_duration(timedelta(minutes=5)) == "5m"
    assert format_duration(timedelta(hours=24)) == "1d"
    assert format_duration(timedelta(hours=1, minutes=30)) == "1h30m"
    assert format_duration(timedelta(milliseconds=500)) == "500ms"
    assert format_duration(timedelta(0)) == "0s"


@pytest.mark.parametrize("text", ["", "5", "5 minutes", "m5", "1h-5m", "5M", "-5m", "1e3s"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(text)
