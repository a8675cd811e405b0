"""Playbook sections for on-call (``oncall:``) and notification channels (``channels:``)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from warroom.playbook.durations import Duration
from warroom.playbook.terms import Severity as SeverityStr


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Name = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$")


class Contact(Strict):
    channel: str = Field(min_length=1, description="name of a channel in `channels`")
    to: str = Field(default="", description="address on that channel; empty: the channel's own")


class Person(Strict):
    name: str = Name
    full_name: str = ""
    contacts: list[Contact] = Field(default_factory=list)


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_SHIFT_NAMES = {"daily": "1d", "weekly": "7d"}


class Layer(Strict):
    """A rotation: members take turns for ``shift`` each, the first from ``start``.

    ``start``'s local time of day is the handoff time (09:00 → every handoff at 09:00 in the
    schedule's zone, across DST). ``shift`` is ``daily``, ``weekly`` or any duration (``12h``,
    ``3d``). ``days`` and ``hours`` restrict the layer to part of the week or day (a weekend
    or business-hours layer over a weekly one); ``end`` retires it.
    """

    members: list[str] = Field(min_length=1)
    start: datetime = Field(description="first handoff; without an offset, schedule local time")
    shift: Duration = Field(default="7d", validate_default=True)
    end: datetime | None = Field(default=None, description="the layer stops here")
    days: list[Weekday] | None = Field(default=None, description="only on these local days")
    hours: str | None = Field(
        default=None, description="only between these local times, HH:MM-HH:MM (may wrap)"
    )

    @field_validator("shift", mode="before")
    @classmethod
    def _named_shift(cls, value: object) -> object:
        return _SHIFT_NAMES.get(value, value) if isinstance(value, str) else value

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        if value is not None and not _HOURS.match(value):
            raise ValueError(f"expected HH:MM-HH:MM like 09:00-17:00, got {value!r}")
        return value

    @model_validator(mode="after")
    def _positive(self) -> Layer:
        if self.shift.total_seconds() <= 0:
            raise ValueError("shift must be longer than 0s")
        return self


class Override(Strict):
    person: str
    start: datetime
    end: datetime


class Schedule(Strict):
    name: str = Name
    timezone: str = "UTC"
    # Later layers win where they have someone (a weekend layer over a weekly one).
    layers: list[Layer] = Field(min_length=1)
    overrides: list[Override] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name like Europe/Paris"
            ) from None
        return value


class Team(Strict):
    name: str = Name
    description: str = ""
    oncall: dict[str, str] = Field(
        default_factory=dict, description="role (primary, secondary) → schedule name"
    )
    manager: str | None = None
    channel: Contact | None = Field(default=None, description="team room for updates")
    stakeholders: list[Contact] = Field(
        default_factory=list, description="get every status update as the stakeholder e-mail"
    )
    customers: list[Contact] = Field(
        default_factory=list, description="get public status updates as the customer notice"
    )

    def contacts(self) -> list[Contact]:
        """Every address the team's updates go to."""
        return [*([self.channel] if self.channel else []), *self.stakeholders, *self.customers]


class Target(Strict):
    """Exactly one of: the routed team's on-call role, a schedule, a person, the team manager."""

    oncall: str | None = None
    schedule: str | None = None
    person: str | None = None
    team_manager: bool = False

    @model_validator(mode="after")
    def _exactly_one(self) -> Target:
        given = [self.oncall, self.schedule, self.person, self.team_manager or None]
        if sum(v is not None for v in given) != 1:
            raise ValueError("give exactly one of oncall, schedule, person, team_manager")
        return self


class Level(Strict):
    after: Duration = Field(description="since the incident opened (within one cycle)")
    targets: list[Target] = Field(min_length=1)
    severities: list[SeverityStr] | None = Field(
        default=None, description="only for these severities (default: all)"
    )


class EscalationPolicy(Strict):
    name: str = Name
    levels: list[Level] = Field(min_length=1)
    repeat: int = Field(default=0, ge=0, le=20, description="restarts of the whole chain")
    repeat_after: Duration = Field(default="15m", validate_default=True)

    @field_validator("levels")
    @classmethod
    def _ascending(cls, value: list[Level]) -> list[Level]:
        delays = [lv.after for lv in value]
        if delays != sorted(delays):
            raise ValueError("levels must be listed in order of `after`")
        return value


class Route(Strict):
    match: dict[str, str] = Field(
        default_factory=dict, description="label → anchored regex; empty: matches everything"
    )
    team: str

    @field_validator("match")
    @classmethod
    def _regexes(cls, value: dict[str, str]) -> dict[str, str]:
        for label, pattern in value.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{label}: not a valid regular expression: {exc}") from exc
        return value


class Oncall(Strict):
    people: list[Person] = Field(default_factory=list)
    teams: list[Team] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)
    escalation_policies: list[EscalationPolicy] = Field(default_factory=list)
    routes: list[Route] = Field(default_factory=list)
    default_team: str | None = Field(default=None, description="when no route matches")
    policy_by_severity: dict[SeverityStr, str | None] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> Oncall:
        problems = list(_reference_problems(self))
        if problems:  # a "reference" error: the loader reports these with key paths instead
            raise PydanticCustomError("reference", "{problems}", {"problems": "; ".join(problems)})
        return self

    def person(self, name: str) -> Person | None:
        return next((p for p in self.people if p.name == name), None)

    def team(self, name: str | None) -> Team | None:
        return next((t for t in self.teams if t.name == name), None)

    def schedule(self, name: str) -> Schedule | None:
        return next((s for s in self.schedules if s.name == name), None)

    def policy(self, name: str | None) -> EscalationPolicy | None:
        return next((p for p in self.escalation_policies if p.name == name), None)


def _reference_problems(oc: Oncall) -> list[str]:
    people = {p.name for p in oc.people}
    schedules = {s.name for s in oc.schedules}
    teams = {t.name for t in oc.teams}
    policies = {p.name for p in oc.escalation_policies}
    out = []
    for kind, names in (
        ("person", [p.name for p in oc.people]),
        ("team", [t.name for t in oc.teams]),
        ("schedule", [s.name for s in oc.schedules]),
        ("escalation policy", [p.name for p in oc.escalation_policies]),
    ):
        twice = sorted({n for n in names if names.count(n) > 1})
        out += [f"{kind} {n!r} is defined twice" for n in twice]
    for s in oc.schedules:
        members = [m for layer in s.layers for m in layer.members] + [o.person for o in s.overrides]
        out += [f"schedule {s.name!r}: unknown person {m!r}" for m in members if m not in people]
    for t in oc.teams:
        out += [
            f"team {t.name!r}: unknown schedule {s!r}"
            for s in t.oncall.values()
            if s not in schedules
        ]
        if t.manager and t.manager not in people:
            out.append(f"team {t.name!r}: unknown manager {t.manager!r}")
    for p in oc.escalation_policies:
        for target in (t for lv in p.levels for t in lv.targets):
            if target.person and target.person not in people:
                out.append(f"policy {p.name!r}: unknown person {target.person!r}")
            if target.schedule and target.schedule not in schedules:
                out.append(f"policy {p.name!r}: unknown schedule {target.schedule!r}")
    routed = [r.team for r in oc.routes] + ([oc.default_team] if oc.default_team else [])
    out += [f"route to unknown team {t!r}" for t in routed if t not in teams]
    out += [
        f"policy_by_severity.{sev}: unknown escalation policy {name!r}"
        for sev, name in oc.policy_by_severity.items()
        if name is not None and name not in policies
    ]
    return out


class ChannelConfig(Strict):
    """A way to reach people. ``url`` may hold secrets: write ``${ENV_VAR}`` to keep them out
    of the file; it is never logged, shown by the API or written to the timeline."""

    name: str = Name
    type: str = Field(min_length=1, description="webhook, slack, email, log or a plugin's name")
    url: str | None = None
    to: str | None = Field(default=None, description="default address (a room, a list)")
    options: dict[str, str | int | float | bool] = Field(default_factory=dict)
