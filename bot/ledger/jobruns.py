"""When each scheduled job last started, succeeded and failed: what `allocbot status` shows."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.ledger.tables import JobRun


def _row(session: Session, name: str) -> JobRun:
    row = session.get(JobRun, name)
    if row is None:
        row = JobRun(name=name)
        session.add(row)
    return row


def job_started(session: Session, *, name: str, holder: str, now: datetime) -> None:
    row = _row(session, name)
    row.holder, row.last_started_at = holder, now


def job_finished(session: Session, *, name: str, now: datetime, summary: str = "", error: str = "") -> None:
    row = _row(session, name)
    if error:
        row.last_failed_at, row.last_error = now, error[:4000]
    else:
        row.last_ok_at, row.last_summary = now, summary[:4000]


def job_runs(session: Session) -> list[JobRun]:
    return list(session.exec(select(JobRun).order_by(JobRun.name)).all())


def record_job(engine: Engine, *, name: str, now: datetime, summary: str = "", error: str = "") -> None:
    """Record a finished run in its own transaction (a job's own work has committed by then)."""
    with Session(engine) as session:
        job_finished(session, name=name, now=now, summary=summary, error=error)
        session.commit()
