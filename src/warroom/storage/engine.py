"""Engine and session factory for SQLite (WAL) and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from warroom.errors import ConfigError


def json_dumps(value: Any) -> str:
    """JSON text as every JSON column stores it."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()


# JSON columns (labels, metrics, payloads) are written for every alert: orjson encodes them
# several times faster than the standard library, with the same output for what we store
# (non-string keys become strings; NaN, which JSON cannot carry, becomes null).
JSON_CODEC: dict[str, Any] = {"json_serializer": json_dumps, "json_deserializer": orjson.loads}


def make_engine(url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = 10) -> Engine:
    """Build an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ConfigError(f"database URL {url!r} is not a valid SQLAlchemy URL: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            **JSON_CODEC,
        )
        _sqlite_pragmas(engine, sqlite_synchronous)
        return engine
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, **JSON_CODEC)
        _ping_idle(engine)
        return engine
    raise ConfigError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite:/// or postgresql+psycopg://"
    )


#: A pooled PostgreSQL connection unused for longer than this is pinged before it is handed
#: out (seconds).
PING_AFTER_IDLE = 2.0


def _ping_idle(engine: Engine) -> None:
    """Ping a PostgreSQL connection before handing it out only when it sat idle in the pool
    (where a database restart or a dropped connection finds it); a dead one is replaced, as
    ``pool_pre_ping`` would. A connection in steady use is not pinged: under load that ping
    was one extra round trip per transaction. A connection that dies while in use fails its
    transaction, and SQLAlchemy then replaces every connection of the pool."""

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        record.info["warroom_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _handed_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("warroom_idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
            return
        try:
            with dbapi_conn.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:
            raise DisconnectionError(f"pooled connection is dead: {exc}") from exc


def _sqlite_pragmas(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN; we issue BEGIN IMMEDIATE ourselves
        # so that writers queue on the lock instead of failing on upgrade.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get("warroom_read_only"):
            conn.exec_driver_sql("BEGIN")
            return
        # A relaxed transaction skips the fsync (the pragma applies per connection and
        # cannot change inside a transaction, so it is set here, before BEGIN).
        wanted = "NORMAL" if options.get("warroom_relaxed") else synchronous
        info = conn.connection.info
        if info.get("synchronous", synchronous) != wanted:
            conn.exec_driver_sql(f"PRAGMA synchronous={wanted}")
            info["synchronous"] = wanted
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """An engine plus its session factory; built once in ``bootstrap``."""

    def __init__(self, engine: Engine):
        self.engine = engine
        # SQLite allows one writer; queueing writers of this process on a lock avoids
        # SQLite's busy-wait sleeps (which reach 100 ms) under concurrent requests.
        self._write_lock = threading.Lock() if engine.dialect.name == "sqlite" else None
        self.sessionmaker = sessionmaker(engine, expire_on_commit=False)
        self.read_sessionmaker = sessionmaker(
            engine.execution_options(warroom_read_only=True), expire_on_commit=False
        )
        self.relaxed_sessionmaker = sessionmaker(
            engine.execution_options(warroom_relaxed=True), expire_on_commit=False
        )
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    def on(self, name: str, listener: Callable[..., None]) -> None:
        """Run ``listener`` on the session event ``name`` (``before_flush``,
        ``before_commit``..) of every session of this database (a domain keeps a summary in
        the same transaction as the rows it summarises)."""
        for factory in (self.sessionmaker, self.read_sessionmaker, self.relaxed_sessionmaker):
            event.listen(factory, name, listener)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, durable: bool = True) -> Iterator[Session]:
        """A write session: commits on success, rolls back on error.

        ``durable=False`` is for steps that are safe to redo, such as a rollback runner's
        intermediate states (the lease resumes a rollback whose record is behind): the commit
        survives a crash of the process but not of the machine, and does not wait for the
        disk (SQLite ``synchronous=NORMAL`` in WAL mode; PostgreSQL
        ``synchronous_commit=off`` for the transaction). Accepted alerts and final states are
        always durable.
        """
        factory = self.sessionmaker if durable else self.relaxed_sessionmaker
        if self._write_lock is None:
            with factory() as session, session.begin():
                if not durable:
                    session.execute(text("SET LOCAL synchronous_commit TO OFF"))
                yield session
            return
        with self._write_lock, factory() as session, session.begin():
            yield session

    @contextmanager
    def one_statement(self) -> Iterator[Session]:
        """A write session for a single statement, which is its own transaction: on
        PostgreSQL it runs in autocommit, one round trip instead of three (BEGIN, the
        statement, COMMIT), committed (durably) when it returns; on SQLite it is an ordinary
        write session. Its commit still runs the session's after-commit hooks."""
        if self._write_lock is not None:
            with self.session() as session:
                yield session
            return
        with self.sessionmaker(bind=self._autocommit) as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (on SQLite it does not take the write lock)."""
        with self.read_sessionmaker() as session, session.begin():
            yield session

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
