"""``warroom report``: response metrics (MTTD, MTTA, MTTR, MTBF, SLA, follow-up, rollbacks),
through the HTTP API."""

from datetime import datetime

import typer

from warroom.cli.common import JSON_OPTION, TOKEN_OPTION, URL_OPTION, Api, console, print_json


def _secs(value: float | None) -> str:
    if value is None:
        return "—"
    minutes, seconds = divmod(round(value), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{seconds:02d}s" if hours else f"{minutes}m{seconds:02d}s"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def report(
    since: datetime = typer.Option(None, help="incidents detected at or after (UTC)"),
    until: datetime = typer.Option(None, help="incidents detected before (UTC)"),
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
    r, inc = data["response"], data["incidents"]
    console.print(f"incidents: {inc['total']}  by severity: {inc['by_severity']}", highlight=False)
    console.print(f"by service: {inc['by_service']}  by root cause: {inc['by_root_cause']}")
    console.print(
        f"MTTD {_secs(r['mttd_seconds'])}  MTTA {_secs(r['mtta_seconds'])}  "
        f"MTTR {_secs(r['mttr_seconds'])}  never acknowledged: {r['never_acknowledged']}"
    )
    for service, value in data["mtbf_seconds"].items():
        console.print(f"MTBF {service}: {_secs(value)}")
    sla, pm, act, rb = data["sla"], data["postmortems"], data["action_items"], data["rollbacks"]
    console.print(
        f"acknowledged in time {_pct(sla['acknowledgement']['rate'])}, resolved in target "
        f"{_pct(sla['resolution']['rate'])}, postmortems on time {_pct(pm['rate'])} "
        f"(overdue: {', '.join(pm['overdue']) or 'none'}), action items on time "
        f"{_pct(act['rate'])} (overdue: {len(act['overdue'])})"
    )
    console.print(
        f"rollbacks {rb['count']}, success {_pct(rb['success_rate'])}, p50 "
        f"{_secs(rb['duration_seconds']['p50'])}, p95 {_secs(rb['duration_seconds']['p95'])}"
    )
