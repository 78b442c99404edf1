"""What the outbox sender needs from a transport; the file and SMTP adapters implement it."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


class DeliveryError(Exception):
    """The transport refused the message. `permanent` means retrying cannot help (a 5xx);
    otherwise (a 4xx, a dropped connection, a full disk) the row waits and is tried again."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport(Protocol):
    def send(self, raw: bytes, *, to: str, message_id: str) -> None:
        """Hand one message over; return only once the server accepted it, else raise DeliveryError."""


class Outbox(Protocol):
    name: str  # names the transport in logs and status, without secrets

    def connection(self) -> AbstractContextManager[Transport]:
        """One fresh connection for one batch of replies; raises DeliveryError (transient)
        when the server cannot be reached or refuses the login."""


class Connectionless:
    """For transports with nothing to connect to (a folder, a test fake): the batch's
    connection is the object itself."""

    @contextmanager
    def connection(self) -> Iterator[Transport]:
        yield self  # type: ignore[misc]
