"""bank statements: the bank's key on payments imported from camt.053/camt.054/MT940
(unique, null for payments.csv rows) and bank_accounts.csv, payer IBANs by account

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_ref', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.create_index('ix_payment_bank_ref', ['bank_ref'], unique=True)

    op.create_table('bankaccount',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('iban', sqlmodel.sql.sqltypes.AutoString(length=34), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.account_id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'iban')
    )
    with op.batch_alter_table('bankaccount', schema=None) as batch_op:
        batch_op.create_index('ix_bankaccount_account_id', ['account_id'], unique=False)
        batch_op.create_index('ix_bankaccount_iban', ['iban'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('bankaccount', schema=None) as batch_op:
        batch_op.drop_index('ix_bankaccount_iban')
        batch_op.drop_index('ix_bankaccount_account_id')
    op.drop_table('bankaccount')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_bank_ref')
        batch_op.drop_column('bank_ref')
