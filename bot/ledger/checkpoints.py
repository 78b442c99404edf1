"""How far each mailbox folder has been read. Advanced inside the transaction that stores the
message, so the checkpoint never runs ahead of what is safely in the database."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.intake.mailbox import Checkpoint
from bot.ledger.tables import MailboxCheckpoint


def checkpoint_for(session: Session, *, mailbox: str) -> Checkpoint | None:
    """The mailbox's checkpoint (the folder it reads), or None before its first message."""
    row = session.exec(select(MailboxCheckpoint).where(MailboxCheckpoint.mailbox == mailbox)
                       .order_by(col(MailboxCheckpoint.updated_at).desc())).first()
    return Checkpoint(row.folder, row.uidvalidity, row.last_uid) if row else None


def advance_checkpoint(session: Session, *, mailbox: str, checkpoint: Checkpoint, now: datetime) -> None:
    """Move forward only: a UID at or below the stored one (same UIDVALIDITY) changes nothing,
    so a late or repeated store can never rewind the folder."""
    moved = session.execute(
        update(MailboxCheckpoint)
        .where(MailboxCheckpoint.mailbox == mailbox, MailboxCheckpoint.folder == checkpoint.folder,
               or_(MailboxCheckpoint.uidvalidity != checkpoint.uidvalidity, MailboxCheckpoint.last_uid < checkpoint.last_uid))
        .values(uidvalidity=checkpoint.uidvalidity, last_uid=checkpoint.last_uid, updated_at=now)
    ).rowcount
    if moved or session.get(MailboxCheckpoint, (mailbox, checkpoint.folder)) is not None:
        return
    try:
        with session.begin_nested():
            session.add(MailboxCheckpoint(mailbox=mailbox, folder=checkpoint.folder, uidvalidity=checkpoint.uidvalidity,
                                          last_uid=checkpoint.last_uid, updated_at=now))
    except IntegrityError:  # another writer created it a moment ago: take the forward-only path
        advance_checkpoint(session, mailbox=mailbox, checkpoint=checkpoint, now=now)
