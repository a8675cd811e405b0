"""The interface every diagnostic kind implements, and what a step gets to work with.

A kind is one module with a ``run(step, target) -> Outcome`` function::

    def run(step: HttpStep, target: Target) -> Outcome:
        ...                                   # talk to the outside world, within target.timeout
        return Outcome("ok", "HTTP 200 in 12 ms", output=body)

``ok`` means the check passed and ``failed`` that it found a problem (status 500, a query
value over its threshold). When the step cannot give an answer at all (unreachable, timed
out, not configured) the kind raises ``DiagnosticError``; the runner records that as
``error``. Kinds enforce ``target.timeout`` themselves (client timeouts, statement timeouts,
killing a process) so that nothing keeps running after the step gave up.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from warroom.errors import DiagnosticError
from warroom.playbook.guide import RunbookPolicy
from warroom.storage.engine import Database

Status = Literal["ok", "failed", "error"]
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Outcome:
    status: Status
    summary: str
    output: str = ""
    #: Bytes the kind already dropped while reading (it never holds more than it may keep).
    dropped_bytes: int = 0


@dataclass(frozen=True)
class Target:
    """Everything a step may use, gathered before any slow call."""

    incident_id: str
    service: str | None
    labels: dict[str, str]
    severity: str
    policy: RunbookPolicy
    now: datetime
    timeout: float
    max_output_bytes: int
    db: Database
    secrets: tuple[str, ...] = field(default=())

    def render(self, template: str, quote: Callable[[str], str]) -> str:
        """``$name`` / ``${name}`` filled in: the incident's id, service, alertname and
        severity, the playbook's ``runbooks.variables``, then the incident's labels. Values
        that come from alerts (anyone who can send one) are quoted for where they land; the
        playbook's variables are the admin's and go in as written."""
        labels = {k: quote(v) for k, v in self.labels.items() if k.isidentifier()}
        builtins = {
            "incident_id": self.incident_id,
            "service": self.service or "",
            "alertname": self.labels.get("alertname", ""),
            "severity": self.severity,
        }
        values = {**labels, **self.policy.variables, **{k: quote(v) for k, v in builtins.items()}}
        try:
            return string.Template(template).substitute(values)
        except KeyError as exc:
            name = exc.args[0]
            raise DiagnosticError(
                f"unknown variable ${name}: set runbooks.variables.{name} in the playbook "
                "(or send the label with the alert)"
            ) from None
        except ValueError as exc:
            raise DiagnosticError(f"bad placeholder in {template!r}: {exc}") from None


def expand_env(value: str, what: str) -> str:
    """Replace ``${VAR}`` with the environment variable (DiagnosticError when it is unset)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise DiagnosticError(f"{what}: environment variable {name} is not set")
        return os.environ[name]

    return _ENV.sub(one, value)


def verbatim(value: str) -> str:
    return value
