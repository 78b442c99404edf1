"""When each scheduled job last started, succeeded and failed: what `allocbot status` shows.

Every write is one upsert (`INSERT … ON CONFLICT (name) DO UPDATE`, on PostgreSQL and SQLite
alike): several workers, or two `run --once` finishing together, write the same job's row at
the same moment, and a read-then-insert lost the race with a unique violation (issue 15)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from bot.ledger.tables import JobRun


def _upsert(session: Session, *, name: str, values: dict[str, Any]) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(JobRun).values(name=name, **{"holder": "", "last_error": "", "last_summary": "", **values})
    session.execute(stmt.on_conflict_do_update(index_elements=[JobRun.name], set_=values))


def job_started(session: Session, *, name: str, holder: str, now: datetime) -> None:
    _upsert(session, name=name, values={"holder": holder, "last_started_at": now})


def job_finished(session: Session, *, name: str, now: datetime, summary: str = "", error: str = "") -> None:
    if error:
        values = {"last_failed_at": now, "last_error": error[:4000]}
    else:
        values = {"last_ok_at": now, "last_summary": summary[:4000]}
    _upsert(session, name=name, values=values)


def job_runs(session: Session) -> list[JobRun]:
    return list(session.exec(select(JobRun).order_by(JobRun.name)).all())


def record_job(engine: Engine, *, name: str, now: datetime, summary: str = "", error: str = "") -> None:
    """Record a finished run in its own transaction (a job's own work has committed by then)."""
    with Session(engine) as session:
        job_finished(session, name=name, now=now, summary=summary, error=error)
        session.commit()
