"""``warroom db upgrade``: this machine's database schema."""

from warroom.cli.common import console, group

app = group("Database schema.")


@app.command("upgrade")
def db_upgrade() -> None:
    """Apply all pending migrations; creates the database when it does not exist yet."""
    from warroom.config import Settings
    from warroom.storage.engine import make_engine
    from warroom.storage.migrate import upgrade

    settings = Settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    console.print(f"database is up to date ({engine.url.render_as_string(hide_password=True)})")
