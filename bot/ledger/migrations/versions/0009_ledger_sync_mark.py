"""how far the billing system's own ledger has been read, so `ledger sync` and the worker's
sync ask Tryton only for what changed since (issue 14; bot/posting/syncing.py)

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ledgersyncmark',
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column('read_through', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('full_read_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('synced_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('source'),
    )


def downgrade() -> None:
    op.drop_table('ledgersyncmark')
