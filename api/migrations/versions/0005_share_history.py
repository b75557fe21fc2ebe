"""care links: share_history (whether a therapist sees practices from before the link)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 03:15:00

Existing links get false, like new ones: a therapist sees what was practised since the
client linked with them, until the client chooses to share their earlier practices.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("care_links", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("share_history", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("care_links", schema=None) as batch_op:
        batch_op.drop_column("share_history")
