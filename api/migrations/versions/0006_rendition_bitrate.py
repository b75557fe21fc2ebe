"""renditions: bitrate is the file's real average; the encoder setting is nominal_bitrate

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 03:50:00

The API reported the encoder's setting (64000) for files averaging 10–54 kb/s: silence costs
the encoders little. `bitrate` now holds bytes × 8 / duration; existing rows are recomputed
from their size and their variant's duration.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

renditions = sa.table(
    'renditions',
    sa.column('variant_id', sa.Integer()),
    sa.column('bitrate', sa.Integer()),
    sa.column('nominal_bitrate', sa.Integer()),
    sa.column('bytes', sa.BigInteger()),
)
variants = sa.table('variants', sa.column('id', sa.Integer()), sa.column('duration_ms', sa.Integer()))


def upgrade():
    with op.batch_alter_table('renditions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nominal_bitrate', sa.Integer(), nullable=True))
    duration = (
        sa.select(variants.c.duration_ms)
        .where(variants.c.id == renditions.c.variant_id)
        .scalar_subquery()
    )
    op.execute(
        renditions.update().values(
            nominal_bitrate=renditions.c.bitrate,
            bitrate=sa.cast(renditions.c.bytes * 8000 / sa.func.nullif(duration, 0), sa.Integer),
        )
    )
    op.execute(renditions.update().where(renditions.c.bitrate.is_(None)).values(bitrate=0))
    with op.batch_alter_table('renditions', schema=None) as batch_op:
        batch_op.alter_column('nominal_bitrate', existing_type=sa.Integer(), nullable=False)


def downgrade():
    op.execute(renditions.update().values(bitrate=renditions.c.nominal_bitrate))
    with op.batch_alter_table('renditions', schema=None) as batch_op:
        batch_op.drop_column('nominal_bitrate')
