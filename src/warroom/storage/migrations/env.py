"""Alembic environment: runs on the engine handed over by ``warroom.storage.migrate``.

The migrations are written by hand, so no model metadata is needed to apply them; the
storage layer therefore imports no domain (its place at the bottom of the layers).
"""

from alembic import context

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=context.config.attributes.get("metadata"),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
