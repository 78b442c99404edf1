"""What the service needs from a mailbox; the Maildir and IMAP adapters implement it.

The order of calls is the promise: `fetch` hands over a message, the service stores it and
commits (together with the message's checkpoint), then calls `stored`; once the message is
decided and that transaction commits, it calls `file` with the outcome. Nothing is ever
deleted, and a crash between any two steps repeats a step, never skips one."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol


class MailboxError(Exception):
    """The mailbox cannot be reached or refused a command; the caller retries later."""


@dataclass(frozen=True)
class Checkpoint:
    """How far a folder has been read: stored in the database, never in \\Seen flags."""

    folder: str
    uidvalidity: int
    last_uid: int


@dataclass(frozen=True)
class Incoming:
    key: str  # the mailbox's own name for the message (Maildir key; IMAP "INBOX;UIDVALIDITY=7;UID=42")
    raw: bytes
    checkpoint: Checkpoint | None = None  # to save, in the storing transaction, once this message is stored


@dataclass(frozen=True)
class Health:
    reachable: bool
    detail: str  # e.g. "INBOX: 3 messages, UIDVALIDITY 1795581180" or the connection error


@dataclass(frozen=True)
class Filing:
    """One decided message to move to its outcome's folder."""

    key: str
    status: str
    message_id: str = ""


@dataclass
class FilingResult:
    filed: list[str] = field(default_factory=list)  # keys done (or found done already)
    failed: list[tuple[Filing, Exception]] = field(default_factory=list)
    gave_up: bool = False  # stopped after `give_up_after` failures in a row: the rest was not tried


def file_each(mailbox: Mailbox, filings: Sequence[Filing], *, give_up_after: int) -> FilingResult:
    """File one message at a time: one odd message is skipped (tried again next cycle) and
    never holds up the rest; several failures in a row mean the server is away."""
    result, in_a_row = FilingResult(), 0
    for filing in filings:
        try:
            mailbox.file(filing.key, filing.status, message_id=filing.message_id)
        except Exception as exc:  # noqa: BLE001 - a server refusal or an odd message: skip it, never stop
            result.failed.append((filing, exc))
            in_a_row += 1
            if in_a_row >= give_up_after:
                result.gave_up = True
                return result
            continue
        in_a_row = 0
        result.filed.append(filing.key)
    return result


class Mailbox(Protocol):
    name: str  # names the mailbox in checkpoints and status, without secrets

    def fetch(self, limit: int, *, checkpoint: Checkpoint | None) -> Iterator[Incoming]:
        """At most `limit` messages after `checkpoint`, oldest first; a changed UIDVALIDITY
        starts the folder again from the beginning (Message-ID dedup catches repeats)."""

    def stored(self, key: str) -> None:
        """The message's storing transaction committed (Maildir moves it to cur/)."""

    def file(self, key: str, status: str, *, message_id: str = "") -> None:
        """The message's outcome committed: move it to the folder for `status`
        (applied, needs_info, review, ignored, error). Raises MailboxError to be retried."""

    def file_many(self, filings: Sequence[Filing], *, give_up_after: int) -> FilingResult:
        """`file` for a batch, as the adapter does it best (IMAP: one UID MOVE per folder);
        `file_each` is the one-by-one way every adapter may fall back on."""

    def watch(self, on_mail: Callable[[], None], stop: threading.Event) -> bool:
        """Block until `stop` is set, calling `on_mail` whenever new mail arrives (IMAP IDLE);
        return False at once when the mailbox cannot push (Maildir, a server without IDLE)."""

    def health(self) -> Health:
        """Can the mailbox be reached now? Never raises."""

    def close(self) -> None:
        """Let go of any connection."""


MAILDIR_PARTS = ("cur", "new", "tmp")


def missing_maildir(url: str) -> str | None:
    """The path of a `maildir:PATH` mailbox that is not there (or lacks cur/new/tmp), else None.
    Checked before the adapter is built, since building it creates the folders."""
    from pathlib import Path

    if not url.startswith("maildir:"):
        return None
    path = Path(url.removeprefix("maildir:"))
    return None if all((path / part).is_dir() for part in MAILDIR_PARTS) else str(path)


class AbsentMailbox:
    """Stands in for a Maildir that does not exist, so `status` can report it without the
    Maildir adapter creating it; everything but `health` and `close` refuses."""

    def __init__(self, path: str) -> None:
        self.name = f"maildir:{path}"
        self._why = f"{path}: no such Maildir (missing, or without cur/new/tmp)"

    def fetch(self, limit: int, *, checkpoint: Checkpoint | None) -> Iterator[Incoming]:
        raise MailboxError(self._why)

    def stored(self, key: str) -> None:
        raise MailboxError(self._why)

    def file(self, key: str, status: str, *, message_id: str = "") -> None:
        raise MailboxError(self._why)

    def file_many(self, filings: Sequence[Filing], *, give_up_after: int) -> FilingResult:
        return file_each(self, filings, give_up_after=give_up_after)

    def watch(self, on_mail: Callable[[], None], stop: threading.Event) -> bool:
        return False

    def health(self) -> Health:
        return Health(False, self._why)

    def close(self) -> None:
        return None
