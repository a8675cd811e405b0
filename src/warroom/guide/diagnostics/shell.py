"""Shell commands an admin declared in the playbook (never from a runbook or the API).

The command runs with ``/bin/sh -c`` in its own process group, so a timeout kills it and
everything it started; only the first ``max_output_bytes`` of its output are kept.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import threading
from typing import IO

from warroom.errors import DiagnosticError
from warroom.guide.diagnostics.base import Outcome, Target
from warroom.playbook.guide import ShellStep


def run(step: ShellStep, target: Target) -> Outcome:
    command = target.render(step.command, shlex.quote)
    try:
        proc = subprocess.Popen(
            ["/bin/sh", "-c", command],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        raise DiagnosticError(f"cannot start /bin/sh: {exc.strerror}") from None
    assert proc.stdout is not None
    kept = bytearray()
    counted = [0]
    reader = threading.Thread(
        target=_drain, args=(proc.stdout, kept, target.max_output_bytes, counted), daemon=True
    )
    reader.start()
    try:
        code = proc.wait(timeout=target.timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise DiagnosticError(f"command did not finish within {target.timeout:g}s") from None
    finally:
        reader.join(timeout=1)
    output = f"$ {command}\n" + kept.decode("utf-8", errors="replace")
    dropped = counted[0] - len(kept)
    if code == 0:
        return Outcome("ok", "exit status 0", output=output, dropped_bytes=dropped)
    return Outcome("failed", f"exit status {code}", output=output, dropped_bytes=dropped)


def _drain(stream: IO[bytes], kept: bytearray, limit: int, counted: list[int]) -> None:
    """Read everything (a full pipe would block the command) but keep only ``limit`` bytes."""
    with stream:
        for chunk in iter(lambda: stream.read(65536), b""):
            counted[0] += len(chunk)
            kept += chunk[: max(limit - len(kept), 0)]


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
