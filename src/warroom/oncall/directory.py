"""People and teams managed from the API and CLI, on top of the playbook's declarations.

The playbook stays the declarative source; the directory adds people and teams, or replaces
one the playbook declares under the same name (a new phone number without a redeploy). Only
what the directory added can be removed through it: a playbook entry is changed by editing
the playbook. Every change is validated against the whole playbook first (a team's schedule,
a contact's channel must exist), so a bad entry is refused, never half-applied.

Each process reads the directory into its playbook when it starts and again within
``WARROOM_DIRECTORY_REFRESH`` seconds of a change made elsewhere (``Container.refresh_directory``);
the process that made the change applies it at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.audit import service as audit
from warroom.errors import Conflict, InvalidInput, NotFound
from warroom.oncall.models import DirectoryEntry
from warroom.playbook.oncall import Person, Team
from warroom.playbook.schema import Playbook

Kind = Literal["person", "team"]
MODELS: dict[str, type[Person] | type[Team]] = {"person": Person, "team": Team}
Version = tuple[int, datetime | None]


def overlay(playbook: Playbook, entries: Sequence[DirectoryEntry]) -> Playbook:
    """The playbook with the directory's people and teams added or replacing by name."""
    if not entries:
        return playbook
    data = playbook.model_dump(mode="json", by_alias=True)
    for entry in entries:
        key = "people" if entry.kind == "person" else "teams"
        listed = [x for x in data["oncall"][key] if x["name"] != entry.name]
        data["oncall"][key] = [*listed, entry.spec]
    return Playbook.model_validate(data)


def overlay_valid(
    playbook: Playbook, entries: Sequence[DirectoryEntry]
) -> tuple[Playbook, list[str]]:
    """Like :func:`overlay`, skipping (and naming) entries the playbook no longer accepts,
    e.g. after a channel they use was removed from the file."""
    current, skipped = playbook, []
    for entry in entries:
        try:
            current = overlay(current, [entry])
        except ValidationError:
            skipped.append(f"{entry.kind} {entry.name}")
    return current, skipped


def version(session: Session) -> Version:
    """Changes to the directory change this (count, newest change)."""
    count, newest = session.execute(
        select(func.count(DirectoryEntry.id), func.max(DirectoryEntry.updated_at))
    ).one()
    return int(count), newest


def entries(session: Session) -> list[DirectoryEntry]:
    return list(session.scalars(select(DirectoryEntry).order_by(DirectoryEntry.id)))


def put(
    *,
    session: Session,
    kind: Kind,
    spec: dict[str, Any],
    base: Playbook,
    actor: str,
    now: datetime,
) -> tuple[DirectoryEntry, Playbook]:
    """Add or replace one person or team; returns it and the playbook it makes."""
    try:
        parsed = MODELS[kind].model_validate(spec)
    except ValidationError as exc:
        raise InvalidInput(f"invalid {kind}: {_first_error(exc)}") from exc
    found = _find(session, kind, parsed.name)
    row = found or DirectoryEntry(kind=kind, name=parsed.name)
    row.spec = parsed.model_dump(mode="json", by_alias=True, exclude_none=True)
    row.updated_at, row.updated_by = now, actor
    others = [e for e in entries(session) if (e.kind, e.name) != (kind, parsed.name)]
    try:
        merged = overlay(base, [*others, row])
    except ValidationError as exc:
        problem = _first_error(exc)
        raise InvalidInput(f"{kind} {parsed.name!r} does not fit the playbook: {problem}") from exc
    replaces = found is not None or getattr(base.oncall, kind)(parsed.name) is not None
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action=f"directory.{kind}.{'replace' if replaces else 'add'}",
        target=f"{kind}:{parsed.name}",
        now=now,
        spec=row.spec,
    )
    return row, merged


def remove(
    *, session: Session, kind: Kind, name: str, base: Playbook, actor: str, now: datetime
) -> Playbook:
    """Remove what the directory added (a playbook entry it replaced comes back)."""
    row = _find(session, kind, name)
    if row is None:
        in_playbook = getattr(base.oncall, kind)(name) is not None
        if in_playbook:
            raise Conflict(f"{kind} {name!r} is declared in the playbook: edit the playbook")
        raise NotFound(f"no {kind} {name!r} in the directory")
    others = [e for e in entries(session) if e.id != row.id]
    try:
        merged = overlay(base, others)
    except ValidationError as exc:  # e.g. a team's schedule still names this person
        raise Conflict(f"cannot remove {kind} {name!r}: {_first_error(exc)}") from exc
    session.delete(row)
    audit.record(
        session=session,
        actor=actor,
        action=f"directory.{kind}.remove",
        target=f"{kind}:{name}",
        now=now,
    )
    return merged


def source_of(session: Session, kind: Kind, name: str) -> str:
    """Where an effective person or team comes from: ``directory`` or ``playbook``."""
    return "directory" if _find(session, kind, name) else "playbook"


def _find(session: Session, kind: str, name: str) -> DirectoryEntry | None:
    return session.scalars(
        select(DirectoryEntry).where(DirectoryEntry.kind == kind, DirectoryEntry.name == name)
    ).first()


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


class EntryRead(BaseModel):
    kind: str
    name: str
    source: str
    spec: dict[str, Any]
