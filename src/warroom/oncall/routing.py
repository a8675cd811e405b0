"""Routing and escalation decisions: pure functions over playbook data and plain values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.oncall.schedules import on_call
from warroom.playbook.oncall import EscalationPolicy, Level, Oncall, Route, Target, Team


def route(routes: list[Route], labels: dict[str, str], default: str | None = None) -> str | None:
    """The team of the first route whose every matcher (anchored regex) matches."""
    for candidate in routes:
        if all(re.fullmatch(p, labels.get(k, "")) for k, p in candidate.match.items()):
            return candidate.team
    return default


def levels_for(policy: EscalationPolicy, severity: str) -> list[Level]:
    """The policy's levels that apply to this severity."""
    return [lv for lv in policy.levels if lv.severities is None or severity in lv.severities]


@dataclass(frozen=True)
class Step:
    level: int
    cycle: int
    offset: timedelta  # since the incident opened


def step(policy: EscalationPolicy, levels: list[Level], level: int, cycle: int) -> Step:
    """Where (level ``level`` of cycle ``cycle``) falls after the incident opened."""
    period = levels[-1].after + policy.repeat_after
    return Step(level, cycle, period * cycle + levels[level].after)


def next_step(policy: EscalationPolicy, levels: list[Level], current: Step) -> Step | None:
    """The step after ``current``: the next level, or level 0 of the next cycle, or None."""
    if current.level + 1 < len(levels):
        return step(policy, levels, current.level + 1, current.cycle)
    if current.cycle < policy.repeat:
        return step(policy, levels, 0, current.cycle + 1)
    return None


def resolve(oncall: Oncall, team: Team | None, target: Target, at: datetime) -> str | None:
    """The person a target means at ``at`` (None: nobody, e.g. an empty schedule)."""
    if target.person:
        return target.person
    if target.team_manager:
        return team.manager if team else None
    name = target.schedule or (team.oncall.get(target.oncall or "") if team else None)
    schedule = oncall.schedule(name) if name else None
    return on_call(schedule, at) if schedule else None


def people_for(oncall: Oncall, team: Team | None, level: Level, at: datetime) -> list[str]:
    """Everyone a level pages, once each, in target order."""
    found = (resolve(oncall, team, t, at) for t in level.targets)
    return list(dict.fromkeys(p for p in found if p))
