"""Load and validate playbooks; every problem names the file, the key path and the expectation."""

from __future__ import annotations

import functools
import types
import typing
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from warroom.errors import PlaybookError
from warroom.playbook.references import reference_problems
from warroom.playbook.schema import Playbook

DEFAULT_NAME = "default.yaml"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` may legitimately be overridden by later keys
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:
                continue  # unhashable key: the base class reports it
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
        return super().construct_mapping(node, deep=deep)


def default_playbook_text() -> str:
    """The shipped default playbook's YAML text."""
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
    except UnicodeDecodeError:
        raise PlaybookError(str(path), ["cannot read file: expected UTF-8 text"]) from None
    except OSError as exc:
        raise PlaybookError(str(path), [f"cannot read file: {exc.strerror}"]) from None
    return parse_playbook(text, source=str(path))


def parse_playbook(text: str, *, source: str) -> Playbook:
    """Validate playbook YAML text; PlaybookError lists every problem."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PlaybookError(source, [f"{where}invalid YAML: {problem}"]) from None
    if data is None:
        raise PlaybookError(source, ["file is empty: expected a mapping with severity_levels"])
    if not isinstance(data, dict):
        raise PlaybookError(source, [f"top level: expected a mapping, got {type(data).__name__}"])
    return _validate(data, source)


def _validate(data: dict[str, Any], source: str) -> Playbook:
    """Schema and references in one run: the broken references are found on the raw data
    (with key paths) even where the schema refused something else."""
    try:
        playbook: Playbook | None = Playbook.model_validate(data)
        errors: list[Any] = []
    except ValidationError as exc:
        playbook, errors = None, exc.errors()
    problems = [_describe(e) for e in errors if e["type"] != "reference"]
    problems += reference_problems(data)
    if not problems and playbook is None:  # a reference only the schema's check caught
        problems = [_describe(e) for e in errors]
    if problems or playbook is None:
        raise PlaybookError(source, problems)
    return playbook


def _describe(error: Any, root: type[BaseModel] = Playbook) -> str:
    """One problem as `key.path[i]: expected ..., got <input>` (``root``: the validated model)."""
    loc, kind, ctx = tuple(error["loc"]), error["type"], error.get("ctx") or {}
    is_key = "[key]" in loc  # pydantic's marker for a bad dict key rather than its value
    path = _key_path(loc)
    got = f", got {error.get('input')!r}"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1], root)
        hint = f"; expected one of {', '.join(allowed)}" if allowed else ""
        return f"{path}: unknown key (check the spelling){hint}"
    if kind == "reference":
        return f"{path}: {error['msg']}"
    if kind == "missing":
        return f"{path}: required key is missing"
    if kind == "value_error":
        # Our own validators already quote the input where it helps.
        return f"{path}: {error['msg'].removeprefix('Value error, ')}"
    if kind == "literal_error":
        options = str(ctx.get("expected", ""))
        if " or " in options:
            options = "one of " + options.replace(" or ", ", ")
        return f"{path}: {'unknown key, ' if is_key else ''}expected {options}{got}"
    if kind == "too_short":
        return f"{path}: expected at least {ctx.get('min_length')} item(s){got}"
    if kind in ("dict_type", "model_type"):
        return f"{path}: expected a mapping{got}"
    msg = str(error["msg"]).replace("Input should be", "expected", 1)
    return f"{path}: {msg[0].lower()}{msg[1:]}{got}"


def _key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]" or part.startswith("function-"):
            continue  # pydantic's markers and validator names, not keys
        elif part in ("constrained-str", "lax-or-strict"):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _allowed_keys(loc: tuple[Any, ...], root: type[BaseModel] = Playbook) -> list[str]:
    """The keys the model at ``loc`` accepts, or [] when ``loc`` is not a model."""
    node: Any = root
    for part in loc:
        node = _unwrap_optional(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(str(part))
            if field is None:
                return []
            node = field.annotation
        elif typing.get_origin(node) in (list, dict):
            node = typing.get_args(node)[-1]  # list item, or dict value
        else:
            return []
    node = _unwrap_optional(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return [field.alias or name for name, field in node.model_fields.items()]
    return []


def _unwrap_optional(node: Any) -> Any:
    if typing.get_origin(node) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(node) if a is not type(None)]
        return args[0] if len(args) == 1 else node
    return node


def dump_playbook(playbook: Playbook) -> str:
    """The playbook as YAML (durations in their compact form)."""
    data = playbook.model_dump(mode="json", exclude_none=True, by_alias=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
