"""People and teams: the effective list (playbook + directory) and the directory's changes."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Body

from warroom.api.deps import Admin, ContainerDep, Viewer
from warroom.errors import InvalidInput
from warroom.oncall import directory
from warroom.oncall.directory import EntryRead
from warroom.storage.bounds import JsonObject

router = APIRouter(prefix="/api/v1/oncall", tags=["oncall"])

Plural = Literal["people", "teams"]
KIND: dict[str, directory.Kind] = {"people": "person", "teams": "team"}


@router.get("/{plural}", response_model=list[EntryRead])
def list_entries(plural: Plural, container: ContainerDep, _: Viewer) -> list[EntryRead]:
    """Everyone (or every team) in effect, and whether the playbook or the directory says so."""
    kind = KIND[plural]
    listed = getattr(container.playbook.oncall, plural)
    with container.db.read() as session:
        return [
            EntryRead(
                kind=kind,
                name=item.name,
                source=directory.source_of(session, kind, item.name),
                spec=item.model_dump(mode="json", by_alias=True, exclude_none=True),
            )
            for item in listed
        ]


@router.put("/{plural}/{name}", response_model=EntryRead)
def put_entry(
    plural: Plural,
    name: str,
    container: ContainerDep,
    who: Admin,
    spec: JsonObject = Body(..., examples=[{"contacts": [{"channel": "log", "to": "ann"}]}]),
) -> EntryRead:
    """Add a person or team, or replace one by name (the playbook's stays underneath)."""
    if spec.setdefault("name", name) != name:
        raise InvalidInput(f"the body names {spec['name']!r} but the path {name!r}")
    kind = KIND[plural]
    with container.db.session() as session:
        row, _ = directory.put(
            session=session,
            kind=kind,
            spec=spec,
            base=container.base_playbook(),
            actor=who.actor,
            now=container.clock(),
        )
        read = EntryRead(kind=kind, name=row.name, source="directory", spec=row.spec)
    container.refresh_directory(force=True)
    return read


@router.delete("/{plural}/{name}", status_code=204)
def delete_entry(plural: Plural, name: str, container: ContainerDep, who: Admin) -> None:
    """Remove what the directory added; a playbook entry is changed in the playbook."""
    with container.db.session() as session:
        directory.remove(
            session=session,
            kind=KIND[plural],
            name=name,
            base=container.base_playbook(),
            actor=who.actor,
            now=container.clock(),
        )
    container.refresh_directory(force=True)
