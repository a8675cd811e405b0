"""intake: PostgreSQL stores a log row's body as it came, without compressing it

A webhook batch's body is written once, read once by the intake processor and deleted; on
PostgreSQL a body over about 2 kB was compressed on the way in, which cost the append more
than it saved (the row lives for milliseconds). SQLite never compresses.

Revision ID: 0020_intake_body_storage
Revises: 0019_intake_log
Create Date: 2026-12-03
"""

from alembic import op

revision = "0020_intake_body_storage"
down_revision = "0019_intake_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE intake_log ALTER COLUMN body SET STORAGE EXTERNAL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE intake_log ALTER COLUMN body SET STORAGE EXTENDED")
