"""Cross-references in a playbook, checked on the raw YAML data: people in schedules and
policies, schedules in teams, teams in routes, channels in contacts, policies by severity.

The schema's own checks of these (``Oncall``, ``Playbook``) run only once everything they
hold is valid, and name no key path; checking the raw data as well lets ``playbook validate``
report every broken reference with its key path in the same run as the schema errors. Pure:
it only reads the mapping it is given, whatever its shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

_DEFINED = (
    ("people", "person"),
    ("teams", "team"),
    ("schedules", "schedule"),
    ("escalation_policies", "escalation policy"),
)


def reference_problems(data: Any) -> list[str]:
    """Every broken or repeated name in ``data`` (a parsed playbook), as ``key.path: problem``."""
    if not isinstance(data, dict):
        return []
    oncall = _map(data.get("oncall"))
    known = {key: _names(oncall.get(key)) for key, _ in _DEFINED}
    channels = _names(data.get("channels"))
    return [
        *_repeated(oncall),
        *_contacts(oncall, channels),
        *_schedules(oncall, known["people"]),
        *_teams(oncall, known["schedules"], known["people"]),
        *_policies(oncall, known["people"], known["schedules"]),
        *_routing(oncall, known["teams"], known["escalation_policies"]),
    ]


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, item in enumerate(value if isinstance(value, list) else []):
        if isinstance(item, dict):
            yield i, item


def _names(value: Any) -> set[str]:
    return {item["name"] for _, item in _items(value) if isinstance(item.get("name"), str)}


def _unknown(path: str, kind: str, value: Any, known: set[str]) -> list[str]:
    if not isinstance(value, str) or value in known:
        return []
    names = sorted(known)
    listed = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "") or "none defined"
    return [f"{path}: unknown {kind} {value!r} (known: {listed})"]


def _repeated(oncall: dict[str, Any]) -> Iterator[str]:
    for key, kind in _DEFINED:
        seen: set[str] = set()
        for i, item in _items(oncall.get(key)):
            name = item.get("name")
            if not isinstance(name, str):
                continue
            if name in seen:
                yield f"oncall.{key}[{i}].name: {kind} {name!r} is defined twice"
            seen.add(name)


def _contacts(oncall: dict[str, Any], channels: set[str]) -> Iterator[str]:
    for i, person in _items(oncall.get("people")):
        for j, contact in _items(person.get("contacts")):
            path = f"oncall.people[{i}].contacts[{j}].channel"
            yield from _unknown(path, "channel", contact.get("channel"), channels)
    for i, team in _items(oncall.get("teams")):
        if isinstance(team.get("channel"), dict):
            path = f"oncall.teams[{i}].channel.channel"
            yield from _unknown(path, "channel", team["channel"].get("channel"), channels)
        for key in ("stakeholders", "customers"):
            for j, contact in _items(team.get(key)):
                path = f"oncall.teams[{i}].{key}[{j}].channel"
                yield from _unknown(path, "channel", contact.get("channel"), channels)


def _schedules(oncall: dict[str, Any], people: set[str]) -> Iterator[str]:
    for i, schedule in _items(oncall.get("schedules")):
        for j, layer in _items(schedule.get("layers")):
            members = layer.get("members")
            for k, member in enumerate(members if isinstance(members, list) else []):
                path = f"oncall.schedules[{i}].layers[{j}].members[{k}]"
                yield from _unknown(path, "person", member, people)
        for j, override in _items(schedule.get("overrides")):
            path = f"oncall.schedules[{i}].overrides[{j}].person"
            yield from _unknown(path, "person", override.get("person"), people)


def _teams(oncall: dict[str, Any], schedules: set[str], people: set[str]) -> Iterator[str]:
    for i, team in _items(oncall.get("teams")):
        for role, schedule in _map(team.get("oncall")).items():
            yield from _unknown(f"oncall.teams[{i}].oncall.{role}", "schedule", schedule, schedules)
        yield from _unknown(f"oncall.teams[{i}].manager", "person", team.get("manager"), people)


def _policies(oncall: dict[str, Any], people: set[str], schedules: set[str]) -> Iterator[str]:
    for i, policy in _items(oncall.get("escalation_policies")):
        for j, level in _items(policy.get("levels")):
            for k, target in _items(level.get("targets")):
                path = f"oncall.escalation_policies[{i}].levels[{j}].targets[{k}]"
                yield from _unknown(f"{path}.person", "person", target.get("person"), people)
                yield from _unknown(
                    f"{path}.schedule", "schedule", target.get("schedule"), schedules
                )


def _routing(oncall: dict[str, Any], teams: set[str], policies: set[str]) -> Iterator[str]:
    for i, route in _items(oncall.get("routes")):
        yield from _unknown(f"oncall.routes[{i}].team", "team", route.get("team"), teams)
    yield from _unknown("oncall.default_team", "team", oncall.get("default_team"), teams)
    for severity, policy in _map(oncall.get("policy_by_severity")).items():
        path = f"oncall.policy_by_severity.{severity}"
        yield from _unknown(path, "escalation policy", policy, policies)
