"""The production shape for the benchmarks: N `warroom serve --no-worker` processes and M
`warroom worker` processes on one PostgreSQL, in a schema of their own that is dropped
afterwards. The server URL comes from ``WARROOM_BENCH_POSTGRES_URL`` (or
``WARROOM_TEST_POSTGRES_URL``), e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from common import free_port, wait_http
from sqlalchemy import create_engine, text

from warroom.auth import service as auth
from warroom.bootstrap import bootstrap
from warroom.config import Settings


def postgres_url() -> str | None:
    return os.environ.get("WARROOM_BENCH_POSTGRES_URL") or os.environ.get(
        "WARROOM_TEST_POSTGRES_URL"
    )


@contextmanager
def postgres_schema(server: str) -> Iterator[str]:
    """A fresh schema on ``server``; the database URL that uses it."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in server else "?"
    try:
        yield f"{server}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@dataclass
class Cluster:
    urls: list[str]
    token: str


@contextmanager
def cluster(servers: int, workers: int, **env: str) -> Iterator[Cluster]:
    """``servers`` × `serve --no-worker` plus ``workers`` × `worker` on a fresh PostgreSQL
    schema (migrated once, before they start), with an admin token."""
    server = postgres_url()
    if server is None:
        raise SystemExit("set WARROOM_BENCH_POSTGRES_URL (or WARROOM_TEST_POSTGRES_URL)")
    home = Path(tempfile.mkdtemp(prefix="warroom-bench-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, home, ignore_errors=True)
        # Entered first, so left last: the processes stop before their schema is dropped.
        url = stack.enter_context(postgres_schema(server))
        container = bootstrap(Settings(home=home, database_url=url), migrate=True)
        with container.db.session() as session:
            _, token = auth.create_token(
                session=session, name="bench", role="admin", actor="bench", now=container.clock()
            )
        container.close()
        environ = {
            **os.environ,
            "WARROOM_HOME": str(home),
            "WARROOM_DATABASE_URL": url,
            "WARROOM_LOG_LEVEL": "warning",
            **env,
        }
        ports = [free_port() for _ in range(servers)]
        commands = [["serve", "--no-worker"]] * servers + [["worker"]] * workers
        for n, args in enumerate(commands):
            port = {"WARROOM_PORT": str(ports[n])} if n < servers else {}
            proc = subprocess.Popen(
                [sys.executable, "-m", "warroom", *args],
                env={**environ, **port},
                stdout=subprocess.DEVNULL,
            )
            stack.callback(_stop, proc)
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url_ in urls:
            wait_http(f"{url_}/readyz", timeout=180)
        yield Cluster(urls, token)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
