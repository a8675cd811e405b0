"""``warroom evidence export``: the evidence package (Protocol 25), written from this machine's
database."""

from pathlib import Path

import typer

from warroom.cli.common import console, group, local

app = group("The evidence package (Protocol 25).")


@app.command("export")
def evidence_export(
    directory: Path,
    incident: str = typer.Option(None, "--incident", help="only this incident"),
) -> None:
    """Write the evidence package from this machine's database (WARROOM_DATABASE_URL)."""
    from warroom.reports import evidence

    with local() as container, container.db.read() as session:
        files = evidence.export(
            session=session,
            playbook=container.playbook,
            directory=directory,
            now=container.clock(),
            incident_id=incident,
        )
    console.print(f"{len(files)} files written to {directory}")
