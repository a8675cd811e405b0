"""Readiness tells the truth about paging: placeholders and log-only contacts reach nobody."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from warroom.playbook.loader import default_playbook_text, load_playbook
from warroom.playbook.schema import Playbook
from warroom.readiness import reach


@pytest.mark.parametrize(
    ("address", "placeholder"),
    [
        ("alice@example.com", True),
        ("oncall@mail.example.org", True),
        ("https://hooks.example.net/page", True),
        ("pager@corp.invalid", True),
        ("https://pager.test/hook", True),
        ("alice@acme.io", False),
        ("https://hooks.slack.com/services/T0/B0/x", False),
        ("U0123ABC", False),
        ("+33612345678", False),
        ("examples.com@acme.io", False),
    ],
)
def test_placeholder_addresses(address: str, placeholder: bool) -> None:
    assert reach.is_placeholder(address) is placeholder


def test_the_shipped_playbook_pages_nobody_and_says_who() -> None:
    playbook = load_playbook(None)
    found = {c.name: c for c in reach.paging_checks(playbook.oncall, playbook.channels)}
    assert set(found) == {
        "paging:backend",
        "paging:ml-engineering",
        "paging:infrastructure",
        "paging:escalation",
    }
    assert not any(c.ok for c in found.values())
    backend = found["paging:backend"].detail
    assert backend.startswith("3 of 3 cannot really be paged: ")
    assert "alice: log only writes to warroom's log" in backend and "eng-manager" in backend
    assert "cto: log only writes to warroom's log" in found["paging:escalation"].detail


def _playbook(**people: list[dict[str, str]]) -> Playbook:
    data: dict[str, Any] = yaml.safe_load(default_playbook_text())
    data["channels"] += [
        {"name": "pager", "type": "webhook", "url": "https://pager.acme.io/hook"},
        {"name": "mail", "type": "email", "url": "smtp://mail.acme.io:25"},
    ]
    for person in data["oncall"]["people"]:
        person["contacts"] = people.get(
            person["name"], [{"channel": "pager", "to": person["name"]}]
        )
    return Playbook.model_validate(data)


def test_ready_once_everyone_paged_has_a_real_contact() -> None:
    playbook = _playbook(
        alice=[{"channel": "log", "to": "alice"}, {"channel": "mail", "to": "alice@acme.io"}]
    )
    found = reach.paging_checks(playbook.oncall, playbook.channels)
    assert all(c.ok for c in found), found
    assert "alice, bob, eng-manager reachable" in found[0].detail


def test_one_placeholder_on_a_rotation_is_not_ready() -> None:
    playbook = _playbook(bob=[{"channel": "mail", "to": "bob@example.com"}])
    found = {c.name: c for c in reach.paging_checks(playbook.oncall, playbook.channels)}
    assert not found["paging:backend"].ok
    assert found["paging:backend"].detail == (
        "1 of 3 cannot really be paged: bob: bob@example.com is a placeholder address"
    )
    assert found["paging:ml-engineering"].ok and found["paging:escalation"].ok
