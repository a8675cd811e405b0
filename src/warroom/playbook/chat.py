"""Playbook section ``chat:``: a room per incident on a chat platform (Slack first).

Absent (the default), warroom opens no rooms and answers no chat requests. The bot token and
signing secret are written as ``${ENV_VAR}`` and read from the environment when used: they
are never logged, shown by the API or written to the timeline.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from warroom.playbook.durations import Duration
from warroom.playbook.terms import Severity

#: Timeline kinds a room mirrors by default: what the people in the room must see happen.
DEFAULT_MIRROR = [
    "status",
    "reopened",
    "acknowledged",
    "severity",
    "role",
    "rollback_requested",
    "rollback",
    "auto_rollback",
    "mitigation",
    "update",
    "escalation",
    "page",
]


def _room_severities() -> list[Severity]:
    return ["P0", "P1", "P2"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChatInvite(Strict):
    """Who is invited into an incident's room."""

    paged: bool = Field(default=True, description="every person paged for the incident")
    roles: bool = Field(default=True, description="every role holder, as they are assigned")
    team: bool = Field(
        default=True, description="the routed team's members (its schedules) and manager"
    )
    people: list[str] = Field(default_factory=list, description="always these people")


class ChatPolicy(Strict):
    type: str = Field(default="slack", min_length=1, description="slack or a plugin's name")
    token: str = Field(default="${SLACK_BOT_TOKEN}", description="bot token (xoxb-...)")
    signing_secret: str = Field(
        default="${SLACK_SIGNING_SECRET}", description="verifies requests from the platform"
    )
    base_url: str = Field(
        default="https://slack.com/api/", description="Web API address (tests: a local server)"
    )
    severities: list[Severity] = Field(default_factory=_room_severities)
    channel_name: str = Field(
        default="incident-{date}-{time}-{slug}",
        description="{date} YYYY-MM-DD, {time} HHMM (UTC, detection), {slug} of the title, "
        "{id} the incident id; lower-cased and cut to 80 characters",
    )
    private: bool = Field(default=False, description="open private channels")
    invite: ChatInvite = Field(default_factory=ChatInvite)
    mirror: list[str] = Field(
        default_factory=lambda: list(DEFAULT_MIRROR), description="timeline kinds posted"
    )
    archive_after: Duration = Field(
        default="24h", validate_default=True, description="after the incident is closed"
    )
    approval_expires: Duration = Field(
        default="15m", validate_default=True, description="a rollback approval prompt expires"
    )
    release_channel: str | None = Field(
        default=None,
        description="channel id where a release waiting at an approval gate is posted "
        "with Approve / Abort (the bot must be a member)",
    )
    release_approvers: list[str] = Field(
        default_factory=list,
        description="people (of the on-call directory) sent that prompt as a direct message",
    )
    runbook_url: str | None = Field(
        default=None, description="linked in the opening message; {service} is replaced"
    )
