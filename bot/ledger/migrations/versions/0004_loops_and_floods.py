"""loops and floods: the sender's address on inbound mail and the indexes the per-sender and
per-recipient hourly limits count with; bounces recorded on the outbox row

Revision ID: 0004
Revises: 0003
"""
from email.utils import parseaddr

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def _sender_address(from_header: str) -> str:
    """As bot.ledger.tables.sender_address at the time of this revision."""
    try:
        address = parseaddr(from_header or "")[1]
    except Exception:
        address = ""
    return address.strip().lower()[:320]


def upgrade() -> None:
    with op.batch_alter_table('inboundmessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender_addr', sa.String(length=320), nullable=False, server_default=''))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, from_addr FROM inboundmessage WHERE from_addr <> ''")).all()
    updates = [{"id": row_id, "sender": _sender_address(from_addr)} for row_id, from_addr in rows]
    updates = [u for u in updates if u["sender"]]
    for start in range(0, len(updates), 1000):
        bind.execute(sa.text("UPDATE inboundmessage SET sender_addr = :sender WHERE id = :id"), updates[start:start + 1000])
    with op.batch_alter_table('inboundmessage', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_sender_received', ['sender_addr', 'received_at'], unique=False)

    with op.batch_alter_table('outboundmessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bounced_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('bounce_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.create_index('ix_outbound_to_created', ['to_addr', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outboundmessage', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_to_created')
        batch_op.drop_column('bounce_reason')
        batch_op.drop_column('bounced_at')
    with op.batch_alter_table('inboundmessage', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_sender_received')
        batch_op.drop_column('sender_addr')
