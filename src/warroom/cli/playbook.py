"""``warroom playbook ...``: the playbook file: validate, show."""

from pathlib import Path

import typer

from warroom.cli.common import console, group

app = group("The playbook: severity levels and rules.")


@app.command("validate")
def playbook_validate(file: Path = typer.Argument(..., help="playbook YAML file")) -> None:
    """Check a playbook file; print every problem with its key path."""
    from warroom.playbook.loader import load_playbook

    playbook = load_playbook(file)
    rules = len(playbook.classification.rules)
    levels = ", ".join(playbook.severity_levels)
    console.print(f"[green]ok[/green] {file}: {rules} classification rules, levels {levels}")


@app.command("show")
def playbook_show(
    file: Path = typer.Option(None, help="default: WARROOM_PLAYBOOK or shipped"),
) -> None:
    """Print the effective playbook as YAML."""
    from warroom.config import Settings
    from warroom.playbook.loader import dump_playbook, load_playbook

    print(dump_playbook(load_playbook(file or Settings().playbook)), end="")
