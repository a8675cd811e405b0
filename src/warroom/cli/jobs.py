"""``warroom jobs ...``: background jobs, through the HTTP API: list, retry; and failed
intake log rows: retry-intake."""

from typing import Any

import typer

from warroom.cli.common import (
    ALL_OPTION,
    JSON_OPTION,
    TOKEN_OPTION,
    URL_OPTION,
    Api,
    console,
    group,
    limit_option,
    print_json,
)
from warroom.cli.render import rows_table

app = group("Background jobs.")


@app.command("list")
def jobs_list(
    status: str = typer.Option(None, help="pending, running, done or dead"),
    kind: str = typer.Option(None, help="job kind, e.g. notify.deliver"),
    limit: int = limit_option(50),
    every: bool = ALL_OPTION,
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List jobs, newest first."""
    params: dict[str, Any] = {k: v for k, v in (("status", status), ("kind", kind)) if v}
    rows = Api(url, token).rows("/api/v1/jobs", params, limit=limit, every=every)
    if as_json:
        print_json(rows)
        return
    columns = ["id", "kind", "status", "due_at", "attempts", "last_error"]
    console.print(rows_table(rows, columns))


@app.command("retry")
def jobs_retry(job_id: int, url: str = URL_OPTION, token: str = TOKEN_OPTION) -> None:
    """Run a dead job again (admin)."""
    Api(url, token).call("POST", f"/api/v1/jobs/{job_id}/retry")
    console.print(f"job {job_id} is pending again")


@app.command("retry-intake")
def jobs_retry_intake(row_id: int, url: str = URL_OPTION, token: str = TOKEN_OPTION) -> None:
    """Ingest a failed intake log row again (admin); `GET /api/v1/health` lists them."""
    Api(url, token).call("POST", f"/api/v1/intake-log/{row_id}/retry")
    console.print(f"intake log row {row_id} is queued again")
