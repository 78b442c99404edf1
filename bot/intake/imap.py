"""The IMAP mailbox: reads a folder by UID from a checkpoint kept in the database, and files
each message into its outcome's folder once that outcome is committed.

\\Seen is never used for state (BODY.PEEK[] leaves it alone): people may read the mailbox
too. Nothing is ever expunged except the exact UIDs this adapter copied away itself.
"""
from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from imapclient import IMAPClient

from bot.endpoints import Endpoint
from bot.intake.idle import watch_folder
from bot.intake.imap_connect import IMAP_ERRORS, close_quietly, describe, open_imap
from bot.intake.imap_keys import MessageKey, chunks, message_key, parse_message_key, resume_after, server_folder, uids_to_read
from bot.intake.mailbox import Checkpoint, Filing, FilingResult, Health, Incoming, MailboxError, file_each
from bot.retry import Backoff
from bot.settings import ImapFolders

log = logging.getLogger("allocbot.imap")

DELETED = b"\\Deleted"


class ImapMailbox:
    chunk_size = 50  # messages per UID FETCH
    probe_after = 30.0  # seconds unused after which a kept connection is checked with NOOP before reuse

    def __init__(self, endpoint: Endpoint, *, folders: ImapFolders, token: Callable[[], str] | None = None,
                 ssl_context: ssl.SSLContext | None = None, timeout: float = 30.0, use_move: bool = True,
                 renew_seconds: float = 600, backoff: Backoff = Backoff(base=1, factor=2, cap=60, jitter=0.2)) -> None:
        self.endpoint = endpoint
        self.folders = folders
        self.name = endpoint.redacted()
        self.use_move = use_move
        self.renew_seconds = renew_seconds
        self.backoff = backoff
        self._connect_args = {"token": token, "ssl_context": ssl_context, "timeout": timeout}
        self._client: IMAPClient | None = None
        self._last_used = 0.0
        self._existing: set[str] | None = None  # server folder names, cached per connection
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ the Mailbox protocol
    def fetch(self, limit: int, *, checkpoint: Checkpoint | None) -> Iterator[Incoming]:
        folder = self.endpoint.folder
        with self._session("fetch") as client:
            uidvalidity = self._select(client, folder, readonly=True)
            after = resume_after(checkpoint, folder, uidvalidity)
            uids = uids_to_read(client.search(["UID", f"{after + 1}:*"]), after, limit)
        if checkpoint is not None and checkpoint.folder == folder and checkpoint.uidvalidity != uidvalidity:
            log.warning("UIDVALIDITY of %s changed (%s -> %s): reading it again from the start", folder,
                        checkpoint.uidvalidity, uidvalidity, extra={"event": "imap_uidvalidity_changed",
                        "mailbox": self.name, "folder": folder, "uidvalidity": uidvalidity})
        for chunk in chunks(uids, self.chunk_size):
            with self._session("fetch") as client:
                if self._select(client, folder, readonly=True) != uidvalidity:
                    return  # renumbered mid-batch: the next fetch starts the folder again
                bodies = client.fetch(chunk, ["BODY.PEEK[]"])
            for uid in chunk:
                raw = bodies.get(uid, {}).get(b"BODY[]")
                if raw is None:  # gone meanwhile (moved by someone else), or the server did not answer for it
                    log.warning("UID %s of %s gave no body: passed over", uid, folder, extra={
                        "event": "imap_no_body", "mailbox": self.name, "folder": folder, "uid": uid})
                    continue
                yield Incoming(key=message_key(folder, uidvalidity, uid), raw=bytes(raw),
                               checkpoint=Checkpoint(folder, uidvalidity, uid))

    def stored(self, key: str) -> None:
        """Nothing to do: the checkpoint stored with the message already moved past it."""

    def file(self, key: str, status: str, *, message_id: str = "") -> None:
        try:
            where = parse_message_key(key)
        except ValueError:  # read by another adapter before the mailbox URL changed: not ours to move
            log.warning("not an IMAP message key, left alone: %r", key,
                        extra={"event": "imap_foreign_key", "mailbox": self.name, "key": key})
            return
        with self._session("file") as client:
            target = self._target_folder(client, self.folders.for_status(status))
            uids = self._locate(client, where, message_id)
            if not uids:
                return
            self._ensure_folder(client, target)
            self._move(client, uids, target)
        log.info("filed %s in %s", key, target, extra={"event": "imap_filed", "mailbox": self.name, "key": key,
                                                        "status": status, "target": target})

    def file_many(self, filings: list[Filing], *, give_up_after: int) -> FilingResult:
        """A batch with one SELECT per folder, one UID SEARCH and one UID MOVE per target: a
        move per message cost a round trip each and, in a large folder, more per move (the
        server rewrites its index every time). Any refusal and it is one by one, where the odd
        message shows."""
        try:
            return self._file_together(filings)
        except Exception as exc:  # noqa: BLE001 - one by one finds the message the server objects to
            log.info("filing the batch together failed (%s): one by one", exc,
                     extra={"event": "imap_file_batch_failed", "mailbox": self.name})
            return file_each(self, filings, give_up_after=give_up_after)

    def _file_together(self, filings: list[Filing]) -> FilingResult:
        result, alone, by_folder = FilingResult(), [], {}
        for filing in filings:
            try:
                where = parse_message_key(filing.key)
            except ValueError:
                alone.append(filing)  # not ours to move: `file` says so and leaves it
                continue
            by_folder.setdefault((where.folder, where.uidvalidity), []).append((where.uid, filing))
        with self._session("file") as client:
            for (folder, uidvalidity), items in by_folder.items():
                if self._select(client, folder) != uidvalidity:
                    alone.extend(filing for _uid, filing in items)  # renumbered: found by Message-ID, one by one
                    continue
                present = set(client.search(["UID", ",".join(str(uid) for uid, _f in items)]))
                by_status: dict[str, list[int]] = {}
                for uid, filing in items:
                    if uid in present:
                        by_status.setdefault(filing.status, []).append(uid)
                for status, uids in by_status.items():
                    target = self._target_folder(client, self.folders.for_status(status))
                    self._ensure_folder(client, target)
                    self._move(client, uids, target)
                    log.info("filed %d message(s) of %s in %s", len(uids), folder, target, extra={
                        "event": "imap_filed", "mailbox": self.name, "status": status, "target": target, "count": len(uids)})
                if gone := len(items) - len(present):
                    log.info("%d message(s) no longer in %s: filed already", gone, folder,
                             extra={"event": "imap_already_filed", "mailbox": self.name, "folder": folder, "count": gone})
                result.filed.extend(filing.key for _uid, filing in items)
        one_by_one = file_each(self, alone, give_up_after=len(alone) + 1)
        result.filed.extend(one_by_one.filed)
        result.failed.extend(one_by_one.failed)
        return result

    def health(self) -> Health:
        folder = self.endpoint.folder
        try:
            with self._session("health") as client:
                info = client.select_folder(folder, readonly=True)
                idle = "IDLE supported" if client.has_capability("IDLE") else "no IDLE (polling only)"
        except MailboxError as exc:
            return Health(False, str(exc))
        except Exception as exc:  # noqa: BLE001 - health reports, it never raises
            return Health(False, f"{self.name}: {describe(exc)}")
        return Health(True, f"{folder}: {info.get(b'EXISTS', 0)} messages, "
                            f"UIDVALIDITY {info.get(b'UIDVALIDITY')}, {idle}")

    def close(self) -> None:
        with self._lock:
            self._drop(logout=True)

    # ------------------------------------------------------------------ IDLE
    def watch(self, on_mail: Callable[[], None], stop: threading.Event) -> bool:
        """Block until `stop`, calling `on_mail` when mail arrives; False at once without IDLE.
        Holds its own connection: fetch and file keep theirs."""
        return watch_folder(self._connect, self.endpoint.folder, on_mail, stop, renew_seconds=self.renew_seconds,
                            backoff=self.backoff, mailbox=self.name)

    # ------------------------------------------------------------------ connection
    def _connect(self) -> IMAPClient:
        return open_imap(self.endpoint, **self._connect_args)

    @contextmanager
    def _session(self, action: str) -> Iterator[IMAPClient]:
        """The kept connection (made when missing); any failure drops it and becomes a
        MailboxError, so the next call starts on a fresh connection."""
        with self._lock:
            client = self._kept_client()
            try:
                yield client
            except MailboxError:
                self._drop(logout=False)
                raise
            except IMAP_ERRORS as exc:
                self._drop(logout=False)
                log.warning("%s on %s failed: %s", action, self.name, describe(exc),
                            extra={"event": "imap_failed", "mailbox": self.name, "action": action})
                raise MailboxError(f"{action} on {self.name} failed: {describe(exc)}") from exc
            finally:
                self._last_used = time.monotonic()

    def _kept_client(self) -> IMAPClient:
        if self._client is not None and time.monotonic() - self._last_used >= self.probe_after:
            try:
                self._client.noop()
            except IMAP_ERRORS:
                self._drop(logout=False)  # closed by the server while unused: not an error yet
        if self._client is None:
            self._client = self._connect()
            self._existing = None
        return self._client

    def _drop(self, *, logout: bool) -> None:
        client, self._client, self._existing = self._client, None, None
        close_quietly(client, logout=logout)

    # ------------------------------------------------------------------ steps of fetch and file
    @staticmethod
    def _select(client: IMAPClient, folder: str, *, readonly: bool = False) -> int:
        return int(client.select_folder(folder, readonly=readonly)[b"UIDVALIDITY"])

    def _locate(self, client: IMAPClient, where: MessageKey, message_id: str) -> list[int]:
        """The UIDs of the message now: by UID while UIDVALIDITY holds, else by its
        Message-ID; [] when it is gone (filed before a crash) or cannot be told apart."""
        facts = {"mailbox": self.name, "folder": where.folder, "uid": where.uid}
        uidvalidity = self._select(client, where.folder)
        if uidvalidity == where.uidvalidity:
            uids = [uid for uid in client.search(["UID", str(where.uid)]) if uid == where.uid]
            if not uids:
                log.info("UID %s is no longer in %s: filed already", where.uid, where.folder,
                         extra={"event": "imap_already_filed", **facts})
            return uids
        found = self._by_message_id(client, message_id) if message_id else []
        if not found:
            log.warning("UIDVALIDITY of %s changed and message %r is not found there: left in place", where.folder,
                        message_id, extra={"event": "imap_file_not_found", "message_id": message_id, **facts})
        return found[:1]

    @staticmethod
    def _by_message_id(client: IMAPClient, message_id: str) -> list[int]:
        """Exact matches only: HEADER search is a substring match, so each hit is checked."""
        wanted = message_id.strip()
        hits = sorted(client.search(["HEADER", "Message-ID", wanted]))
        if not hits:
            return []
        headers = client.fetch(hits, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
        exact = []
        for uid in hits:
            raw = next((v for k, v in headers.get(uid, {}).items() if k.startswith(b"BODY[")), b"")
            value = bytes(raw).decode("ascii", "replace").partition(":")[2]
            if " ".join(value.split()) == wanted:
                exact.append(uid)
        return exact

    def _target_folder(self, client: IMAPClient, configured: str) -> str:
        prefix, delimiter = _personal_namespace(client)
        try:
            return server_folder(configured, delimiter, prefix)
        except ValueError as exc:
            raise MailboxError(f"{self.name}: {exc}") from exc

    def _ensure_folder(self, client: IMAPClient, folder: str) -> None:
        if self._existing is None:
            self._existing = {name for _flags, _delim, name in client.list_folders()}
        if folder in self._existing:
            return
        try:
            client.create_folder(folder)
        except IMAP_ERRORS:
            if not client.folder_exists(folder):  # another worker may have created it meanwhile
                raise
        else:
            log.info("created folder %s", folder, extra={"event": "imap_folder_created", "mailbox": self.name,
                                                          "target": folder})
            try:
                client.subscribe_folder(folder)  # so mail clients show it
            except IMAP_ERRORS:
                pass
        self._existing.add(folder)

    def _move(self, client: IMAPClient, uids: list[int], target: str) -> None:
        """UID MOVE when offered; else UID COPY, \\Deleted on those UIDs, and UID EXPUNGE of
        exactly them with UIDPLUS. Never a plain EXPUNGE, which would remove any \\Deleted mail."""
        if self.use_move and client.has_capability("MOVE"):
            client.move(uids, target)
            return
        client.copy(uids, target)
        client.add_flags(uids, [DELETED], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)


def _personal_namespace(client: IMAPClient) -> tuple[str, str | None]:
    """(prefix, hierarchy delimiter) of the user's own folders, from NAMESPACE or LIST."""
    if client.has_capability("NAMESPACE"):
        personal = client.namespace().personal
        if personal:
            prefix, delimiter = personal[0]
            return _text(prefix), _text(delimiter) or None
    listed = client.list_folders("", "")
    delimiter = listed[0][1] if listed else None
    return "", _text(delimiter) or None


def _text(value: str | bytes | None) -> str:
    return value.decode() if isinstance(value, bytes) else (value or "")
