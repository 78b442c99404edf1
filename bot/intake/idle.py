"""IMAP IDLE: the server tells us when mail arrives, so a request is handled seconds after it
lands instead of one poll interval later (promise 5).

`watch_folder` is one loop with two exits, "stopped" and "the server has no IDLE", and one
detour, "connection lost", which reconnects with the Backoff policy. The connection is its
own, never the one fetch and file use: a connection in IDLE can do nothing else.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from imapclient import IMAPClient

from bot.intake.imap_connect import IMAP_ERRORS, close_quietly, describe
from bot.intake.mailbox import MailboxError
from bot.retry import Backoff

log = logging.getLogger("allocbot.idle")

CHECK_SECONDS = 1.0  # longest wait on the socket before `stop` is looked at again


class ConnectionLost(Exception):
    """The IDLE connection said BYE or stopped answering."""


def reports_new_mail(responses: Sequence[Any]) -> bool:
    """`* n EXISTS` (or `* n RECENT` with n > 0): something arrived. EXPUNGE and FETCH
    (flags changed) are other clients at work and wake nobody."""
    for response in responses:
        if isinstance(response, tuple) and len(response) >= 2 and isinstance(response[0], int):
            if response[1] == b"EXISTS" or (response[1] == b"RECENT" and response[0] > 0):
                return True
    return False


def says_goodbye(responses: Sequence[Any]) -> bool:
    """`* BYE ...`: the server is closing this connection (shutdown, admin kick, timeout)."""
    return any(isinstance(r, tuple) and r and r[0] == b"BYE" for r in responses)


class _Watch:
    def __init__(self, connect: Callable[[], IMAPClient], folder: str, on_mail: Callable[[], None],
                 stop: threading.Event, *, renew_seconds: float, backoff: Backoff, mailbox: str,
                 check_seconds: float) -> None:
        self.connect, self.folder, self.on_mail, self.stop = connect, folder, on_mail, stop
        self.renew_seconds, self.backoff, self.check_seconds = renew_seconds, backoff, check_seconds
        self.facts = {"mailbox": mailbox, "folder": folder}

    def run(self) -> bool:
        failures = 0
        while not self.stop.is_set():
            try:
                client = self.connect()
            except (MailboxError, *IMAP_ERRORS) as exc:
                failures += 1
                self._wait_before_retry(failures, f"cannot connect: {describe(exc)}")
                continue
            failures = 0
            try:
                has_idle = self._idle_until_stopped(client)
            except (ConnectionLost, *IMAP_ERRORS) as exc:
                close_quietly(client, logout=False)
                failures += 1
                self._wait_before_retry(failures, f"connection lost: {describe(exc)}")
                continue
            except BaseException:
                close_quietly(client, logout=False)
                raise
            close_quietly(client)
            if not has_idle:
                log.info("%s offers no IDLE: polling only", self.facts["mailbox"],
                         extra={"event": "idle_unsupported", **self.facts})
                return False  # exit: the server cannot tell us, the caller polls
        log.info("stopped watching %s", self.folder, extra={"event": "idle_stopped", **self.facts})
        return True  # exit: stop was set

    def _idle_until_stopped(self, client: IMAPClient) -> bool:
        """Hold the folder in IDLE until `stop` (True), or False at once if the server has
        no IDLE; raises when the connection dies."""
        if not client.has_capability("IDLE"):
            return False
        client.select_folder(self.folder, readonly=True)
        client.idle()
        log.info("idling on %s", self.folder, extra={"event": "idle_started", **self.facts})
        self._notify("connected")  # mail that arrived while we were not listening
        renew_at = time.monotonic() + self.renew_seconds
        while not self.stop.is_set():
            started = time.monotonic()
            responses = client.idle_check(timeout=self.check_seconds)
            if says_goodbye(responses):
                raise ConnectionLost(f"server said BYE: {responses}")
            if reports_new_mail(responses):
                self._notify("new mail")
            # woken early with nothing to read: the socket may be at EOF (closed without BYE)
            woke_empty = not responses and time.monotonic() - started < self.check_seconds / 2
            if woke_empty or time.monotonic() >= renew_at:
                self._renew(client)
                renew_at = time.monotonic() + self.renew_seconds
        client.idle_done()
        return True

    def _renew(self, client: IMAPClient) -> None:
        """End IDLE, prove the connection alive with NOOP, IDLE again (servers drop an IDLE
        after 29 minutes at the latest; a silent network is found here by the read timeout)."""
        _text, during = client.idle_done()
        _text, after = client.noop()
        if reports_new_mail([*during, *after]):
            self._notify("new mail")
        client.idle()
        log.debug("IDLE renewed on %s", self.folder, extra={"event": "idle_renewed", **self.facts})

    def _notify(self, why: str) -> None:
        try:
            self.on_mail()
        except Exception:  # noqa: BLE001 - the caller's failure must not end the watch
            log.exception("on_mail failed (%s)", why, extra={"event": "idle_callback_failed", **self.facts})

    def _wait_before_retry(self, failures: int, reason: str) -> None:
        delay = self.backoff.seconds(failures)
        log.warning("IDLE on %s: %s; retrying in %.1f s", self.folder, reason, delay,
                    extra={"event": "idle_reconnect", "attempt": failures, "delay_seconds": round(delay, 3),
                           "error": reason, **self.facts})
        self.stop.wait(delay)  # ends at once when stop is set


def watch_folder(connect: Callable[[], IMAPClient], folder: str, on_mail: Callable[[], None],
                 stop: threading.Event, *, renew_seconds: float = 600, backoff: Backoff = Backoff(base=1, cap=60),
                 mailbox: str = "", check_seconds: float = CHECK_SECONDS) -> bool:
    """Until `stop` is set, call `on_mail` whenever mail arrives in `folder` (and once after
    each connect). True when stopped; False at the first connection if the server lacks IDLE.
    `on_mail` runs on this thread: it should hand the work on (wake a job), not do it."""
    return _Watch(connect, folder, on_mail, stop, renew_seconds=renew_seconds, backoff=backoff,
                  mailbox=mailbox or folder, check_seconds=check_seconds).run()
