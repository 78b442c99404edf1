"""What the outbox sender needs from a transport; file and SMTP adapters implement it."""
from __future__ import annotations

from typing import Protocol


class DeliveryError(Exception):
    """The transport refused the message. `permanent` means retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Outbox(Protocol):
    def send(self, raw: bytes, *, to: str, message_id: str) -> None:
        """Hand one message to the transport; raise DeliveryError when it is not accepted."""
