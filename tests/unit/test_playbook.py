from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from warroom.errors import PlaybookError
from warroom.playbook.durations import format_duration, parse_duration
from warroom.playbook.loader import (
    default_playbook_text,
    dump_playbook,
    load_playbook,
    parse_playbook,
)


def test_default_encodes_seed_000_levels() -> None:
    pb = load_playbook()
    assert list(pb.severity_levels) == ["P0", "P1", "P2", "P3", "P4"]
    p0 = pb.severity_levels["P0"]
    assert p0.description == "Complete service outage or data loss"
    assert p0.response_time == timedelta(minutes=5)
    assert p0.escalation == "Page on-call + ML lead + CTO"
    assert p0.communication == "Status page + customer notifications"
    assert p0.resolution_target == timedelta(minutes=30)
    assert pb.severity_levels["P1"].response_time == timedelta(minutes=15)
    assert pb.severity_levels["P1"].resolution_target == timedelta(hours=2)
    assert pb.severity_levels["P4"].response_time == timedelta(hours=24)
    names = [r.name for r in pb.classification.rules]
    assert names == [
        "p0-outage",
        "p1-severe-degradation",
        "p2-moderate-impact",
        "p2-drift",
        "p3-minor-issue",
        "p3-drift",
    ]


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
            "classification.rules[0].conditions[0].op: expected '<', '<=', '>', '>=', '==' or "
            "'!=', got '=>'",
        ),
        ("auto_resolve: false", "auto_resolv: false", "auto_resolv: unknown key"),
        ("response_time: 15m", "response_time: soon", "severity_levels.P1.response_time:"),
        ("    severity: P3\n", "    severity: P7\n", "classification.rules[4].severity: expected"),
        ("  P4:\n", "  P9:\n", "severity_levels"),
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


def test_bad_duration_says_what_is_expected(tmp_path: Path) -> None:
    path = _broken(tmp_path, "response_time: 15m", "response_time: soon")
    with pytest.raises(PlaybookError, match="expected a duration like 30s, 5m"):
        load_playbook(path)


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
    with pytest.raises(PlaybookError, match="expected a mapping, got list"):
        load_playbook(tmp_path / "list.yaml")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1h30m", 5400), ("1d", 86400), ("500ms", 0.5), ("2w", 1209600)],
)
def test_durations(text: str, seconds: float) -> None:
    parsed = parse_duration(text)
    assert parsed.total_seconds() == seconds
    assert parse_duration(format_duration(parsed)) == parsed


@pytest.mark.parametrize("text", ["", "5", "5 minutes", "m5", "1h-5m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(text)
