"""The embedded-default mailbox: a local Maildir read with the standard library.

New mail is read from `new/` in name order (Maildir names start with the delivery time).
A processed message moves to `cur/` with the Seen flag: kept, never deleted, not read again.
"""
from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from pathlib import Path

from bot.intake.mailbox import Incoming


class MaildirMailbox:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        for sub in ("new", "cur", "tmp"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)

    def fetch(self, limit: int) -> Iterator[Incoming]:
        names = sorted(p.name for p in (self.path / "new").iterdir() if p.is_file() and not p.name.startswith("."))
        for name in names[:limit]:
            key = name.split(":", 1)[0]
            try:
                raw = (self.path / "new" / name).read_bytes()
            except FileNotFoundError:  # taken by another reader meanwhile
                continue
            yield Incoming(key=key, raw=raw)

    def mark_done(self, key: str, status: str) -> None:
        """Move new/KEY to cur/KEY:2,S with a rename: the bytes are never rewritten."""
        source = self.path / "new" / key
        if not source.exists():
            candidates = [p for p in (self.path / "new").glob(f"{glob.escape(key)}:*")]  # a key may hold [ ] * ?
            if not candidates:
                return
            source = candidates[0]
        os.replace(source, self.path / "cur" / f"{key}:2,S")
