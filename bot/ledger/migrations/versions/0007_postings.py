"""postings to the billing system of record: the posting and batch tables, released
allocations, and the confirmation a request is owed once its postings are reflected

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table('posting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', _S(length=64), nullable=False),
    sa.Column('kind', _S(length=16), nullable=False),
    sa.Column('allocation_id', sa.Integer(), nullable=False),
    sa.Column('inbound_id', sa.Integer(), nullable=True),
    sa.Column('account_id', _S(length=64), nullable=False),
    sa.Column('payment_id', _S(length=64), nullable=False),
    sa.Column('invoice_number', _S(length=64), nullable=False),
    sa.Column('currency', _S(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('message_id', _S(length=998), nullable=False),
    sa.Column('state', _S(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('handed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('batch', sa.Integer(), nullable=True),
    sa.Column('delivered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('reflected_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('reflected_by', _S(length=16), nullable=False),
    sa.Column('in_export_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('held_back_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('rejected_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('claimed_by', _S(length=256), nullable=False),
    sa.Column('claimed_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.CheckConstraint('amount_minor > 0', name='posting_positive'),
    sa.ForeignKeyConstraint(['allocation_id'], ['allocation.id'], ),
    sa.ForeignKeyConstraint(['inbound_id'], ['inboundmessage.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('posting', schema=None) as batch_op:
        batch_op.create_index('ix_posting_state_next', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_posting_allocation_id', ['allocation_id'], unique=False)
        batch_op.create_index('ix_posting_inbound_id', ['inbound_id'], unique=False)
        batch_op.create_index('ix_posting_payment_id', ['payment_id'], unique=False)
        batch_op.create_index('ix_posting_invoice_number', ['invoice_number'], unique=False)
        batch_op.create_index('ix_posting_batch', ['batch'], unique=False)
    op.create_table('postingbatch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('holder', _S(length=256), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('released_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('release_reason', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('inboundmessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirm_due', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index('ix_inboundmessage_confirm_due', ['confirm_due'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inboundmessage', schema=None) as batch_op:
        batch_op.drop_index('ix_inboundmessage_confirm_due')
        batch_op.drop_column('confirm_due')
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.drop_column('release_reason')
        batch_op.drop_column('released_at')
    op.drop_table('postingbatch')
    with op.batch_alter_table('posting', schema=None) as batch_op:
        for name in ('ix_posting_batch', 'ix_posting_invoice_number', 'ix_posting_payment_id', 'ix_posting_inbound_id',
                     'ix_posting_allocation_id', 'ix_posting_state_next'):
            batch_op.drop_index(name)
    op.drop_table('posting')
