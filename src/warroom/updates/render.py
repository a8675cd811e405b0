"""Render a status update for one audience with the communication templates of the incident-response
documents warroom follows.

Three audiences, three templates (``templates/``): ``internal`` (the ML platform runbook's
communication
template with the SmartCloudOps procedures' status-update fields) for the team's room,
``stakeholders`` (an
e-mail for managers and support) and ``customers`` (the SmartCloudOps procedures' customer notice,
initial or
resolution wording by status; only for updates posted as public). Each template's first line
is ``Subject: ...``. Pure: plain values in, text out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).parent / "templates"
AUDIENCES = {
    "internal": "internal_update.txt.j2",
    "stakeholders": "stakeholder_email.txt.j2",
    "customers": "customer_notice.txt.j2",
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def _utc(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _duration(value: timedelta) -> str:
    minutes = max(0, int(value.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text for chat and mail, never HTML
        keep_trailing_newline=True,
    )
    env.filters["utc"] = _utc
    return env


def render(
    audience: str, *, incident: Any, update: Any, roles: dict[str, str], now: datetime
) -> Rendered:
    """The subject and body of ``update`` on ``incident`` for ``audience``."""
    template = _environment().get_template(AUDIENCES[audience])
    text = template.render(
        incident=incident,
        update=update,
        roles=_Roles(roles),
        duration=_duration(now - incident.started_at),
    )
    first, _, rest = text.lstrip().partition("\n")
    return Rendered(subject=first.removeprefix("Subject:").strip()[:300], body=rest.strip())


class _Roles(dict[str, str]):
    """Role → person; a role nobody holds reads as empty instead of failing the render."""

    def __getattr__(self, name: str) -> str:
        return self.get(name, "")
