"""The embedded-default mailbox: a local Maildir read with the standard library.

New mail is read from `new/` in name order (Maildir names start with the delivery time).
A stored message moves to `cur/` with the Seen flag: kept, never deleted, not read again.
A Maildir has no checkpoint (`new/` itself is the list of what is left) and no outcome
folders: filing is a no-op.
"""
from __future__ import annotations

import glob
import itertools
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from bot.intake.mailbox import Checkpoint, Filing, FilingResult, Health, Incoming, file_each


class MaildirMailbox:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.name = f"maildir:{self.path}"
        for sub in ("new", "cur", "tmp"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)

    def fetch(self, limit: int, *, checkpoint: Checkpoint | None = None) -> Iterator[Incoming]:
        with os.scandir(self.path / "new") as entries:  # the directory's own file types: no stat per message
            names = sorted(e.name for e in entries if e.is_file() and not e.name.startswith("."))
        for name in names[:limit]:
            key = name.split(":", 1)[0]
            try:
                raw = (self.path / "new" / name).read_bytes()
            except FileNotFoundError:  # taken by another reader meanwhile
                continue
            yield Incoming(key=key, raw=raw)

    def stored(self, key: str) -> None:
        """Move new/KEY to cur/KEY:2,S with a rename: the bytes are never rewritten.

        Another reader (a worker that held the intake lease a moment ago, or `run --once`)
        may have moved the file between our look and our rename: then it is in cur/ already,
        and that is what was asked."""
        # The exact name first; the glob (lazy) only runs when that is not there: globbing new/
        # for every message read the whole folder each time.
        sources = itertools.chain([self.path / "new" / key], (self.path / "new").glob(f"{glob.escape(key)}:*"))  # a key may hold [ ] * ?
        for source in sources:
            try:
                os.replace(source, self.path / "cur" / f"{key}:2,S")
                return
            except FileNotFoundError:  # not there, or moved by another reader meanwhile
                if source.exists():  # it is there: cur/ itself is missing, which must not pass silently
                    raise
                continue

    def file(self, key: str, status: str, *, message_id: str = "") -> None:
        """Outcome folders are an IMAP feature; the Maildir keeps every message in cur/."""

    def file_many(self, filings: list[Filing], *, give_up_after: int) -> FilingResult:
        return file_each(self, filings, give_up_after=give_up_after)

    def watch(self, on_mail: Callable[[], None], stop: threading.Event) -> bool:
        return False  # the worker's poll reads new/

    def health(self) -> Health:
        new = self.path / "new"
        if not new.is_dir():
            return Health(False, f"{new} is not a folder")
        waiting = sum(1 for p in new.iterdir() if p.is_file() and not p.name.startswith("."))
        return Health(True, f"{waiting} message(s) waiting in {new}")

    def close(self) -> None:
        pass
