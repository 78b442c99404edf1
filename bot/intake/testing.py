"""A mailbox fake for tests, next to the protocol it fakes: wraps a real mailbox, records
what the service asked of it, and refuses to file chosen messages (a server's odd answer)."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bot.intake.mailbox import Checkpoint, Filing, FilingResult, Health, Incoming, Mailbox, MailboxError, file_each


@dataclass
class RecordingMailbox:
    inner: Mailbox
    refuse_filing: Callable[[str], bool] = lambda key: False
    filed: list[tuple[str, str]] = field(default_factory=list)  # (key, status) accepted
    refused: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.inner.name

    def fetch(self, limit: int, *, checkpoint: Checkpoint | None) -> Iterator[Incoming]:
        return self.inner.fetch(limit, checkpoint=checkpoint)

    def stored(self, key: str) -> None:
        self.inner.stored(key)

    def file(self, key: str, status: str, *, message_id: str = "") -> None:
        if self.refuse_filing(key):
            self.refused.append(key)
            raise MailboxError(f"refused to file {key}")
        self.inner.file(key, status, message_id=message_id)
        self.filed.append((key, status))

    def file_many(self, filings: list[Filing], *, give_up_after: int) -> FilingResult:
        return file_each(self, filings, give_up_after=give_up_after)

    def watch(self, on_mail: Callable[[], None], stop: threading.Event) -> bool:
        return self.inner.watch(on_mail, stop)

    def health(self) -> Health:
        return self.inner.health()

    def close(self) -> None:
        self.inner.close()
