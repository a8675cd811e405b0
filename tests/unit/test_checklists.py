"""Checklists → tasks: which items an incident gets per phase and severity (pure)."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from warroom.errors import PlaybookError
from warroom.playbook.loader import default_playbook_text, load_playbook, parse_playbook
from warroom.playbook.tasks import Checklist
from warroom.tasks.checklists import blocking_message, due, missing, phases_entered


def _checklists() -> list[Checklist]:
    return [
        Checklist(name="first", phase="triggered", items=["Acknowledge", "Page"]),
        Checklist(
            name="big-only", phase="investigating", severities=["P0", "P1"], items=["War room"]
        ),
        Checklist(
            name="closure",
            phase="resolved",
            items=["Status page", {"title": "Prevention", "required": False}],
        ),
    ]


def test_phases_entered_counts_skipped_phases_but_not_reopen_history() -> None:
    assert phases_entered(None, "triggered") == ["triggered"]
    assert phases_entered("triggered", "acknowledged") == ["acknowledged"]
    assert phases_entered("investigating", "resolved") == [
        "identified",
        "mitigating",
        "monitoring",
        "resolved",
    ]
    assert phases_entered("resolved", "investigating") == ["investigating"]
    assert phases_entered("monitoring", "closed") == ["resolved", "closed"]


def test_due_filters_by_phase_and_severity_in_lifecycle_order() -> None:
    lists = _checklists()
    titles = [d.title for d in due(lists, phases=["resolved", "investigating"], severity="P1")]
    assert titles == ["War room", "Status page", "Prevention"]
    assert [d.title for d in due(lists, phases=["investigating"], severity="P3")] == []
    closure = due(lists, phases=["resolved"], severity="P3")
    assert [(d.title, d.required, d.position) for d in closure] == [
        ("Status page", True, 0),
        ("Prevention", False, 1),
    ]


def test_missing_skips_items_the_incident_already_has() -> None:
    wanted = due(_checklists(), phases=["triggered"], severity="P2")
    assert [d.title for d in missing(wanted, {("first", "Acknowledge")})] == ["Page"]
    assert missing(wanted, {("first", "Acknowledge"), ("first", "Page")}) == []


def test_blocking_message_lists_each_open_task_and_how_to_proceed() -> None:
    text = blocking_message("INC-1", [(4, "Status page"), (9, "Root cause identified")], [])
    assert "INC-1 cannot be closed: 2 required tasks are still open" in text
    assert "#4 Status page; #9 Root cause identified" in text
    assert "warroom incident check INC-1 TASK" in text
    later = due(_checklists(), phases=["resolved"], severity="P2")[:1]
    text = blocking_message("INC-1", [], later)
    assert "1 required task is still open: Status page (from closure, added on resolved)" in text
    assert "move the incident to resolved first" in text


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"name": "x", "phase": "closed", "items": ["a"]}, "phase"),
        ({"name": "x", "phase": "triggered", "items": []}, "at least 1 item"),
        ({"name": "x", "phase": "triggered", "items": ["a", "a"]}, "repeated: ['a']"),
        ({"name": "x", "phase": "triggered", "items": ["a"], "severities": ["P9"]}, "P0"),
        ({"name": "x", "phase": "triggered", "items": [{"title": "a", "owner": "b"}]}, "extra"),
    ],
)
def test_bad_checklists_are_refused_with_the_reason(spec: dict[str, object], expected: str) -> None:
    with pytest.raises(ValidationError) as info:
        Checklist.model_validate(spec)
    assert expected in str(info.value)


def test_shipped_playbook_encodes_the_seed_checklists() -> None:
    lists = {c.name: c for c in load_playbook().checklists}
    assert lists["initial-response"].phase == "triggered"
    assert [i.title for i in lists["initial-response"].items][:2] == [
        "Acknowledge the incident",
        "Assess initial severity and impact",
    ]
    assert lists["assessment"].phase == "investigating"
    assert lists["war-room"].severities == ["P0", "P1"]
    assert len(lists["resolution-verification"].items) == 6
    assert lists["closure"].phase == "resolved"
    gate3 = {i.title: i.required for i in lists["gate-post-incident"].items}
    assert gate3["Root cause identified"] and not gate3["Prevention measures implemented"]


def test_a_playbook_with_two_checklists_of_one_name_is_refused_with_its_path() -> None:
    data = yaml.safe_load(default_playbook_text())
    data["checklists"].append({"name": "closure", "phase": "resolved", "items": ["Again"]})
    with pytest.raises(PlaybookError) as info:
        parse_playbook(yaml.safe_dump(data), source="team.yaml")
    assert "team.yaml" in str(info.value)
    assert "checklist names must be unique; repeated: closure" in str(info.value)
