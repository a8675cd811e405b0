"""SQL health checks against a database the playbook names (the ML platform runbook/004: ``SELECT
1``,
connection counts from ``pg_stat_activity``).

The query runs read-only in a transaction that is always rolled back, under a statement
timeout: PostgreSQL's ``statement_timeout``, SQLite's progress handler.
"""

from __future__ import annotations

import math
import time
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from warroom.errors import DiagnosticError
from warroom.guide.diagnostics.base import Outcome, Target, expand_env
from warroom.guide.diagnostics.promql import OPS
from warroom.playbook.guide import SqlStep

ROW_LIMIT = 50


def database_url(name: str, target: Target) -> str:
    """The named database's URL with ``${VAR}`` expanded (DiagnosticError when unknown)."""
    configured = target.policy.databases.get(name)
    if configured is None:
        known = ", ".join(sorted(target.policy.databases)) or "none declared"
        raise DiagnosticError(
            f"unknown database {name!r}: declare it under runbooks.databases ({known})"
        )
    return expand_env(configured, f"database {name}")


def run(step: SqlStep, target: Target) -> Outcome:
    url = database_url(step.database, target)
    engine = _engine(url, target.timeout)
    started = time.monotonic()
    try:
        with engine.connect() as conn:
            columns, rows, more = _query(conn, step.query)
    except DBAPIError as exc:
        raise DiagnosticError(_explain(exc, started, target.timeout)) from None
    except SQLAlchemyError as exc:
        raise DiagnosticError(f"database {step.database}: {exc}") from None
    finally:
        engine.dispose()
    table = "\n".join(["\t".join(columns), *("\t".join(map(str, r)) for r in rows)])
    output = f"{step.query}\n\n{table}" + (f"\n({more} more rows)" if more else "")
    first = rows[0][0] if rows and rows[0] else None
    summary = f"{len(rows) + more} row(s)" + (f"; first value {first}" if rows else "")
    if step.fail_if is not None:
        try:
            value = float(first)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return Outcome("failed", f"{summary}; expected a number to compare", output=output)
        if OPS[step.fail_if.op](value, step.fail_if.value):
            return Outcome(
                "failed", f"{summary} ({step.fail_if.op} {step.fail_if.value:g})", output=output
            )
    return Outcome("ok", summary, output=output)


def _engine(url: str, timeout: float) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DiagnosticError("database URL: expected a SQLAlchemy URL") from None
    if parsed.get_backend_name() == "postgresql":
        ms = max(1, round(timeout * 1000))
        # connect_args replace the URL's own options (a search_path, say): keep both.
        own = parsed.query.get("options", "")
        options = " ".join(
            [*(own if isinstance(own, tuple) else [own]), f"-c statement_timeout={ms}"]
        )
        args: dict[str, Any] = {
            "connect_timeout": max(1, math.ceil(timeout)),
            "options": f"{options} -c default_transaction_read_only=on".strip(),
        }
        return create_engine(parsed, poolclass=NullPool, connect_args=args)
    engine = create_engine(parsed, poolclass=NullPool, connect_args={"timeout": timeout})
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_guard(timeout))
    return engine


def _sqlite_guard(timeout: float) -> Any:
    def guard(dbapi_conn: Any, _record: Any) -> None:
        deadline = time.monotonic() + timeout
        # A non-zero return aborts the running statement ("interrupted").
        dbapi_conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 1000)
        dbapi_conn.execute("PRAGMA query_only = ON")

    return guard


def _query(conn: Connection, query: str) -> tuple[list[str], list[tuple[Any, ...]], int]:
    try:
        result = conn.execute(text(query))
        if not result.returns_rows:
            return [], [], 0
        columns = list(result.keys())
        rows = [tuple(r) for r in result.fetchmany(ROW_LIMIT)]
        more = sum(1 for _ in result) if len(rows) == ROW_LIMIT else 0
        return columns, rows, more
    finally:
        conn.rollback()


def _explain(exc: DBAPIError, started: float, timeout: float) -> str:
    message = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    lowered = message.lower()
    if "statement timeout" in lowered or "interrupted" in lowered:
        return f"query did not finish within {timeout:g}s ({message})"
    if "timeout" in lowered and time.monotonic() - started >= timeout:
        return f"no connection within {timeout:g}s ({message})"
    return message
