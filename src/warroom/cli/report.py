"""``warroom report``: response metrics (MTTD, MTTA, MTTR, MTBF, SLA, follow-up, rollbacks),
through the HTTP API."""

from datetime import datetime
from typing import Any

import typer
from rich.table import Table

from warroom.cli.common import JSON_OPTION, TOKEN_OPTION, URL_OPTION, Api, console, print_json

MEASURES = ("mttd", "mtta", "mttr")


def _secs(value: float | None) -> str:
    if value is None:
        return "—"
    minutes, seconds = divmod(round(value), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{seconds:02d}s" if hours else f"{minutes}m{seconds:02d}s"


def _when(value: str | None, open_end: str) -> str:
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M UTC") if value else open_end


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def report(
    since: datetime = typer.Option(
        None, help="incidents detected at or after (UTC; default: 30 days before --until)"
    ),
    until: datetime = typer.Option(None, help="incidents detected before (UTC; default: now)"),
    url: str = URL_OPTION,
    token: str = TOKEN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Response metrics: MTTD, MTTA, MTTR, MTBF, counts, SLA, follow-up, rollbacks."""
    params = {
        k: v.isoformat() + ("" if v.tzinfo else "+00:00")
        for k, v in (("since", since), ("until", until))
        if v is not None
    }
    data = Api(url, token).call("GET", "/api/v1/reports/response", params=params)
    if as_json:
        print_json(data)
        return
    for table in tables(data):
        console.print(table)


def tables(data: dict[str, Any]) -> list[Table]:
    """The report as tables: period, response times by severity, services, follow-up."""
    period = data["period"]
    r, inc = data["response"], data["incidents"]
    span = f"{_when(period['since'], 'ever')} → {_when(period['until'], 'now')}"
    times = Table("severity", "incidents", "MTTD", "MTTA", "MTTR", title=f"Incidents {span}")
    for severity, b in r["by_severity"].items():
        times.add_row(severity, str(b["count"]), *(_secs(b[f"{m}_seconds"]) for m in MEASURES))
    times.add_row("all", str(inc["total"]), *(_secs(r[f"{m}_seconds"]) for m in MEASURES))
    more = inc.get("by_service_next")
    caption = (
        f"the first services by name; the API's services_after={more} goes on" if more else None
    )
    services = Table("service", "incidents", "MTBF", title="By service", caption=caption)
    for service, n in inc["by_service"].items():
        services.add_row(service, str(n), _secs(data["mtbf_seconds"].get(service)))
    causes = Table("root cause", "incidents", title="By root cause")
    for cause, n in inc["by_root_cause"].items():
        causes.add_row(cause, str(n))
    return [times, services, causes, _follow_up(data)]


def _follow_up(data: dict[str, Any]) -> Table:
    sla, pm, act, rb = data["sla"], data["postmortems"], data["action_items"], data["rollbacks"]
    r = data["response"]
    table = Table("measure", "value", "detail", title="Follow-up")
    ack, res = sla["acknowledgement"], sla["resolution"]
    table.add_row(
        "never acknowledged", str(r["never_acknowledged"]), f"{r['unresolved']} unresolved"
    )
    table.add_row("acknowledged in time", _pct(ack["rate"]), f"{ack['met']} of {ack['eligible']}")
    table.add_row("resolved in target", _pct(res["rate"]), f"{res['met']} of {res['eligible']}")
    overdue = ", ".join(pm["overdue"]) or "none overdue"
    table.add_row("postmortems on time", _pct(pm["rate"]), overdue)
    table.add_row("action items on time", _pct(act["rate"]), f"{len(act['overdue'])} overdue")
    durations = rb["duration_seconds"]
    table.add_row(
        "rollbacks succeeded",
        _pct(rb["success_rate"]),
        f"{rb['count']} run, p50 {_secs(durations['p50'])}, p95 {_secs(durations['p95'])}",
    )
    return table
