"""``warroom demo``: the whole product on SQLite, for real, in about a minute.

A ``warroom serve`` process (API, worker, gateway, detectors) runs in a temporary
WARROOM_HOME with the demo playbook (``demo_setup``): alerts from other tools go in over HTTP
(``demo_alerts``), then a model release goes bad and warroom handles it alone
(``demo_story``). At the end the postmortem with its chart, the response report and the
evidence package are written under the home, and the summary says where.

Decisions: the primary on-call does not answer, so the page escalates to the secondary after
a few seconds, and the demo acknowledges as the secondary would (showing acknowledgement and
that it stops the paging); the incident's other changes are warroom's own. The server runs
with fault injection enabled so ``warroom drill`` can be tried against ``--keep-running``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from rich.console import Console

from warroom.auth import service as auth
from warroom.bootstrap import bootstrap
from warroom.cli.common import console
from warroom.cli.render import incident_table
from warroom.config import Settings
from warroom.demo.alerts import send_alerts
from warroom.demo.setup import Pager, write_playbook
from warroom.demo.view import View
from warroom.errors import WarroomError

if TYPE_CHECKING:
    from warroom.demo.story import Traffic

#: The summary's keys, in order; each is set by the step that produces it.
KEYS = (
    "incident_id",
    "severity",
    "detected_after_s",
    "paged_after_s",
    "rollback_status",
    "rollback_switch_ms",
    "rollback_verified_after_s",
    "resolved_after_s",
    "postmortem_path",
    "evidence_dir",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _settings(home: Path, playbook: Path) -> Settings:
    # Explicit values: the user's own WARROOM_* variables must not point the demo elsewhere.
    return Settings(home=home, database_url=f"sqlite:///{home / 'warroom.db'}", playbook=playbook)


def _credentials(settings: Settings) -> tuple[str, str]:
    container = bootstrap(settings, migrate=True)
    try:
        with container.db.session() as session:
            now = container.clock()
            _, token = auth.create_token(
                session=session, name="demo", role="admin", actor="demo", now=now
            )
            _, key = auth.create_integration(
                session=session, kind="alertmanager", name="demo", actor="demo", now=now
            )
    finally:
        container.close()
    return token, key


def _wait_ready(client: httpx.Client, server: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise WarroomError(f"warroom serve exited with code {server.returncode}")
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise WarroomError(f"warroom serve did not become ready within {timeout:.0f}s")


def _serve(home: Path, playbook: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    env.update(
        WARROOM_HOME=str(home),
        WARROOM_PLAYBOOK=str(playbook),
        WARROOM_PORT=str(port),
        WARROOM_LOG_LEVEL="warning",
        WARROOM_SQLITE_SYNCHRONOUS="NORMAL",
        WARROOM_WORKER_POLL_INTERVAL="0.1",
        WARROOM_GATEWAY_FAULTS_ENABLED="true",
    )
    log = (home / "server.log").open("ab")  # the log channel's pages land here too
    return subprocess.Popen(
        [sys.executable, "-m", "warroom", "serve"], env=env, stdout=log, stderr=log
    )


def run_demo(*, home: str | None, keep_running: bool, as_json: bool = False) -> dict[str, Any]:
    """Run the demo end to end; the summary has ``failed`` set when a step did not happen."""
    state = Path(home) if home else Path(tempfile.mkdtemp(prefix="warroom-demo-"))
    state.mkdir(parents=True, exist_ok=True)
    pager = Pager()
    playbook = write_playbook(state, pager.start(), pager.secret)
    settings = _settings(state, playbook)
    token, key = _credentials(settings)
    (state / "demo-token").write_text(token + "\n")
    (state / "demo-token").chmod(0o600)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    console.print(f"[bold]warroom demo[/bold]: state in {state}, server on {base}")
    server = _serve(state, playbook, port)
    summary: dict[str, Any] = dict.fromkeys(KEYS)
    traffic = None
    try:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            _wait_ready(client, server)
            traffic = _story(client, settings, key, pager, summary, live=not as_json)
        summary.update(home=str(state), console=f"{base}/")
        summary.update(webhook_pages=len(pager.deliveries), webhook_refused=pager.refused)
        _final_words(console, summary, state, keep_running)
        if keep_running and "failed" not in summary:
            _keep_running(base, server, state)
    except KeyboardInterrupt:
        pass
    finally:
        if traffic is not None:
            traffic.close()
        server.terminate()
        server.wait(timeout=15)
        pager.stop()
    return summary


def _story(
    client: httpx.Client,
    settings: Settings,
    key: str,
    pager: Pager,
    summary: dict[str, Any],
    *,
    live: bool,
) -> Traffic | None:
    """Part one (alerts from other tools), the model story, then what is learnt from it."""
    send_alerts(client, key)
    console.print(incident_table(client.get("/api/v1/incidents").json()))
    state = settings.resolved_home
    traffic = _model_part(client, state, pager, summary, live=live and console.is_terminal)
    if "failed" not in summary:
        _learning(client, settings, summary)
    return traffic


def _model_part(
    client: httpx.Client, state: Path, pager: Pager, summary: dict[str, Any], *, live: bool
) -> Traffic | None:
    try:
        import sklearn  # noqa: F401  (the `demo` extra)
    except ImportError:
        summary["failed"] = "scikit-learn is not installed: pip install 'warroom[demo]'"
        return None
    from warroom.demo import story as demo_story

    console.print("\n[bold]A model release goes bad[/bold]")
    v1, v2, x, y = demo_story.train(state)
    traffic = demo_story.Traffic(str(client.base_url), x, y).start()
    story = None
    try:
        with View(console, live=live) as view:
            story = demo_story.Story(client, state, view, pager)
            story.run(traffic, v1, v2)
    except (TimeoutError, RuntimeError, httpx.HTTPError) as exc:
        summary["failed"] = str(exc)
    finally:
        if story is not None:
            summary.update(story.out)
        # Healthy traffic goes on at a calm rate (for --keep-running and `warroom drill`).
        traffic.rate = 10
    return traffic


def _learning(client: httpx.Client, settings: Settings, summary: dict[str, Any]) -> None:
    """The postmortem with its chart, the response report and the evidence package."""
    iid, home = summary["incident_id"], settings.resolved_home
    folder = home / "postmortems"
    folder.mkdir(exist_ok=True)
    client.post(f"/api/v1/incidents/{iid}/postmortem", json={}).raise_for_status()
    md = client.get(f"/api/v1/incidents/{iid}/postmortem/export", params={"format": "md"})
    chart = client.get(f"/api/v1/incidents/{iid}/postmortem/chart.png")
    md.raise_for_status()
    chart.raise_for_status()
    (folder / f"{iid}-postmortem.md").write_text(md.text)
    (folder / f"{iid}-chart.png").write_bytes(chart.content)
    report = client.get("/api/v1/reports/response")
    report.raise_for_status()
    (home / "response-report.json").write_text(report.text)
    from warroom.reports import evidence

    container = bootstrap(settings)
    try:
        with container.db.read() as session:
            evidence.export(
                session=session,
                playbook=container.playbook,
                directory=home / "evidence",
                now=container.clock(),
            )
    finally:
        container.close()
    summary.update(
        postmortem_path=str(folder / f"{iid}-postmortem.md"),
        chart_path=str(folder / f"{iid}-chart.png"),
        report_path=str(home / "response-report.json"),
        evidence_dir=str(home / "evidence"),
    )


def _final_words(out: Console, summary: dict[str, Any], state: Path, keep: bool) -> None:
    if "failed" in summary:
        out.print(f"[red]demo step failed:[/red] {summary['failed']}", highlight=False)
        return
    rows = [
        ("Postmortem", summary["postmortem_path"]),
        ("Chart", summary["chart_path"]),
        ("Response report", summary["report_path"]),
        ("Evidence package", summary["evidence_dir"]),
        ("Server log", f"{state}/server.log (the log channel's pages are there too)"),
        (
            "Console",
            f"{summary['console']} (sign in with the token in {state}/demo-token"
            + (")" if keep else "; run with --keep-running to keep the server up)"),
        ),
    ]
    out.print("\n[bold]Done.[/bold] warroom detected, paged, rolled back and resolved:")
    for name, value in rows:
        out.print(f"  {name + ':':<18} {value}", highlight=False, soft_wrap=True)


def _keep_running(base: str, server: subprocess.Popen[bytes], state: Path) -> None:
    console.print(
        f"\nserver left running at {base} with healthy traffic; try a drill:\n"
        f"  WARROOM_TOKEN=$(cat {state}/demo-token) warroom drill error-burst --url {base}\n"
        "Ctrl-C stops it.",
        highlight=False,
    )
    server.wait()
