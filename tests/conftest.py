"""Shared fixtures: a fresh database per test (SQLite always, PostgreSQL when configured),
and a real warroom server on loopback."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text

from warroom.api.app import create_asgi
from warroom.auth import service as auth
from warroom.bootstrap import Container, bootstrap
from warroom.config import Settings

POSTGRES_URL = os.environ.get("WARROOM_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


FIXTURES = Path(__file__).parent / "fixtures"


def find_shared(name: str) -> Path | None:
    """``shared/<name>`` beside the repository (the clone may live anywhere); for fixtures,
    falls back to the copies in ``tests/fixtures``."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / name
        if candidate.exists():
            return candidate
        candidate = parent.parent / "shared" / name
        if candidate.exists():
            return candidate
    return FIXTURES if name == "fixtures" else None


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'warroom.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("WARROOM_TEST_POSTGRES_URL is not set (.ci/run sets it)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        # The application name tags every session of this test, so the teardown can end the
        # ones a server thread or child process still holds: dropping the schema under a live
        # session can deadlock with it.
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}&application_name={schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name AND pid <> pg_backend_pid()"
                ),
                {"name": schema},
            )
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


class Clock:
    """A controllable clock; ``None`` means real time."""

    def __init__(self) -> None:
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or datetime.now(UTC)

    def set(self, value: datetime) -> None:
        self.fixed = value


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(home=tmp_path, database_url=database_url, sqlite_synchronous="NORMAL")


@pytest.fixture
def container(settings: Settings, clock: Clock) -> Iterator[Container]:
    built = bootstrap(settings, migrate=True, clock=clock)
    yield built
    built.close()


@dataclass
class LiveServer:
    url: str
    container: Container
    admin_token: str
    responder_token: str
    viewer_token: str

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def drain(self) -> int:
        """Ingest what the webhooks appended to the intake log, now (the server's own
        processor would soon; a test reads the outcome only after this)."""
        from warroom.intake.processor import drain

        return drain(self.container)

    def integration(self, kind: str, name: str = "test") -> str:
        with self.container.db.session() as session:
            _, key = auth.create_integration(
                session=session, kind=kind, name=name, actor="test", now=self.container.clock()
            )
        return key


def _start(container: Container) -> tuple[uvicorn.Server, threading.Thread, str]:
    config = uvicorn.Config(
        create_asgi(container), host="127.0.0.1", port=0, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture
def live_server(container: Container) -> Iterator[LiveServer]:
    tokens = {}
    with container.db.session() as session:
        for role in ("admin", "responder", "viewer"):
            _, tokens[role] = auth.create_token(
                session=session, name=role, role=role, actor="test", now=container.clock()
            )
    server, thread, url = _start(container)
    # As `warroom serve` on its port would have it: `$warroom_url` is the server's own URL.
    base = container.base_playbook()
    variables = {**base.runbooks.variables, "warroom_url": url}
    container.playbook = base.model_copy(
        update={"runbooks": base.runbooks.model_copy(update={"variables": variables})}
    )
    yield LiveServer(url, container, tokens["admin"], tokens["responder"], tokens["viewer"])
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def make_alert() -> Callable[..., dict[str, object]]:
    def make(
        name: str = "HighErrorRate", service: str = "fraud-model", **extra: object
    ) -> dict[str, object]:
        return {"name": name, "service": service, **extra}

    return make
