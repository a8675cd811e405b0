"""Helpers for the benchmarks: a real `warroom serve` and a real Alertmanager, on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from warroom.auth import service as auth
from warroom.bootstrap import bootstrap
from warroom.config import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} not ready after {timeout}s")


@dataclass
class Warroom:
    url: str
    home: Path
    token: str
    alertmanager_key: str
    #: Every server's base URL (``url`` is the first); several share one database.
    urls: list[str] = field(default_factory=list)
    database_url: str = ""


@contextmanager
def warroom_server(*serve_args: str, **env: str) -> Iterator[Warroom]:
    """`warroom serve` (with ``serve_args``) on SQLite in a temporary home, with an admin
    token and an Alertmanager integration key."""
    with warroom_servers(1, *serve_args, **env) as wr:
        yield wr


@contextmanager
def postgres_database(
    base: str = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
) -> Iterator[str]:
    """A fresh PostgreSQL database on the local server (trust auth), dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"warroom_bench_{os.getpid()}_{int(time.time())}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def warroom_servers(
    count: int,
    *serve_args: str,
    database_url: str | None = None,
    workers: int = 0,
    **env: str,
) -> Iterator[Warroom]:
    """``count`` `warroom serve` processes (with ``serve_args``) and ``workers`` `warroom
    worker` processes on one database (SQLite in a temporary home unless ``database_url``),
    with an admin token and an Alertmanager key."""
    home = Path(tempfile.mkdtemp(prefix="warroom-bench-"))
    settings = Settings(home=home, database_url=database_url)
    container = bootstrap(settings, migrate=True)
    with container.db.session() as session:
        now = container.clock()
        _, token = auth.create_token(
            session=session, name="bench", role="admin", actor="bench", now=now
        )
        _, key = auth.create_integration(
            session=session, kind="alertmanager", name="bench", actor="bench", now=now
        )
        _, _responder = auth.create_token(
            session=session, name="bench-responder", role="responder", actor="bench", now=now
        )
    container.close()
    procs, urls = [], []
    environ = {**os.environ, "WARROOM_HOME": str(home), "WARROOM_LOG_LEVEL": "warning", **env}
    environ.pop("WARROOM_DATABASE_URL", None)
    if database_url:
        environ["WARROOM_DATABASE_URL"] = database_url
    try:
        for _ in range(count):
            port = free_port()
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "warroom", "serve", *serve_args],
                    env={**environ, "WARROOM_PORT": str(port)},
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for _ in range(workers):
            procs.append(subprocess.Popen([sys.executable, "-m", "warroom", "worker"], env=environ))
        for url in urls:
            wait_http(f"{url}/readyz", timeout=180)  # a busy machine starts slowly
        yield Warroom(urls[0], home, token, key, urls, settings.resolved_database_url)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)
        shutil.rmtree(home, ignore_errors=True)


def alertmanager_binary() -> str | None:
    return shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")


@contextmanager
def alertmanager_server(receiver_yaml: str, route_extra: str = "") -> Iterator[str]:
    """A real Alertmanager with the given receiver stanza; yields its base URL."""
    binary = alertmanager_binary()
    assert binary is not None
    workdir = Path(tempfile.mkdtemp(prefix="am-bench-"))
    config = workdir / "alertmanager.yml"
    config.write_text(
        "route:\n  receiver: r\n  group_by: [alertname, service]\n"
        f"{route_extra}"
        "receivers:\n  - name: r\n" + receiver_yaml
    )
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=error",
        ]
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/-/ready")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(workdir, ignore_errors=True)


async def post_many(
    url: str | list[str],
    bodies: list[bytes],
    *,
    concurrency: int,
    headers: dict[str, str] | None = None,
) -> tuple[float, list[float]]:
    """POST each body over ``concurrency`` keep-alive HTTP/1.1 connections with a minimal
    client (httpx costs more CPU than the server under test on a 2-core machine); with
    several URLs (servers behind a round-robin balancer) the connections take them in turn.
    Returns (elapsed seconds, per-request latencies in ms); raises on any non-2xx answer."""
    import asyncio
    from urllib.parse import urlsplit

    targets = [url] if isinstance(url, str) else url
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    queue = list(reversed(bodies))
    latencies: list[float] = []

    async def worker(index: int) -> None:
        target = targets[index % len(targets)]
        parts = urlsplit(target)
        head = (
            f"POST {parts.path}{'?' + parts.query if parts.query else ''} HTTP/1.1\r\n"
            f"Host: {parts.netloc}\r\nContent-Type: application/json\r\n{extra}"
        )
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while queue:
                body = queue.pop()
                t = time.perf_counter()
                writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
                status = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                payload = await reader.readexactly(length)
                latencies.append((time.perf_counter() - t) * 1000)
                if not status.split()[1].startswith(b"2"):
                    raise RuntimeError(f"{target}: {status.decode().strip()} {payload[:200]!r}")
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return time.perf_counter() - t0, latencies
