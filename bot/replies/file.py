"""An outbox that writes each message to a folder as one `.eml` file (demo, tests, audits).

The file is named after the Message-ID, so re-sending the same message after a crash
overwrites it instead of adding a second copy. It is written under a hidden temporary name
in the same folder, fsynced, then renamed with os.replace, so a reader never sees half a
message and a crash leaves either the old file or the new one.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from bot.replies.outbox import Connectionless, DeliveryError

_SAFE = re.compile(r"[^A-Za-z0-9._@+=-]")
_MAX_NAME = 150


class FileOutbox(Connectionless):
    """Outbox protocol over a folder; `to` is in the message headers, so it is not used."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.name = f"file:{self.folder}"

    def path_for(self, message_id: str) -> Path:
        return self.folder / file_name(message_id)

    def send(self, raw: bytes, *, to: str, message_id: str) -> None:
        if not (message_id or "").strip().strip("<>").strip():
            raise DeliveryError("message has no Message-ID to name its file", permanent=True)
        target = self.path_for(message_id)
        tmp_name: str | None = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".eml.part")
            with os.fdopen(fd, "wb") as handle:
                handle.write(raw)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, target)
            tmp_name = None
            _fsync_dir(self.folder)
        except OSError as exc:
            raise DeliveryError(f"cannot write {target}: {exc}") from exc
        finally:
            if tmp_name is not None:
                _remove_quietly(tmp_name)


def file_name(message_id: str) -> str:
    """"<a.b@host>" → "a.b@host.eml"; ids with unsafe characters get a hash so they stay unique."""
    core = message_id.strip().strip("<>").strip()
    safe = _SAFE.sub("_", core).lstrip(".")[:_MAX_NAME]
    if safe != core:
        safe = f"{safe}.{hashlib.sha256(core.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"
    return f"{safe}.eml"


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable; not every platform lets a directory be fsynced."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
