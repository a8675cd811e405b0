"""``warroom db upgrade`` and ``warroom db rebuild-summary``: this machine's database."""

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


@app.command("rebuild-summary")
def db_rebuild_summary() -> None:
    """Recompute the per-day summary that reports read from the incidents (the upgrade
    fills it once and every incident change keeps it up to date; this repairs a database
    whose incidents were written around warroom)."""
    from warroom.bootstrap import bootstrap
    from warroom.config import Settings
    from warroom.incidents import rollup

    container = bootstrap(Settings(), migrate=True)
    try:
        with container.db.session() as session:
            count = rollup.rebuild(session)
    finally:
        container.close()
    console.print(f"report summary rebuilt from {count} incidents")
