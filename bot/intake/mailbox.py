"""What the service needs from a mailbox; Maildir and IMAP adapters implement it."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Incoming:
    key: str  # the mailbox's own name for the message (Maildir key, IMAP UID)
    raw: bytes


class Mailbox(Protocol):
    def fetch(self, limit: int) -> Iterator[Incoming]:
        """Messages not yet marked done, oldest first, at most `limit`."""

    def mark_done(self, key: str, status: str) -> None:
        """Called after the message's transaction committed; never deletes the message."""
