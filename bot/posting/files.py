"""`ALLOCBOT_BILLING=file:DIR`: batches of postings as JSON Lines files for a billing system's
batch import, and its acknowledgements read back from `DIR/acks/*.jsonl`.

A batch is `DIR/postings-<seq>.jsonl`, written under a temporary name, fsynced and renamed,
so the billing system never reads half a file. The number is given before the file is
written and stored with the postings: after a crash the same postings are written again
under the same number only if that file is not there yet, so each posting is in one file.

An ack line is `{"key": ..., "status": "accepted" | "rejected", "reason": ...}`. A read acks
file moves to `DIR/acks/done/`; its unreadable lines are listed and skipped."""
from __future__ import annotations

import json
import os
from pathlib import Path

from bot.posting.port import Ack, AckFile, Answer, Batch, BillingError

MAX_ACK_LINES = 100_000  # per file; a longer one is read in part and said so


def batch_path(directory: Path, seq: int) -> Path:
    return directory / f"postings-{seq:08d}.jsonl"


def write_atomically(path: Path, data: bytes) -> None:
    """Temporary name beside it, fsync, rename, fsync the folder: all of it or nothing."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_ack_line(line: str) -> Ack:
    """One ack, or ValueError saying what is wrong with the line."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    key, status, reason = value.get("key"), value.get("status"), value.get("reason") or ""
    if not isinstance(key, str) or not key.strip():
        raise ValueError("no \"key\"")
    if status not in ("accepted", "rejected"):
        raise ValueError(f"\"status\" must be accepted or rejected, not {status!r}")
    if not isinstance(reason, str):
        reason = json.dumps(reason, ensure_ascii=False)
    return Ack(key.strip(), status, reason[:2000])


def read_ack_file(path: Path) -> AckFile:
    acks, problems = [], []
    with path.open("rb") as f:
        for n, raw in enumerate(f, 1):
            if n > MAX_ACK_LINES:
                problems.append(f"{path.name}: lines after {MAX_ACK_LINES:,} not read")
                break
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            try:
                acks.append(read_ack_line(line))
            except ValueError as exc:
                problems.append(f"{path.name} line {n}: {exc}")
    return AckFile(path, tuple(acks), tuple(problems))


class FileBilling:
    batched = True
    reflects_at_once = False
    batch_size = 1000  # postings per file

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.name = f"file:{self.directory}"

    @property
    def acks_dir(self) -> Path:
        return self.directory / "acks"

    def _ready(self) -> None:
        try:
            self.acks_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BillingError(f"{self.directory}: cannot create the folder ({exc.strerror})") from None
        if not os.access(self.directory, os.W_OK):
            raise BillingError(f"{self.directory}: not writable")

    def deliver(self, batch: Batch) -> list[Answer]:
        if batch.seq is None:
            raise BillingError("a file batch needs its number")
        self._ready()
        path = batch_path(self.directory, batch.seq)
        if not path.exists():  # written before a crash: it holds these postings already
            data = "".join(json.dumps(p.as_json(), ensure_ascii=False) + "\n" for p in batch.postings).encode()
            try:
                write_atomically(path, data)
            except OSError as exc:
                raise BillingError(f"{path}: cannot write ({exc.strerror})") from None
        return [Answer(p.key, "handed") for p in batch.postings]

    def acknowledgements(self) -> list[AckFile]:
        if not self.acks_dir.is_dir():
            return []
        return [read_ack_file(p) for p in sorted(self.acks_dir.glob("*.jsonl")) if p.is_file()]

    def done_with(self, ack_file: AckFile) -> None:
        """Move a recorded acks file aside; one moved already (a second worker) is done."""
        done = self.acks_dir / "done"
        done.mkdir(exist_ok=True)
        try:
            os.replace(ack_file.path, done / ack_file.path.name)
        except FileNotFoundError:
            pass

    def check(self) -> str | None:
        try:
            self._ready()
        except BillingError as exc:
            return str(exc)
        return None

    def close(self) -> None:
        return None
