"""Run an operator's rollback script, e.g. Protocol 25's ``rollback-script.sh``.

Called as ``SCRIPT INCIDENT_ID TARGET_VERSION ENVIRONMENT`` (Protocol 25's arguments) with
``WARROOM_SERVICE``, ``WARROOM_FROM_VERSION``, ``WARROOM_TO_VERSION``, ``WARROOM_ROLLBACK_ID``
in the environment; exit code 0 is success, anything else a failure; output is kept. The
script does the whole switch, so ``prepare`` only checks it is there and ``retire`` is
already done by it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

from warroom.deploy.backends.base import Backend, BackendError, RollbackPlan

OUTPUT_LIMIT = 64 * 1024


class CommandBackend(Backend):
    name = "command"
    capabilities = frozenset({"prepare", "switch"})

    def __init__(self) -> None:
        self.last_output = ""

    def _argv(self, plan: RollbackPlan) -> list[str]:
        command = plan.config.get("command")
        if not command:
            raise BackendError(f"{plan.service}: command backend needs backend_config.command")
        argv = shlex.split(command) if isinstance(command, str) else [str(c) for c in command]
        return [*argv, plan.incident_id or "", plan.to_version, plan.environment]

    def prepare(self, plan: RollbackPlan) -> dict[str, Any]:
        argv = self._argv(plan)
        script = Path(argv[0])
        if script.is_absolute() and not os.access(script, os.X_OK):
            raise BackendError(f"rollback command {script} is missing or not executable")
        return {"command": argv[0], "arguments": argv[1:]}

    def switch(self, plan: RollbackPlan) -> None:
        env = {
            **os.environ,
            "WARROOM_SERVICE": plan.service,
            "WARROOM_FROM_VERSION": plan.from_version or "",
            "WARROOM_TO_VERSION": plan.to_version,
            "WARROOM_ROLLBACK_ID": str(plan.rollback_id or ""),
        }
        try:
            done = subprocess.run(
                self._argv(plan),
                env=env,
                capture_output=True,
                text=True,
                timeout=plan.timeout_seconds,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise BackendError(
                f"rollback command timed out after {plan.timeout_seconds:g}s"
            ) from exc
        except OSError as exc:
            raise BackendError(f"cannot run rollback command: {exc}") from exc
        self.last_output = (done.stdout + done.stderr)[-OUTPUT_LIMIT:]
        if done.returncode != 0:
            raise BackendError(
                f"rollback command exited {done.returncode}: {self.last_output[-500:].strip()}"
            )

    def retire(self, plan: RollbackPlan) -> None:
        """The script already scaled the bad version down (Protocol 25 step 4)."""
