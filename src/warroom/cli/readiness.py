"""``warroom readiness``: is this setup ready for the next incident?"""

from typing import TYPE_CHECKING

import typer
from rich.table import Table

from warroom.cli.common import JSON_OPTION, console, err_console, local_actor, print_json

if TYPE_CHECKING:
    from warroom.config import Settings
    from warroom.readiness.checks import Check


def readiness(
    send_test: bool = typer.Option(
        False, "--send-test", help="send every channel a test message (it reaches people)"
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check for real that the playbook is valid, on-call covers the next 14 days, everyone
    paged has a real contact (not the log channel, not a placeholder address), channels work,
    every model service can be rolled back, and the last drill is recent. Exits 1 and lists
    what is not ready."""
    from warroom.config import Settings
    from warroom.readiness import checks, service
    from warroom.readiness.checks import Check

    settings = Settings()
    found = [service.playbook_check(settings)]
    if found[0].ok:
        found += _gather(settings, send_test)
    else:
        found.append(Check("setup", False, "not checked: fix the playbook first"))
    result = checks.report(found)
    if as_json:
        print_json(result)
    else:
        console.print(_table(found))
    if not result["ready"]:
        failed = ", ".join(c.name for c in found if not c.ok)
        err_console.print(f"[red]not ready:[/red] {failed}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)


def _gather(settings: "Settings", send_test: bool) -> "list[Check]":
    from warroom.bootstrap import bootstrap
    from warroom.cli.common import check_database
    from warroom.errors import WarroomError
    from warroom.readiness import service
    from warroom.readiness.checks import Check

    check_database(settings)  # an empty new database would only say "nothing is ready"
    try:  # runbooks, database: anything that keeps warroom from starting is not ready
        container = bootstrap(settings, migrate=True)
    except WarroomError as exc:
        return [Check("setup", False, f"warroom cannot start: {exc}")]
    try:
        return service.gather(
            env=container, now=container.clock(), send_test=send_test, actor=local_actor()
        )
    finally:
        container.close()


def _table(found: "list[Check]") -> Table:
    table = Table("check", "ok", "detail")
    for c in found:
        table.add_row(c.name, "[green]ready[/green]" if c.ok else "[red]NOT READY[/red]", c.detail)
    return table
