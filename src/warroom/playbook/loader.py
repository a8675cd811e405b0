"""Load and validate playbooks; every problem names the file, the key path and the expectation."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from warroom.errors import PlaybookError
from warroom.playbook.schema import Playbook

DEFAULT_NAME = "default.yaml"


def default_playbook_text() -> str:
    return resources.files("warroom.playbook").joinpath(DEFAULT_NAME).read_text(encoding="utf-8")


@functools.cache
def _default() -> Playbook:
    return parse_playbook(default_playbook_text(), source=f"<shipped {DEFAULT_NAME}>")


def load_playbook(path: Path | None = None) -> Playbook:
    """The playbook at ``path``, or the shipped default when None."""
    if path is None:
        return _default()
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlaybookError(str(path), ["file not found"]) from None
    except OSError as exc:
        raise PlaybookError(str(path), [f"cannot read file: {exc.strerror}"]) from None
    return parse_playbook(text, source=str(path))


def parse_playbook(text: str, *, source: str) -> Playbook:
    """Validate playbook YAML text; PlaybookError lists every problem."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PlaybookError(source, [f"{where}invalid YAML: {problem}"]) from None
    if data is None:
        raise PlaybookError(source, ["file is empty: expected a mapping with severity_levels"])
    if not isinstance(data, dict):
        raise PlaybookError(source, [f"top level: expected a mapping, got {type(data).__name__}"])
    try:
        return Playbook.model_validate(data)
    except ValidationError as exc:
        raise PlaybookError(source, [_describe(e) for e in exc.errors()]) from None


def _describe(error: Any) -> str:
    path = _key_path(error["loc"])
    expectation = error["msg"]
    if expectation.startswith("Value error, "):
        expectation = expectation.removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"{path}: unknown key (check the spelling)"
    if error["type"] == "missing":
        return f"{path}: required key is missing"
    expectation = expectation.replace("Input should be", "expected", 1)
    return f"{path}: {expectation[0].lower()}{expectation[1:]}, got {error.get('input')!r}"


def _key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith("function-") or part in ("constrained-str", "lax-or-strict"):
            continue  # pydantic validator names, not keys
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def dump_playbook(playbook: Playbook) -> str:
    """The playbook as YAML (durations in their compact form)."""
    data = playbook.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
