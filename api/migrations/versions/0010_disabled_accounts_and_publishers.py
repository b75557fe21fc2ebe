"""users.disabled_at (an admin can disable a staff account); exercise_versions.published_by

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 16:50:00

A disabled account keeps its rows (who wrote and published what stays readable) but can no
longer sign in, refresh or use a token. Versions published before this revision have no
recorded publisher (null).

Plain ADD/DROP COLUMN, never a batch table copy: SQLite copies a table by dropping the old
one, and with foreign keys on, dropping `users` or `exercise_versions` would cascade to every
row that refers to them. For the same reason `published_by` has no foreign-key constraint
(SQLite cannot drop a column that has one): erasing an account nulls it instead
(`privacy.erase_account`).
"""

import sqlalchemy as sa
from alembic import op

from api.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("disabled_at", UTCDateTime(timezone=True), nullable=True))
    op.add_column("exercise_versions", sa.Column("published_by", sa.Uuid(), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE exercise_versions DROP COLUMN published_by")
        op.execute("ALTER TABLE users DROP COLUMN disabled_at")
    else:
        op.drop_column("exercise_versions", "published_by")
        op.drop_column("users", "disabled_at")
