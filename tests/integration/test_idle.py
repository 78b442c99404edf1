"""IMAP IDLE against a real Dovecot: new mail wakes the watcher within seconds, a dropped
connection is found and reconnected, renewing IDLE loses nothing, and `stop` ends it at once."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest

from bot.retry import Backoff

pytestmark = pytest.mark.dovecot

FAST_BACKOFF = Backoff(base=0.2, factor=2, cap=1)


def mail(n: int) -> bytes:
    return f"From: ann@bluepeak.example\r\nSubject: request {n}\r\nMessage-ID: <idle.{n}@bluepeak.example>\r\n\r\nbody\r\n".encode()


class Watcher:
    """`watch` running in a thread, counting calls of `on_mail`."""

    def __init__(self, mailbox) -> None:
        self.calls: list[float] = []
        self.changed = threading.Condition()
        self.stop = threading.Event()
        self.result: bool | None = None
        self.thread = threading.Thread(target=self._run, args=(mailbox,), daemon=True)
        self.thread.start()

    def _run(self, mailbox) -> None:
        self.result = mailbox.watch(self._on_mail, self.stop)

    def _on_mail(self) -> None:
        with self.changed:
            self.calls.append(time.monotonic())
            self.changed.notify_all()

    def wait_for_calls(self, count: int, timeout: float = 10.0) -> float:
        """Seconds until `on_mail` had been called `count` times; fails after `timeout`."""
        start = time.monotonic()
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.calls) >= count, timeout), \
                f"on_mail called {len(self.calls)} times, expected {count} within {timeout} s"
        return time.monotonic() - start

    def stop_and_join(self, timeout: float = 5.0) -> float:
        start = time.monotonic()
        self.stop.set()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "watch did not end after stop"
        return time.monotonic() - start


@pytest.fixture
def watchers() -> list[Watcher]:
    started: list[Watcher] = []
    yield started
    for watcher in started:
        watcher.stop.set()
        watcher.thread.join(5)


def start_watch(watchers: list[Watcher], mailbox) -> Watcher:
    watcher = Watcher(mailbox)
    watchers.append(watcher)
    return watcher


def appended_and_noticed(server, watcher: Watcher, n: int) -> Callable[[], float]:
    before = len(watcher.calls)
    sent = time.monotonic()
    server.append(mail(n))
    watcher.wait_for_calls(before + 1)
    return time.monotonic() - sent


def test_new_mail_wakes_the_watcher_and_stop_ends_it(dovecot, imap_mailbox, watchers):
    watcher = start_watch(watchers, imap_mailbox(dovecot))
    watcher.wait_for_calls(1)  # once on connecting: mail may have arrived while nobody listened

    latency = appended_and_noticed(dovecot, watcher, 1)
    print(f"\nIDLE latency: append -> on_mail in {latency * 1000:.0f} ms")
    assert latency < 10

    took = watcher.stop_and_join()
    print(f"stop -> watch returned in {took * 1000:.0f} ms")
    assert took < 2.5
    assert watcher.result is True


def test_a_kicked_connection_is_reconnected_and_mail_still_wakes_the_watcher(dovecot, imap_mailbox, watchers, caplog):
    caplog.set_level(logging.INFO, "allocbot.idle")
    watcher = start_watch(watchers, imap_mailbox(dovecot, backoff=FAST_BACKOFF))
    watcher.wait_for_calls(1)

    dovecot.kick()
    watcher.wait_for_calls(2)  # reconnected: the catch-up call after connecting
    assert [r.event for r in caplog.records].count("idle_started") == 2
    lost = [r for r in caplog.records if r.event == "idle_reconnect"]
    assert len(lost) == 1 and "connection lost" in lost[0].error and "BYE" in lost[0].error

    latency = appended_and_noticed(dovecot, watcher, 1)
    print(f"\nIDLE latency after reconnect: {latency * 1000:.0f} ms")
    assert latency < 10
    watcher.stop_and_join()


def test_a_server_dying_without_bye_is_noticed_and_reconnected(dovecot, imap_mailbox, watchers, caplog):
    caplog.set_level(logging.INFO, "allocbot.idle")
    watcher = start_watch(watchers, imap_mailbox(dovecot, backoff=FAST_BACKOFF))  # renewal only every 600 s
    watcher.wait_for_calls(1)

    dovecot.stop()  # killed: the socket just closes, no BYE
    dovecot.start()
    watcher.wait_for_calls(2)
    assert [r.event for r in caplog.records].count("idle_started") == 2

    assert appended_and_noticed(dovecot, watcher, 1) < 10
    watcher.stop_and_join()


def test_renewed_idle_loses_no_notification(dovecot, imap_mailbox, watchers, caplog):
    caplog.set_level(logging.DEBUG, "allocbot.idle")
    # renewed after every wake-up, i.e. at each 1 s check; Dovecot reports mail ~0.5 s after it
    # lands, so appends 0.45-0.65 s after a wake-up are reported while IDLE is being renewed
    watcher = start_watch(watchers, imap_mailbox(dovecot, renew_seconds=0.1))
    watcher.wait_for_calls(1)

    latencies = []
    for n, pause in enumerate((0.45, 0.5, 0.55, 0.6, 0.65)):
        time.sleep(pause)
        latencies.append(appended_and_noticed(dovecot, watcher, n))
    print(f"\nIDLE latencies across renewals: {[f'{s * 1000:.0f} ms' for s in latencies]}")

    assert [r.event for r in caplog.records].count("idle_renewed") >= 2
    assert [r.event for r in caplog.records].count("idle_started") == 1  # renewed, never reconnected
    assert watcher.stop_and_join() < 2.5


def test_a_connection_that_stops_answering_is_found_at_renewal_and_replaced(dovecot, imap_mailbox, watchers, caplog):
    caplog.set_level(logging.INFO, "allocbot.idle")
    watcher = start_watch(watchers, imap_mailbox(dovecot, renew_seconds=1, timeout=1, backoff=FAST_BACKOFF))
    watcher.wait_for_calls(1)

    assert len(dovecot.freeze()) == 1  # the watcher's connection: open, but silent from now on
    dovecot.append(mail(1))  # the frozen connection never reports it

    took = watcher.wait_for_calls(2)  # renewal (1 s) + NOOP read timeout (1 s) + reconnect
    print(f"\nsilent connection replaced and mail noticed in {took * 1000:.0f} ms")
    lost = [r for r in caplog.records if r.event == "idle_reconnect"]
    assert len(lost) == 1 and "TimeoutError" in lost[0].error
    assert watcher.stop_and_join() < 2.5


def test_a_server_down_at_start_is_retried_with_backoff_until_it_is_up(dovecot, imap_mailbox, watchers, caplog):
    caplog.set_level(logging.INFO, "allocbot.idle")
    dovecot.stop()
    watcher = start_watch(watchers, imap_mailbox(dovecot, backoff=FAST_BACKOFF))
    time.sleep(1.2)
    attempts = [r.attempt for r in caplog.records if r.event == "idle_reconnect"]
    assert len(attempts) >= 2 and attempts == list(range(1, len(attempts) + 1))  # 0.2 s, 0.4 s, 0.8 s ...
    assert watcher.calls == []

    dovecot.start()
    watcher.wait_for_calls(1)
    dovecot.append(mail(1))
    watcher.wait_for_calls(2)

    dovecot.kick()  # a connection that worked resets the count: the next wait is the first again
    watcher.wait_for_calls(3)
    assert [r.attempt for r in caplog.records if r.event == "idle_reconnect"][-1] == 1
    watcher.stop_and_join()


def test_stop_ends_a_backoff_wait_at_once(dovecot, imap_mailbox, watchers):
    dovecot.stop()
    watcher = start_watch(watchers, imap_mailbox(dovecot, backoff=Backoff(base=60, cap=60)))
    time.sleep(0.3)  # now waiting a minute before the next attempt
    assert watcher.stop_and_join() < 1
    assert watcher.result is True


def test_a_server_without_idle_is_reported_at_once(start_dovecot, imap_mailbox, watchers):
    server = start_dovecot(imap_capability="IMAP4rev1 LITERAL+ UIDPLUS MOVE")
    watcher = start_watch(watchers, imap_mailbox(server))
    watcher.thread.join(5)
    assert watcher.result is False
    assert watcher.calls == []
    assert "no IDLE" in imap_mailbox(server).health().detail


def test_watch_holds_its_own_connection_beside_fetch_and_file(dovecot, imap_mailbox, watchers):
    mailbox = imap_mailbox(dovecot)
    watcher = start_watch(watchers, mailbox)
    watcher.wait_for_calls(1)

    dovecot.append(mail(1))
    watcher.wait_for_calls(2)
    (incoming,) = mailbox.fetch(10, checkpoint=None)
    mailbox.file(incoming.key, "applied")
    dovecot.append(mail(2))
    watcher.wait_for_calls(3)

    assert dovecot.messages("Allocations.Applied") == [mail(1)]
    assert watcher.thread.is_alive()
    watcher.stop_and_join()
