"""who is working on a queue item: claimed by a billing admin or assigned to one (issue 16),
so two people don't open the same item and "next item" skips what others hold

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reviewitem') as batch:
        batch.add_column(sa.Column('assigned_to', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('assigned_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reviewitem') as batch:
        batch.drop_column('assigned_at')
        batch.drop_column('assigned_to')
