"""Apply Alembic migrations programmatically (``warroom db upgrade``, ``warroom serve``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema up to date (every branch head, so feature branches compose)."""
    command.upgrade(alembic_config(engine), revision)


def pending(engine: Engine) -> set[str]:
    """Head revisions not yet applied to this database."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return set(script.get_heads()) - current


def is_fresh(url: str) -> bool:
    """True when ``url`` names no warroom database yet: a SQLite file that does not exist (it
    is not created by asking), or a database without warroom's schema."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        name = parsed.database or ""
        if name in ("", ":memory:") or name.startswith("file:"):
            return name in ("", ":memory:")
        if not Path(name).exists():
            return True
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).has_table("alembic_version")
    finally:
        engine.dispose()
