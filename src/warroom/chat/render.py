"""What warroom posts: the opening message, timeline lines, the approval prompt and the
room's topic, as plain text plus Slack Block Kit blocks. Pure functions over plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ACK = "warroom_ack"
ESCALATE = "warroom_escalate"
RESOLVE = "warroom_resolve"
APPROVE = "warroom_approve"
DECLINE = "warroom_decline"
RELEASE_APPROVE = "warroom_release_approve"
RELEASE_ABORT = "warroom_release_abort"
ACTIONS = (ACK, ESCALATE, RESOLVE, APPROVE, DECLINE, RELEASE_APPROVE, RELEASE_ABORT)

ROLE_TITLES = {
    "incident_commander": "Incident commander",
    "technical_lead": "Technical lead",
    "communications_lead": "Communications lead",
}


@dataclass(frozen=True)
class IncidentView:
    id: str
    title: str
    severity: str
    status: str
    service: str | None
    team: str | None
    known: str
    roles: dict[str, str] = field(default_factory=dict)
    console_url: str = ""
    runbook_url: str | None = None


def _button(text: str, action: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def incident_buttons(incident_id: str) -> dict[str, Any]:
    """Acknowledge, Escalate now, Resolve: on every page and the opening message."""
    return {
        "type": "actions",
        "block_id": f"incident:{incident_id}",
        "elements": [
            _button("Acknowledge", ACK, incident_id, "primary"),
            _button("Escalate now", ESCALATE, incident_id),
            _button("Resolve", RESOLVE, incident_id, "danger"),
        ],
    }


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def opening(view: IncidentView) -> tuple[str, list[dict[str, Any]]]:
    """The first message of the room (pinned): what it is, who leads, where to look."""
    lines = [
        f"*[{view.severity}] {view.id}: {view.title}*",
        f"Severity: {view.severity} · Status: {view.status} · Service: {view.service or '-'}"
        f" · Team: {view.team or '-'}",
        f"What is known: {view.known}",
    ]
    lines += [
        f"{title}: {view.roles.get(role) or 'unassigned'}" for role, title in ROLE_TITLES.items()
    ]
    links = [f"<{view.console_url}|Console>"] if view.console_url else []
    links += [f"<{view.runbook_url}|Runbook>"] if view.runbook_url else []
    if links:
        lines.append(" · ".join(links))
    text = "\n".join(lines)
    return text, [_section(text), incident_buttons(view.id)]


def page(*, subject: str, body: str, incident_id: str) -> tuple[str, list[dict[str, Any]]]:
    """A page sent to a person through the bot: what it is, with the incident's buttons."""
    text = f"*{subject}*\n{body}"
    return text, [_section(text), incident_buttons(incident_id)]


def topic(*, severity: str, status: str, commander: str | None) -> str:
    """The room's topic: severity · status · commander."""
    return f"{severity} · {status} · IC: {commander or 'unassigned'}"[:250]


def event_line(*, kind: str, actor: str, message: str, at: str) -> str:
    """One mirrored timeline event."""
    return f"`{at}` *{kind}* by {actor}: {message}"[:3000]


def approval(
    *,
    approval_id: int,
    incident_id: str,
    service: str,
    from_version: str | None,
    to_version: str,
    reason: str,
    figures: dict[str, float],
    expires: str,
) -> tuple[str, list[dict[str, Any]]]:
    """The rollback plan waiting for a person: from, to, why, the figures."""
    shown = ", ".join(f"{k} {v:g}" for k, v in sorted(figures.items())) or "none"
    text = (
        f"*Rollback waiting for approval* ({incident_id})\n"
        f"Roll back {service} from {from_version or '-'} to {to_version}\n"
        f"Why: {reason}\nFigures: {shown}\nExpires at {expires} if nobody decides."
    )
    buttons = {
        "type": "actions",
        "block_id": f"approval:{approval_id}",
        "elements": [
            _button("Approve rollback", APPROVE, str(approval_id), "primary"),
            _button("Decline", DECLINE, str(approval_id), "danger"),
        ],
    }
    return text, [_section(text), buttons]


def release_approval(
    *,
    release_id: int,
    step: int,
    service: str,
    version: str,
    stable_version: str | None,
    weight: float,
    judgement: str,
) -> tuple[str, list[dict[str, Any]]]:
    """A release waiting at an approval gate: what it is, the next share, the judgement so
    far; Approve moves it on, Abort sends the candidate's traffic back to the stable version."""
    text = (
        f"*Release {release_id} waiting for approval*\n"
        f"{service} {version} (stable {stable_version or '-'}) goes to {weight:g}% of "
        f"traffic once approved\nJudgement so far: {judgement or 'none yet'}"
    )
    value = f"{release_id}:{step}"
    buttons = {
        "type": "actions",
        "block_id": f"release:{release_id}:{step}",
        "elements": [
            _button("Approve", RELEASE_APPROVE, value, "primary"),
            _button("Abort release", RELEASE_ABORT, value, "danger"),
        ],
    }
    return text, [_section(text), buttons]


def decided(text: str, outcome: str) -> tuple[str, list[dict[str, Any]]]:
    """A prompt once decided: the same text, the buttons replaced by the outcome."""
    final = f"{text}\n*{outcome}*"
    return final, [_section(final)]
