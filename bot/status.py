"""`allocbot status`: is the mailbox reachable, how far has it been read, what is waiting,
what failed, and when did each job last succeed — gathered once, then printed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlmodel import Session, col, select

from bot.bootstrap import App
from bot.intake.mailbox import Checkpoint, Health
from bot.ledger import postings
from bot.ledger.checkpoints import checkpoint_for
from bot.ledger.jobruns import job_runs
from bot.ledger.leases import lease_holder
from bot.ledger.stats import QueueStats, queue_stats
from bot.ledger.tables import JobRun, OutboundMessage
from bot.leasing import INTAKE_LEASE


@dataclass(frozen=True)
class Status:
    now: datetime
    mailbox: str
    health: Health
    checkpoint: Checkpoint | None
    lease: tuple[str, datetime] | None
    outbox: str
    stats: QueueStats
    jobs: list[JobRun]
    failed_replies: list[tuple[str, str, str]]  # (message_id, to, last_error), newest first
    billing: BillingStatus | None = None

    @property
    def last_cycle_ok(self) -> datetime | None:
        """The intake job's (worker) or a `run --once` cycle's last success, whichever is later."""
        return max((j.last_ok_at for j in self.jobs if j.name in ("intake", "cycle") and j.last_ok_at), default=None)


@dataclass(frozen=True)
class BillingStatus:
    name: str
    problem: str | None  # why the billing system cannot be reached now
    counts: dict[str, int]  # postings by state
    overdue: int  # not reflected within billing_overdue_hours
    oldest_overdue: list[tuple[str, datetime, str]]  # (key, created, last error)
    overdue_hours: float


def gather_billing(app: App, session: Session, *, now: datetime) -> BillingStatus:
    total, oldest = postings.overdue(session, now=now, after=timedelta(hours=app.settings.billing_overdue_hours), limit=5)
    return BillingStatus(app.billing.name, app.billing.check(), dict(postings.counts(session)), total,
                         [(p.key, p.created_at, p.last_error) for p in oldest], app.settings.billing_overdue_hours)


def gather_status(app: App, *, failures_shown: int = 5) -> Status:
    now = app.clock()
    health = app.mailbox.health()
    with Session(app.engine) as session:
        failed = session.exec(select(OutboundMessage).where(OutboundMessage.status == "failed")
                              .order_by(col(OutboundMessage.id).desc()).limit(failures_shown)).all()
        return Status(now=now, mailbox=app.mailbox.name, health=health, checkpoint=checkpoint_for(session, mailbox=app.mailbox.name),
                      lease=lease_holder(session, name=INTAKE_LEASE, now=now), outbox=app.outbox.name,
                      stats=queue_stats(session, now=now, overdue_after=timedelta(hours=app.settings.billing_overdue_hours)), jobs=job_runs(session),
                      failed_replies=[(r.message_id, r.to_addr, r.last_error) for r in failed],
                      billing=gather_billing(app, session, now=now))


def print_status(status: Status, console: Console) -> None:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    ok = "[green]reachable[/green]" if status.health.reachable else "[red]NOT reachable[/red]"
    table.add_row("mailbox", f"{escape(status.mailbox)} — {ok}: {escape(status.health.detail)}")
    cp = status.checkpoint
    table.add_row("checkpoint", f"{cp.folder} UIDVALIDITY {cp.uidvalidity}, last UID {cp.last_uid}" if cp else "none (Maildir, or nothing read yet)")
    table.add_row("intake lease", f"{status.lease[0]} until {_when(status.lease[1])}" if status.lease else "free")
    s = status.stats
    items = ", ".join(f"{k} {v}" for k, v in sorted(s.open_items.items())) or "empty"
    table.add_row("review queue", f"{s.queue_size} open ({items}); oldest {_ago(s.oldest_open_at, status.now)}")
    table.add_row("waiting", f"{s.waiting} stored, not yet decided; {s.unfiled} decided, not yet filed in the mailbox")
    table.add_row("outbox", f"{status.outbox} — {s.outbox_pending} waiting ({s.outbox_deferred} retrying), {s.outbox_failed} failed; "
                            f"oldest waiting {_ago(s.oldest_pending_at, status.now)}")
    today = ", ".join(f"{k} {v}" for k, v in sorted(s.decided_today.items())) or "nothing yet"
    table.add_row("today (UTC)", today)
    table.add_row("last successful cycle", _ago(status.last_cycle_ok, status.now))
    if (b := status.billing) is not None:
        reach = "[green]reachable[/green]" if b.problem is None else f"[red]NOT reachable[/red]: {escape(b.problem)}"
        states = ", ".join(f"{k} {v}" for k, v in sorted(b.counts.items())) or "no postings yet"
        table.add_row("billing system", f"{escape(b.name)} — {reach}")
        table.add_row("postings", f"{states}; overdue (not reflected within {b.overdue_hours:g} h) "
                                  + (f"[red]{b.overdue}[/red]" if b.overdue else "0"))
    console.print(table)
    if status.billing and status.billing.oldest_overdue:
        late = Table(title="overdue postings (oldest first)", title_justify="left")
        for column in ("key", "created", "last error"):
            late.add_column(column)
        for key, created, error in status.billing.oldest_overdue:
            late.add_row(escape(key), _ago(created, status.now), escape(error[:160]))
        console.print(late)
    if status.jobs:
        jobs = Table(title="jobs", title_justify="left")
        for column in ("job", "last started", "last ok", "last failed", "last error / summary"):
            jobs.add_column(column)
        for j in status.jobs:
            note = j.last_error if j.last_failed_at and (not j.last_ok_at or j.last_failed_at > j.last_ok_at) else j.last_summary
            jobs.add_row(j.name, _ago(j.last_started_at, status.now), _ago(j.last_ok_at, status.now), _ago(j.last_failed_at, status.now), escape(note[:160]))
        console.print(jobs)
    if status.failed_replies:
        failed = Table(title="replies failed for good (newest first)", title_justify="left")
        for column in ("message id", "to", "error"):
            failed.add_column(column)
        for row in status.failed_replies:
            failed.add_row(escape(row[0]), escape(row[1]), escape(row[2][:160]))
        console.print(failed)


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def _ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    seconds = int((now - moment).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{_when(moment)} ({seconds // size} {unit} ago)"
    return f"{_when(moment)} ({max(seconds, 0)} s ago)"
