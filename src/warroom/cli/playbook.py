"""``warroom playbook ...``: the playbook file: validate, show."""

from pathlib import Path

import typer

from warroom.cli.common import console, group

app = group("The playbook: severity levels and rules.")


@app.command("validate")
def playbook_validate(file: Path = typer.Argument(..., help="playbook YAML file")) -> None:
    """Check a playbook file; print every problem with its key path, in one run."""
    from warroom.playbook.loader import load_playbook

    playbook = load_playbook(file)
    rules = len(playbook.classification.rules)
    levels = ", ".join(playbook.severity_levels)
    console.print(
        f"[green]ok[/green] {file}: {rules} classification rules, levels {levels}",
        soft_wrap=True,
    )


@app.command("show")
def playbook_show(
    file: Path = typer.Option(
        None, metavar="FILE", help="default: the playbook warroom uses (WARROOM_PLAYBOOK, ...)"
    ),
    effective: bool = typer.Option(
        False, "--effective", help="every setting with its default filled in, as YAML"
    ),
) -> None:
    """Print the playbook warroom uses, as written (comments kept), after checking it:
    WARROOM_PLAYBOOK, else WARROOM_HOME/playbook.yaml, else the shipped one."""
    from warroom.config import Settings
    from warroom.playbook.loader import default_playbook_text, dump_playbook, load_playbook

    path = file or Settings().playbook
    playbook = load_playbook(path)  # refuses an invalid file with every problem
    if effective:
        print(dump_playbook(playbook), end="")
        return
    print(default_playbook_text() if path is None else path.expanduser().read_text(), end="")
