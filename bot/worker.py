"""`allocbot worker`: the scheduled jobs, IMAP IDLE, leases and a clean shutdown.

Jobs (APScheduler 3, each max_instances=1, coalesced, with a misfire grace time):
- `intake`  every poll_seconds, and at once when IDLE reports new mail: under the intake
  lease, read the billing system's ledger when a sync is due (Tryton), fetch and store new
  mail; then decide stored messages (claimed row by row, so every worker can help), file
  outcomes in the mailbox, and send the replies just made.
- `outbox`  every outbox_seconds: send replies that are due (first tries and retries).
- `digest`  daily at digest_time (UTC) when digest_to is set.
- `notice`  daily at unallocated_notice_time (UTC) when unallocated_notice is on.
Every job runs under a Guard: it stops between messages on SIGTERM or when its time
(job_timeout_seconds) is up. A watchdog ends the process if a job overruns its time by
far, e.g. stuck in a socket without a timeout: every step is transactional, so the process
manager's restart repeats at most the message in hand, never loses it.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import Session

from bot.bootstrap import App
from bot.cycle import CycleReport, Guard
from bot.intake.mailbox import MailboxError
from bot.leasing import ProcessLease
from bot.ledger.jobruns import job_started, record_job
from bot.replies.digest import queue_digest
from bot.replies.notices import queue_notices
from bot.retry import Backoff
from bot.posting.delivery import deliver_postings
from bot.posting.syncing import sync_if_due
from bot.service import decide_stored, file_decided, intake, send_outbox

log = logging.getLogger("allocbot.worker")
WATCHDOG_GRACE_SECONDS = 120


def overdue_jobs(running: dict[str, float], *, now: float, limit: float) -> list[str]:
    """Jobs that have run longer than `limit` seconds (monotonic times)."""
    return sorted(name for name, started in list(running.items()) if now - started > limit)  # a copy: jobs change it


class Worker:
    def __init__(self, app: App, *, holder: str | None = None) -> None:
        self.app = app
        self.settings = app.settings
        self.leasing = ProcessLease(app, holder=holder)  # the intake lease, and the mark that we are alive
        self.holder = self.leasing.holder
        self.stop = threading.Event()
        self.mail_waiting = threading.Event()  # IDLE said so: run intake again as soon as it is free
        self.running: dict[str, float] = {}
        self.scheduler: BackgroundScheduler | None = None
        self.lease = self.leasing.ticket
        self.reconnect = Backoff(base=2, factor=2, cap=min(300, self.settings.poll_seconds), jitter=0.2)
        self.mailbox_failures = 0
        # SQLite has one writer at a time, and its busy wait is not fair: a thread waiting for
        # the write lock can wait seconds while another thread of this process commits one
        # transaction after another. The outbox thread then held a reply that the SMTP server
        # had accepted, not yet marked sent, for seconds: a crash in that time sends it twice
        # (the crash tests saw one reply go out three times). So on SQLite the jobs of one
        # worker take turns; an outbox tick is skipped while intake runs (intake sends the
        # outbox itself at its end). PostgreSQL locks rows, and the jobs run side by side.
        self.turn = threading.Lock() if app.engine.dialect.name == "sqlite" else None

    # ------------------------------------------------------------------ the loop
    def work(self, *, install_signals: bool = True) -> str:
        """Run until stopped; returns why it stopped."""
        if install_signals:
            self._install_signal_handlers()
        self.scheduler = self._scheduler()
        watcher = threading.Thread(target=self._watch_mailbox, name="idle", daemon=True)
        log.info("worker starting", extra={"event": "worker_start", "holder": self.holder, "mailbox": self.app.mailbox.name,
                                           "outbox": self.app.outbox.name})
        self.scheduler.start()
        watcher.start()
        reason = "stop requested"
        try:
            while not self.stop.wait(1.0):
                late = overdue_jobs(self.running, now=time.monotonic(), limit=self.settings.job_timeout_seconds + WATCHDOG_GRACE_SECONDS)
                if late:
                    reason = f"job overran its hard timeout: {', '.join(late)}"
                    log.critical("%s; exiting so the process manager restarts the worker", reason, extra={"event": "watchdog"})
                    logging.shutdown()
                    os._exit(70)
        finally:
            self.stop.set()
            self.scheduler.shutdown(wait=True)  # jobs in hand finish their current message
            watcher.join(timeout=self.settings.socket_timeout_seconds + 5)
            self.leasing.close()
            self.app.mailbox.close()
            self.app.engine.dispose()
            log.info("worker stopped", extra={"event": "worker_stop", "reason": reason})
        return reason

    def _install_signal_handlers(self) -> None:
        def _stop(signum, _frame) -> None:
            log.info("signal %s: finishing the message in hand, then stopping", signum, extra={"event": "signal", "signal": signum})
            self.stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)

    def _scheduler(self) -> BackgroundScheduler:
        s = self.settings
        scheduler = BackgroundScheduler(timezone="UTC", job_defaults={
            "max_instances": 1, "coalesce": True, "misfire_grace_time": s.misfire_grace_seconds})
        now = self.app.clock()
        scheduler.add_job(self._job, "interval", args=["intake", self.intake_job], seconds=s.poll_seconds, id="intake", next_run_time=now)
        scheduler.add_job(self._job, "interval", args=["outbox", self.outbox_job], seconds=s.outbox_seconds, id="outbox", next_run_time=now)
        if s.digest_to:
            hour, minute = map(int, s.digest_time.split(":"))
            scheduler.add_job(self._job, "cron", args=["digest", self.digest_job], hour=hour, minute=minute, id="digest")
        if s.unallocated_notice:
            hour, minute = map(int, s.unallocated_notice_time.split(":"))
            scheduler.add_job(self._job, "cron", args=["notice", self.notice_job], hour=hour, minute=minute, id="notice")
        return scheduler

    # ------------------------------------------------------------------ jobs
    def _job(self, name: str, body: Callable[[Guard], CycleReport | None]) -> None:
        """Run one job: recorded in the job-run table, timed, never raising into the scheduler."""
        if self.stop.is_set():
            return
        if self.turn is not None and not self.turn.acquire(blocking=name != "outbox"):
            return  # intake is in the database now, and sends the outbox at its end
        self.running[name] = time.monotonic()
        try:
            self._record(name, started=True)
            report = body(Guard.for_job(self.stop, timeout_seconds=self.settings.job_timeout_seconds))
            self._record(name, summary=report.summary() if report else "done")
        except Exception as exc:  # noqa: BLE001 - logged and recorded; the next tick tries again
            log.exception("job %s failed", name, extra={"event": "job_failed", "job": name})
            try:
                self._record(name, error=f"{type(exc).__name__}: {exc}")
            except Exception:  # noqa: BLE001 - the database itself may be what failed
                pass
        finally:
            self.running.pop(name, None)
            if self.turn is not None:
                self.turn.release()
            if name == "intake" and self.mail_waiting.is_set():  # IDLE spoke as this run was ending
                self._run_intake_at(self.app.clock() + timedelta(seconds=1))

    def intake_job(self, guard: Guard) -> CycleReport:
        """Store (under the lease), decide, file (under the lease), send; again while IDLE
        reported more mail meanwhile. A mailbox that cannot be reached does not stop deciding
        and sending what is already stored; the job still ends as failed, so status shows it."""
        report, unreachable = CycleReport(), None
        while True:
            self.mail_waiting.clear()
            holding = self.leasing.take()
            leased = Guard(stop=guard.stop, deadline=guard.deadline, lease=self.lease)
            if holding:
                sync_if_due(self.app, report)
                try:
                    self._intake_with_reconnect(report, leased)
                except MailboxError as exc:
                    unreachable = exc
            decide_stored(self.app, report, guard)
            deliver_postings(self.app, report, guard, presence=self.leasing.presence)
            if holding and unreachable is None:
                file_decided(self.app, report, leased)
            send_outbox(self.app, report, guard, presence=self.leasing.presence)
            if unreachable is not None:
                raise unreachable
            if not self.mail_waiting.is_set() or guard.reason_to_stop():
                return report

    def _intake_with_reconnect(self, report: CycleReport, guard: Guard) -> None:
        """A failed fetch dropped its connection: try once more on a fresh one at once (the
        server restarted, or killed an idle session). If that fails too, the next try comes
        after a backoff, well before the next poll — and the error is the job's failure."""
        try:
            intake(self.app, report, guard)
        except MailboxError as exc:
            log.warning("mailbox failed, reconnecting: %s", exc, extra={"event": "mailbox_retry"})
            try:
                intake(self.app, report, guard)
            except MailboxError:
                self.mailbox_failures += 1
                self._run_intake_at(self.app.clock() + self.reconnect.delay(self.mailbox_failures))
                raise
        self.mailbox_failures = 0

    def _run_intake_at(self, when) -> None:
        try:
            if self.scheduler is not None and not self.stop.is_set():
                self.scheduler.modify_job("intake", next_run_time=when)
        except Exception:  # noqa: BLE001 - shutting down, or the job is gone: the poll catches up
            pass

    def outbox_job(self, guard: Guard) -> CycleReport:
        report = CycleReport()  # also the billing system's retries and acks: they resume without new mail
        deliver_postings(self.app, report, guard, presence=self.leasing.presence)
        send_outbox(self.app, report, guard, presence=self.leasing.presence)
        return report

    def digest_job(self, guard: Guard) -> CycleReport:
        with Session(self.app.engine) as session:
            queued = queue_digest(session, settings=self.settings, templates_dir=self.app.templates / "email", now=self.app.clock())
            session.commit()
        log.info("digest queued for %d recipient(s)", queued, extra={"event": "digest_queued", "recipients": queued})
        return self.outbox_job(guard)

    def notice_job(self, guard: Guard) -> CycleReport:
        queue_notices(self.app)
        return self.outbox_job(guard)

    # ------------------------------------------------------------------ IDLE
    def _watch_mailbox(self) -> None:
        """Hold IDLE on the mailbox (when it can push) and wake the intake job on new mail."""
        try:
            pushing = self.settings.idle and self.app.mailbox.watch(self.nudge_intake, self.stop)
        except Exception:  # noqa: BLE001 - the poll stays the safety net
            log.exception("IDLE watcher stopped; polling every %s s", self.settings.poll_seconds, extra={"event": "idle_failed"})
            return
        if not pushing:
            log.info("mailbox does not push new mail; polling every %s s", self.settings.poll_seconds, extra={"event": "polling"})

    def nudge_intake(self) -> None:
        """New mail: run intake now, or again right after the run in progress."""
        self.mail_waiting.set()
        self._run_intake_at(self.app.clock())

    # ------------------------------------------------------------------ database bookkeeping
    def _record(self, name: str, *, started: bool = False, summary: str = "", error: str = "") -> None:
        """Note the job's start or end in its job-run row (an upsert: workers started together
        on a fresh database all write the row of their first job at once)."""
        if not started:
            record_job(self.app.engine, name=name, now=self.app.clock(), summary=summary, error=error)
            return
        with Session(self.app.engine) as session:
            job_started(session, name=name, holder=self.holder, now=self.app.clock())
            session.commit()


def run_worker(app: App) -> str:
    return Worker(app).work()
