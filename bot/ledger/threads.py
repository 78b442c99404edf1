"""Which earlier request a message answers: by the thread (our reply's Message-ID, or the
partner's own earlier mail, in In-Reply-To/References) or by a case reference in the subject.
Queries only; the caller owns the transaction."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.ledger.tables import InboundMessage, OutboundMessage, ReviewItem

OPEN_ITEM = ("open", "waiting")


def _thread_inbound_ids(session: Session, *, message_ids: list[str]) -> set[int]:
    if not message_ids:
        return set()
    ours = session.exec(select(OutboundMessage.inbound_id).where(col(OutboundMessage.message_id).in_(message_ids))).all()
    keys = [f"mid:{m.lower()}" for m in message_ids]
    theirs = session.exec(select(InboundMessage.id).where(col(InboundMessage.dedup_key).in_(keys))).all()
    return {i for i in (*ours, *theirs) if i is not None}


def open_origin(session: Session, *, message_ids: Iterable[str], case_inbound_ids: Iterable[int],
                before_id: int) -> tuple[InboundMessage, ReviewItem] | None:
    """The newest earlier request of this thread whose review item is still open or waiting.

    `message_ids`: the answer's In-Reply-To and References ("<…>"); `case_inbound_ids`: the
    requests its subject names by case reference. Only requests stored before the answer count."""
    ids = _thread_inbound_ids(session, message_ids=[m for m in dict.fromkeys(message_ids) if m][:50])
    ids |= {i for i in case_inbound_ids if 0 < i < before_id}
    ids.discard(before_id)
    if not ids:
        return None
    row = session.exec(
        select(InboundMessage, ReviewItem)
        .join(ReviewItem, col(ReviewItem.inbound_id) == col(InboundMessage.id))
        .where(col(InboundMessage.id).in_(sorted(ids)), col(InboundMessage.id) < before_id,
               col(ReviewItem.status).in_(OPEN_ITEM))
        .order_by(col(InboundMessage.id).desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def set_resolution(session: Session, *, item_id: int, resolution: str) -> None:
    """Say how the bot closed an item it had claimed (claim_item closed it as `superseded`)."""
    session.execute(update(ReviewItem).where(col(ReviewItem.id) == item_id).values(resolution=resolution)
                    .execution_options(synchronize_session=False))


def reopen(session: Session, *, item_id: int, status: str) -> None:
    """Undo the bot's own claim on an item (the answer turned out not to complete it)."""
    session.execute(update(ReviewItem).where(col(ReviewItem.id) == item_id)
                    .values(status=status, resolution="", closed_at=None, closed_by="")
                    .execution_options(synchronize_session=False))
