"""Runbooks: Markdown files with a YAML front-matter, and which one applies to an incident.

A runbook file looks like::

    ---
    title: "Runbook: High Error Rate"
    alerts: [HighErrorRate]
    diagnostics:
      - {name: errors_by_endpoint, kind: promql, query: 'sum(rate(...[5m])) by (endpoint)'}
      - recent_changes          # a step declared in the playbook's runbooks.diagnostics
    causes:
      - {cause: Model not loaded, action: "Restart the API container"}
    ---
    # Runbook: High Error Rate
    ...

Its name is the file name without ``.md``. The folder is the playbook's ``runbooks.dir``
(relative to the playbook file) or the shipped one. A bad file is refused with its path, the
key path and what was expected, like a bad playbook.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from warroom.errors import RunbookError
from warroom.playbook.guide import KINDS, STEP_NAME, RunbookMeta, RunbookPolicy, Step, StepRef
from warroom.playbook.loader import _describe, _StrictLoader

FENCE = "---"


@dataclass(frozen=True)
class Runbook:
    name: str
    source: str
    meta: RunbookMeta
    body: str
    steps: tuple[Step, ...]

    @property
    def title(self) -> str:
        return self.meta.title


def shipped_dir() -> Traversable:
    """The runbooks that come with warroom (the AI photo detector playbook's five alerts and a
    generic one)."""
    return resources.files("warroom.playbook").joinpath("runbooks")


def runbook_dir(policy: RunbookPolicy, playbook_path: Path | None) -> Traversable:
    """The playbook's runbook folder (relative to the playbook file), or the shipped one."""
    if policy.dir is None:
        return shipped_dir()
    path = Path(policy.dir).expanduser()
    if not path.is_absolute() and playbook_path is not None:
        path = Path(playbook_path).expanduser().parent / path
    return path


def load_runbooks(policy: RunbookPolicy, playbook_path: Path | None) -> tuple[Runbook, ...]:
    """Every ``*.md`` runbook in the playbook's folder, by name (RunbookError on a bad one)."""
    folder = runbook_dir(policy, playbook_path)
    if not folder.is_dir():
        raise RunbookError(str(folder), ["runbooks.dir: expected an existing folder of *.md"])
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".md")), key=lambda f: f.name)
    return tuple(
        parse_runbook(
            f.read_text(encoding="utf-8"),
            name=f.name.removesuffix(".md"),
            source=str(f),
            policy=policy,
        )
        for f in files
    )


def parse_runbook(text: str, *, name: str, source: str, policy: RunbookPolicy) -> Runbook:
    """Validate one runbook's text; RunbookError lists every problem."""
    if not re.match(STEP_NAME, name):
        expected = "expected letters, digits, '.', '_' or '-'"
        raise RunbookError(source, [f"file name: {expected}, got {name!r}"])
    front, body = _split(text, source)
    try:
        data = yaml.load(front, Loader=_StrictLoader)  # a SafeLoader: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 2}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RunbookError(source, [f"{where}invalid YAML front-matter: {problem}"]) from None
    if not isinstance(data, dict):
        raise RunbookError(source, ["front-matter: expected a mapping with at least a title"])
    try:
        meta = RunbookMeta.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(_untagged(e), RunbookMeta) for e in exc.errors()]
        raise RunbookError(source, problems) from None
    return Runbook(name, source, meta, body.strip() + "\n", _resolve(meta, policy, source))


def _untagged(error: Any) -> Any:
    """pydantic puts the step's kind into the key path (diagnostics.0.http.url); drop it."""
    loc = tuple(error["loc"])
    kept = [p for i, p in enumerate(loc) if not (p in KINDS and i and isinstance(loc[i - 1], int))]
    return {**error, "loc": tuple(kept)}


def _split(text: str, source: str) -> tuple[str, str]:
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].strip() != FENCE:
        raise RunbookError(source, ["line 1: expected '---' opening the YAML front-matter"])
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == FENCE:
            return "".join(lines[1:i]), "".join(lines[i + 1 :])
    raise RunbookError(source, ["front-matter: expected a closing '---' line"])


def _resolve(meta: RunbookMeta, policy: RunbookPolicy, source: str) -> tuple[Step, ...]:
    """Inline steps as they are; names looked up in the playbook's declared steps."""
    steps: list[Step] = []
    problems = []
    declared = ", ".join(s.name for s in policy.diagnostics) or "none declared"
    for i, item in enumerate(meta.diagnostics):
        if not isinstance(item, StepRef):
            steps.append(item)
            continue
        found = policy.step(item.name)
        if found is None:
            problems.append(
                f"diagnostics[{i}]: unknown step {item.name!r}; expected an inline step or a name "
                f"declared in the playbook's runbooks.diagnostics ({declared})"
            )
        else:
            steps.append(found)
    if problems:
        raise RunbookError(source, problems)
    return tuple(steps)


def applies(runbook: Runbook, labels: Mapping[str, str]) -> bool:
    """Whether the runbook is for an incident with these labels (alertname included)."""
    meta = runbook.meta
    if meta.alerts and labels.get("alertname") not in meta.alerts:
        return False
    return all(labels.get(k) == v for k, v in meta.labels.items())


def match(runbooks: Iterable[Runbook], labels: Mapping[str, str]) -> Runbook | None:
    """The most specific runbook that applies: one naming the alert beats one that does not,
    then more label matchers win, then the name breaks a tie. A runbook naming no alert and no
    label (the generic one) applies to every incident."""
    candidates = [r for r in runbooks if applies(r, labels)]
    if not candidates:
        return None
    return min(candidates, key=lambda r: (not r.meta.alerts, -len(r.meta.labels), r.name))


def available_steps(runbook: Runbook | None, policy: RunbookPolicy) -> dict[str, Step]:
    """Steps that may run on an incident: its runbook's, then the playbook's declared ones."""
    steps: dict[str, Step] = {s.name: s for s in runbook.steps} if runbook else {}
    for step in policy.diagnostics:
        steps.setdefault(step.name, step)
    return steps


def find(runbooks: Iterable[Runbook], name: str) -> Runbook | None:
    """The runbook with this name, or None."""
    return next((r for r in runbooks if r.name == name), None)
