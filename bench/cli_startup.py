"""CLI startup time: how long `warroom --help` and `warroom incident list --help` take, start
to exit, as real subprocesses of the installed `warroom` command (one warm-up run each, then
``--runs`` timed runs; median, min and max), and what importing the CLI loads: the total
import time of ``warroom.cli.main`` and the 5 modules under it with the largest cumulative
import time (``python -X importtime``). Commands import what they need when they run, so
these figures are what every `warroom` invocation pays before doing anything.

    .venv/bin/python bench/cli_startup.py [--runs 10]

The last line is one JSON object: {"help_s": <median>, "incident_list_help_s": <median>}.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

COMMANDS = {
    "help_s": ["--help"],
    "incident_list_help_s": ["incident", "list", "--help"],
}


def warroom_command() -> list[str]:
    """The `warroom` console script of this interpreter's environment, as users run it."""
    script = Path(sys.executable).with_name("warroom")
    if script.exists():
        return [str(script)]
    found = shutil.which("warroom")
    return [found] if found else [sys.executable, "-m", "warroom"]


def run_once(argv: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def timings(argv: list[str], runs: int) -> list[float]:
    run_once(argv)  # warm-up: bytecode caches, page cache
    return [run_once(argv) for _ in range(runs)]


def import_times(module: str = "warroom.cli.main") -> tuple[float, list[tuple[float, str]]]:
    """(total seconds, [(cumulative seconds, module)] of every module imported under it)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        check=True,
        capture_output=True,
        text=True,
    )
    rows: list[tuple[float, str]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((int(cumulative) / 1e6, name.strip()))
    total = next((s for s, name in rows if name == module), 0.0)
    return total, sorted((r for r in rows if r[1] != module), reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    warroom = warroom_command()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {' '.join(warroom)}, {args.runs} runs each")
    medians: dict[str, float] = {}
    for key, argv in COMMANDS.items():
        times = timings([*warroom, *argv], args.runs)
        medians[key] = statistics.median(times)
        print(
            f"warroom {' '.join(argv)}: median {medians[key]:.3f} s "
            f"(min {min(times):.3f}, max {max(times):.3f}; target < 0.5 s)"
        )
    total, modules = import_times()
    print(f"import warroom.cli.main: {total:.3f} s; largest cumulative imports under it:")
    for seconds, name in modules[:5]:
        print(f"  {seconds:.3f} s  {name}")
    print(json.dumps({key: round(value, 3) for key, value in medians.items()}))


if __name__ == "__main__":
    main()
