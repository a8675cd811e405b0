"""Which checklist tasks warroom checks itself, and from which recorded facts: pure.

A task whose title asks for something warroom does or records (acknowledging, paging,
opening the war room, posting updates, a verified rollback, drafting the postmortem, ...) is
checked off by ``warroom`` as soon as the fact is on the incident's timeline, with the
timeline entry as its evidence. Tasks that need a person's judgement ("Root cause
identified", "User-facing functionality works correctly") are never checked automatically.

Titles are matched by the phrases in :data:`RULES` (case-insensitive), so a team playbook
that words a task the same way gets the same help. Facts come from timeline events
(:func:`facts_of`): the timeline is the one record every part of warroom writes to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom.playbook.terms import STATUS_RANK


@dataclass(frozen=True)
class Fact:
    """Something warroom recorded about an incident, and where it says so."""

    key: str
    evidence: str


# Task title phrase → the fact that checks the task. First match wins.
RULES: tuple[tuple[str, str], ...] = (
    (r"\bstatus page\b.*\bresolved\b", "public_resolved"),
    (r"\backnowledge the incident\b", "acknowledged"),
    (r"\bpage\b", "paged"),
    (r"\bwar room\b|\bcommunication channel\b", "war_room"),
    (r"\bbegin investigation\b", "investigating"),
    (r"\btracking ticket\b", "tracked"),
    (r"\bcommand structure\b|\bincident commander\b", "commander"),
    (r"\bassemble\b.*\bresponse team\b", "team"),
    (r"\bresolution notification\b|\bincident channel\b.*\bresolved\b", "update_resolved"),
    (r"\bstakeholder communication\b|\bstakeholders notified\b", "update"),
    (r"\bno related alerts\b", "alerts_resolved"),
    (r"\berror rates? ha(?:s|ve) returned to baseline\b", "rollback_verified"),
    (r"\ball affected services are operational\b", "rollback_verified"),
    (r"\bmitigation\b", "mitigated"),
    (r"\bpostmortem completed\b", "postmortem_published"),
    (r"\bpost-incident review\b|\bdocument timeline\b", "postmortem_drafted"),
    (r"\baction items assigned\b", "action_owned"),
)
_COMPILED = tuple((re.compile(pattern, re.IGNORECASE), fact) for pattern, fact in RULES)

# Timeline kinds that can carry a fact (others are never looked at).
KINDS = frozenset(
    {
        "status",
        "acknowledged",
        "page",
        "chat_room",
        "note",
        "opened",
        "declared",
        "role",
        "update",
        "alerts_resolved",
        "rollback",
        "mitigation",
        "postmortem",
        "action_item",
    }
)


def wanted(title: str) -> str | None:
    """The fact that checks a task with this title, or None when a person must."""
    for pattern, fact in _COMPILED:
        if pattern.search(title):
            return fact
    return None


def evidence(message: str, actor: str, at: datetime) -> str:
    return f"{message} ({actor}, {at:%Y-%m-%d %H:%M:%S} UTC)"[:2000]


def facts_of(
    kind: str, data: dict[str, Any], *, message: str, actor: str, at: datetime, by_person: bool
) -> list[Fact]:
    """The facts one timeline event records (``by_person``: a person, not warroom, did it)."""
    if kind not in KINDS:
        return []
    found = _keys(kind, data, by_person)
    said = evidence(message, actor, at)
    return [Fact(key, said) for key in found]


def _keys(kind: str, data: dict[str, Any], by_person: bool) -> list[str]:
    if kind == "status":
        rank = STATUS_RANK.get(str(data.get("to")), 0)
        keys = ["acknowledged"] if by_person and rank >= STATUS_RANK["acknowledged"] else []
        if by_person and rank >= STATUS_RANK["investigating"]:
            keys.append("investigating")
        # The public status page follows the incident: once resolved, it says so there.
        if rank >= STATUS_RANK["resolved"]:
            keys.append("public_resolved")
        return keys
    if kind == "update":
        resolved = data.get("status") == "resolved"
        public = resolved and data.get("public") is True
        return (
            ["update"]
            + (["update_resolved"] if resolved else [])
            + (["public_resolved"] if public else [])
        )
    if kind == "rollback":
        return ["rollback_verified", "mitigated"] if data.get("state") == "succeeded" else []
    if kind == "postmortem":  # "status" is "draft" when drafted, {"from", "to"} on a change
        status = data.get("status")
        now_status = status.get("to") if isinstance(status, dict) else status
        published = now_status == "published"
        drafted = now_status is not None
        return (["postmortem_drafted"] if drafted else []) + (
            ["postmortem_published"] if published else []
        )
    return _simple(kind, data, by_person)


def _simple(kind: str, data: dict[str, Any], by_person: bool) -> list[str]:
    if kind == "acknowledged":
        return ["acknowledged"]
    if kind == "page":
        return ["paged"]
    if kind == "chat_room":
        return [] if data.get("archived") else ["war_room"]
    if kind == "note":
        return ["investigating"] if by_person else []
    if kind in ("opened", "declared"):
        return ["tracked"]
    if kind == "role":
        return ["team"] + (["commander"] if data.get("role") == "incident_commander" else [])
    if kind == "alerts_resolved":
        return ["alerts_resolved"]
    if kind == "mitigation":
        return ["mitigated"]
    if kind == "action_item":
        return ["action_owned"] if data.get("owner") else []
    return []


def first_facts(facts: list[Fact]) -> dict[str, Fact]:
    """The earliest evidence of each fact (``facts`` oldest first)."""
    out: dict[str, Fact] = {}
    for fact in facts:
        out.setdefault(fact.key, fact)
    return out
