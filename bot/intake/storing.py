"""Intake: fetch new mail and store each message, with its checkpoint, before anything else.

One transaction per message stores the raw bytes (status `received`), advances the folder's
checkpoint and, under a lease, renews it when due (`Guard.lease_due`) — so the checkpoint
never runs ahead of what is in the database, and a worker that lost its lease stores nothing
more. Only after the commit is
the mailbox told (`stored`; a duplicate delivery is filed as ignored at once)."""
from __future__ import annotations

import hashlib
import logging
import re

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.bootstrap import App
from bot.cycle import CycleReport, Guard
from bot.intake.mailbox import Incoming
from bot.ledger import journal, store
from bot.ledger.checkpoints import advance_checkpoint, checkpoint_for
from bot.ledger.leases import renew_lease
from bot.reading.mime import header
from bot.reading.parsing import parse_headers

log = logging.getLogger("allocbot.intake")


class LeaseLost(Exception):
    """Another worker holds the intake lease now: this one must stop storing."""


def dedup_key(raw: bytes) -> tuple[str, str]:
    """(key, Message-ID): the Message-ID when there is one, else a hash of the bytes.

    Only the message's own header section counts: a Message-ID line in the body (an attached
    or quoted message) is another mail's id, and taking it would drop this one as a duplicate."""
    head = re.split(rb"\r?\n\r?\n", raw[:65536], maxsplit=1)[0]
    match = re.search(rb"^message-id:[ \t]*(?:\r?\n[ \t]+)?(<[^>\r\n\x00]{1,900}>)", head, re.IGNORECASE | re.MULTILINE)
    if match:
        mid = match.group(1).decode("ascii", "replace")
        return f"mid:{mid.lower()}", mid
    return f"sha256:{hashlib.sha256(raw).hexdigest()}", ""


def _summary_headers(raw: bytes) -> tuple[str, str]:
    """From and Subject for listing, from the header section only (deciding parses the whole
    message later); a message the parser chokes on is still stored. NUL becomes U+FFFD:
    PostgreSQL text cannot hold it (the raw bytes keep it)."""
    try:
        msg = parse_headers(raw)
        return tuple(header(msg, name).replace("\x00", "\ufffd") for name in ("From", "Subject"))  # type: ignore[return-value]
    except Exception:  # noqa: BLE001 - e.g. RecursionError on absurdly nested MIME
        return "", ""


def intake(app: App, report: CycleReport, guard: Guard | None = None) -> None:
    """Store every new message, a bounded batch at a time, until the mailbox has no more."""
    guard = guard or Guard()
    try:
        while _intake_batch(app, report, guard):
            if (why := guard.reason_to_stop()):
                report.stopped = why
                return
    except LeaseLost:
        report.stopped = "lease lost"
        log.warning("intake lease lost: another worker reads the mailbox now", extra={"event": "lease_lost"})


def _intake_batch(app: App, report: CycleReport, guard: Guard) -> int:
    with Session(app.engine) as session:
        checkpoint = checkpoint_for(session, mailbox=app.mailbox.name)
    count = 0
    for incoming in app.mailbox.fetch(app.settings.batch_size, checkpoint=checkpoint):
        count += 1
        file_copy, message_id = _store(app, incoming, report, guard)
        app.mailbox.stored(incoming.key)
        if file_copy:
            _file_duplicate(app, incoming, message_id)
        if guard.reason_to_stop():
            break
    return count


def _store(app: App, incoming: Incoming, report: CycleReport, guard: Guard) -> tuple[bool, str]:
    """Store one message (or record its duplicate delivery). Returns (file the copy as
    ignored?, Message-ID): only when the original is already filed elsewhere. A copy of a
    message not yet filed stays put — after a UIDVALIDITY change it IS the original, and
    filing finds it by Message-ID — so a request is never filed as ignored by mistake."""
    key, mid = dedup_key(incoming.raw)
    now = app.clock()
    file_copy = False
    renewing = guard.lease_due(now)
    with Session(app.engine) as session:
        if renewing and not renew_lease(session, name=guard.lease.name, holder=guard.lease.holder, now=now, ttl=guard.lease.ttl):
            raise LeaseLost(guard.lease.name)
        # Insert first, look only on a clash: duplicates are rare, so the common case is one write.
        try:
            with session.begin_nested():
                from_addr, subject = _summary_headers(incoming.raw)
                row = journal.add_inbound(session, dedup_key=key, message_id=mid, source=incoming.key, raw=incoming.raw,
                                          from_addr=from_addr, subject=subject, now=now)
                journal.audit(session, actor="allocbot", action="stored", inbound_id=row.id, detail={"source": incoming.key}, now=now)
                duplicate = False
        except IntegrityError:  # stored before (a second delivery), or by another worker a moment ago
            duplicate = True
            original = store.inbound_by_key(session, dedup_key=key)
            file_copy = original is not None and original.filed_at is not None and original.source != incoming.key
        if duplicate:
            journal.audit(session, actor="allocbot", action="duplicate_delivery", inbound_id=None,
                          detail={"message_id": mid, "source": incoming.key}, now=now)
        if incoming.checkpoint is not None:
            advance_checkpoint(session, mailbox=app.mailbox.name, checkpoint=incoming.checkpoint, now=now)
        session.commit()
    if renewing:
        guard.lease_renewed_at = now
    if duplicate:
        report.duplicates += 1
    else:
        report.stored += 1
    log.info("message stored" if not duplicate else "duplicate delivery",
             extra={"event": "duplicate_delivery" if duplicate else "message_stored", "source": incoming.key, "message_id": mid})
    return file_copy, mid


def _file_duplicate(app: App, incoming: Incoming, message_id: str) -> None:
    """A second delivery of a message already filed leaves the inbox as ignored mail; if the
    server refuses now, the copy stays where it is (the checkpoint has passed it) and is logged."""
    try:
        app.mailbox.file(incoming.key, "ignored", message_id=message_id)
    except Exception as exc:  # noqa: BLE001 - a copy left in the inbox is harmless; the cycle goes on
        log.warning("duplicate not filed: %s", exc, extra={"event": "file_failed", "source": incoming.key})
