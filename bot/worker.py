"""`allocbot worker`: run the cycle on a schedule. The IMAP IDLE, leases and digest jobs of
issue 3 extend this; the loop and its shutdown stay here."""
from __future__ import annotations

import logging
import signal

from apscheduler.schedulers.blocking import BlockingScheduler

from bot.bootstrap import App
from bot.service import run_cycle

log = logging.getLogger("allocbot.worker")


def _cycle(app: App) -> None:
    try:
        report = run_cycle(app)
        log.info("cycle: stored=%s decided=%s sent=%s", report.stored, dict(report.decided), report.sent)
    except Exception:  # noqa: BLE001 - a failed cycle is logged and retried at the next tick
        log.exception("cycle failed")


def run_worker(app: App) -> None:
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(_cycle, "interval", args=[app], seconds=app.settings.poll_seconds, id="cycle",
                      max_instances=1, coalesce=True, misfire_grace_time=app.settings.poll_seconds, next_run_time=app.clock())

    def _stop(signum, _frame) -> None:
        log.info("signal %s: finishing the cycle in hand, then stopping", signum)
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        scheduler.start()
    finally:
        app.engine.dispose()
