"""Proof that a lease holder's process is still running, which ends when the process does.

A lease (leases.py) alone cannot tell a holder that is busy from one that was SIGKILLed: both
leave the row unexpired, and the next run waited the whole time to live (issue 15). So every
process that holds a lease or a claim first takes a mark of its own that the operating system
or the database drops with it:
- on PostgreSQL a session advisory lock on a connection kept open for the purpose (it ends
  with the connection, which ends with the process, on any host);
- on a SQLite file a lock file per holder held with `flock` (it ends with the process;
  SQLite's writers all share one host). An ended holder's file stays, so every process asking
  gets the same answer, until a sweep removes it a day later.
Another process asks `gone(holder)`: True only when that holder's mark can be taken, i.e. its
process has ended; its lease or claim is then taken over at once. Never gone: a name without
the `label:host:pid:token` form (an older version, a name given by hand), a holder whose lock
file does not exist, and a holder on this host whose pid still runs, whatever its mark says
(a database restart drops every connection, and with it the marks of live processes). Such
holders keep their time to live. A live holder on another host whose mark was dropped that
way may lose its lease early: its next renewal fails and it stores nothing more."""
from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, text
from sqlmodel import Session

log = logging.getLogger("allocbot.presence")
SWEEP_AFTER_SECONDS = 86_400
_NAMESPACE = 0x616C6C63  # "allc": the first key of allocbot's holder marks (pg_try_advisory_lock(int, int))


@dataclass(frozen=True)
class ProcessHolder:
    """Who holds a lease or claim: `label:host:pid:token`. Only names of this form carry a
    mark; the token tells apart two holders in one process and a pid used again."""

    label: str
    host: str
    pid: int
    token: str

    def __str__(self) -> str:
        return f"{self.label}:{self.host}:{self.pid}:{self.token}"

    @classmethod
    def this_process(cls, label: str) -> ProcessHolder:
        return cls(label, socket.gethostname(), os.getpid(), secrets.token_hex(4))

    @classmethod
    def parse(cls, holder: str) -> ProcessHolder | None:
        parts = holder.split(":")
        if len(parts) != 4 or not parts[2].isdigit() or len(parts[3]) != 8:
            return None
        return cls(parts[0], parts[1], int(parts[2]), parts[3])

    def running_here(self) -> bool:
        """Its process still runs on this host (a zombie has ended; another host: unknown, False)."""
        if self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # another user's process: it exists
            return True
        try:
            return Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
        except (OSError, IndexError):
            return True


class Presence(Protocol):
    holder: str

    def hold(self) -> None:
        """Take this process's mark, or take it again after its connection was lost."""

    def gone(self, holder: str) -> bool:
        """Whether `holder`'s process has certainly ended."""

    def close(self) -> None:
        """Drop the mark (a clean stop)."""


def _key(holder: str) -> int:
    return int.from_bytes(hashlib.sha256(holder.encode()).digest()[:4], "big", signed=True)


def _ended(holder: str) -> ProcessHolder | None:
    """The parsed holder when it may have a mark and is not known to be running here."""
    parsed = ProcessHolder.parse(holder)
    return None if parsed is None or parsed.running_here() else parsed


class PostgresPresence:
    """A session advisory lock held on a connection of its own for the holder's lifetime."""

    def __init__(self, engine: Engine, holder: str) -> None:
        self.engine, self.holder, self._conn = engine, holder, None
        self._lock = threading.Lock()  # the worker's jobs run in threads; one connection is not shared

    def hold(self) -> None:
        with self._lock:
            self._hold()

    def _hold(self) -> None:
        try:
            if self._conn is not None:
                self._conn.exec_driver_sql("SELECT 1")
                self._conn.commit()
                return
        except Exception:  # noqa: BLE001 - the connection was lost, and the mark with it
            self._drop()
        try:
            conn = self.engine.connect()
            held = self._try_lock(conn, self.holder)
            conn.commit()  # never left idle in a transaction; the session lock stays
        except Exception:  # noqa: BLE001 - without a mark the lease keeps its time to live
            log.warning("holder %s: its presence mark could not be taken", self.holder, exc_info=True)
            return
        if held:
            self._conn = conn
        else:
            conn.close()

    def gone(self, holder: str) -> bool:
        if holder == self.holder or _ended(holder) is None:
            return False
        with self.engine.connect() as conn:
            free = self._try_lock(conn, holder)
            if free:
                conn.execute(text("SELECT pg_advisory_unlock(:n, :k)"), {"n": _NAMESPACE, "k": _key(holder)})
            conn.commit()
        return free

    def close(self) -> None:
        with self._lock:
            self._drop()

    @staticmethod
    def _try_lock(conn: Connection, holder: str) -> bool:
        return bool(conn.execute(text("SELECT pg_try_advisory_lock(:n, :k)"),
                                 {"n": _NAMESPACE, "k": _key(holder)}).scalar())

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - already broken
                pass


class FlockPresence:
    """A lock file per holder beside the SQLite database, held with flock by the holder."""

    def __init__(self, folder: Path, holder: str) -> None:
        self.folder, self.holder, self._fd = folder, holder, None
        self._lock = threading.Lock()

    def _path(self, holder: str) -> Path:
        return self.folder / f"{hashlib.sha256(holder.encode()).hexdigest()[:24]}.lock"

    def hold(self) -> None:
        with self._lock:
            if self._fd is None:
                self._hold()

    def _hold(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._path(self.holder), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            log.warning("holder %s: its lock file could not be made", self.holder, exc_info=True)
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return
        os.write(fd, f"{self.holder}\n".encode())
        self._fd = fd
        self._sweep()

    def gone(self, holder: str) -> bool:
        if holder == self.holder or _ended(holder) is None:
            return False
        return self._free(self._path(holder))

    @staticmethod
    def _free(path: Path) -> bool:
        """Whether the lock file exists and nobody holds it. An ended holder's file stays (so
        every process that asks gets the same answer) until a sweep finds it a day old."""
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:  # no mark: never made (another kind of holder), or swept long after its end
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its process holds it: alive
        finally:
            os.close(fd)
        return True

    def _sweep(self) -> None:
        """Remove lock files of holders that ended more than a day ago: no lease or claim lasts
        that long, so nobody will ask about them again."""
        stale = time.time() - SWEEP_AFTER_SECONDS
        for path in self.folder.glob("*.lock"):
            try:
                if path.stat().st_mtime < stale and self._free(path):
                    path.unlink(missing_ok=True)
            except OSError:
                continue

    def close(self) -> None:
        with self._lock:
            fd, self._fd = self._fd, None
        if fd is not None:
            self._path(self.holder).unlink(missing_ok=True)
            os.close(fd)


class NoPresence:
    """No mark can be kept (an in-memory database): leases end only by their time to live."""

    def __init__(self, holder: str) -> None:
        self.holder = holder

    def hold(self) -> None:
        pass

    def gone(self, holder: str) -> bool:
        return False

    def close(self) -> None:
        pass


def ended_claimers(engine: Engine, presence: Presence | None, claimers: Callable[..., list[str]], *,
                   now: datetime) -> list[str]:
    """Of the holders of live claims (`claimers(session, now=now)`, e.g. postings.live_claimers),
    the ones whose process has ended: their claims are taken at once. None without a presence."""
    if presence is None:
        return []
    presence.hold()  # before this process's name goes on a claim
    with Session(engine) as session:
        holders = claimers(session, now=now)
    return [h for h in holders if h and presence.gone(h)]


def open_presence(engine: Engine, holder: str) -> Presence:
    """The mark that fits the database; nothing is taken until `hold()`."""
    database = engine.url.database
    if engine.dialect.name == "postgresql":
        return PostgresPresence(engine, holder)
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        return FlockPresence(Path(f"{database}-holders"), holder)
    return NoPresence(holder)
