"""The audit log: who did what and when, newest first, with filters; `/audit.csv` exports
the filtered events (every one, not just a page) for a spreadsheet."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import Engine
from sqlmodel import Session

from bot.ledger.audit_queries import CSV_COLUMNS, AuditFilter, audit_page, audit_rows, csv_cells
from bot.ledger.keyset import Cursor
from bot.ledger.users import list_users
from bot.review.audit_sentences import sentence
from bot.web.deps import WebUser, current_user, db, get_app
from bot.web.render import page

router = APIRouter()
CSV_NAME = "allocbot-audit.csv"


@router.get("/audit", response_class=HTMLResponse)
def audit_log(request: Request, actor: str = "", action: str = "", ref: str = "", since: str = Query("", alias="from"),
              until: str = Query("", alias="to"), after: str = "", before: str = "",
              user: WebUser = Depends(current_user), session: Session = Depends(db)) -> HTMLResponse:
    filters, problems = read_filters(actor=actor, action=action, ref=ref, since=since, until=until)
    events = audit_page(session, filters=filters, size=get_app(request).settings.web_page_size,
                        after=Cursor.parse(after), before=Cursor.parse(before))
    roles = {u.email: u.role for u in list_users(session)}
    return page(request, "audit.html", user=user, filters=filters, events=events, problems=problems,
                sentence=lambda e: sentence(actor=e.actor, role=roles.get(e.actor, ""), action=e.action,
                                            case_ref=e.case_ref, inbound_id=e.inbound_id, detail=e.detail),
                link=lambda **changes: audit_link(filters, **changes), csv_link=audit_link(filters, path="/audit.csv"),
                paged=bool(after or before))


@router.get("/audit.csv")
def audit_csv(request: Request, actor: str = "", action: str = "", ref: str = "", since: str = Query("", alias="from"),
              until: str = Query("", alias="to"), user: WebUser = Depends(current_user),
              session: Session = Depends(db)) -> StreamingResponse:
    filters, _ = read_filters(actor=actor, action=action, ref=ref, since=since, until=until)
    session.close()  # the export reads in its own session; SQLite would otherwise wait on this one's lock
    return StreamingResponse(csv_lines(get_app(request).engine, filters), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{CSV_NAME}"'})


def csv_lines(engine: Engine, filters: AuditFilter, *, batch: int = 500) -> Iterator[str]:
    """The header, then the events in chunks. The generator keeps its own database session,
    because the response is streamed after the route (and its dependencies) returned."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    with Session(engine) as session:
        for n, row in enumerate(audit_rows(session, filters=filters), start=1):
            writer.writerow(csv_cells(row))
            if n % batch == 0:
                yield _drain(buffer)
    yield _drain(buffer)


def read_filters(*, actor: str, action: str, ref: str, since: str, until: str) -> tuple[AuditFilter, list[str]]:
    """The filter a query string asks for, and what in it could not be read (then ignored)."""
    problems: list[str] = []
    dates = {}
    for name, text in (("from", since), ("to", until)):
        try:
            dates[name] = date.fromisoformat(text.strip()) if text.strip() else None
        except ValueError:
            dates[name] = None
            problems.append(f"“{text[:40]}” is not a date (YYYY-MM-DD); the {name} date is ignored.")
    return AuditFilter(actor=actor.strip()[:320], action=action.strip()[:64], ref=ref.strip()[:40],
                       since=dates["from"], until=dates["to"]), problems


def audit_link(filters: AuditFilter, *, path: str = "/audit", **changes: object) -> str:
    params: dict[str, object] = {"actor": filters.actor, "action": filters.action, "ref": filters.ref,
                                 "from": filters.since.isoformat() if filters.since else "",
                                 "to": filters.until.isoformat() if filters.until else ""}
    params.update(changes)
    kept = {k: v for k, v in params.items() if v not in ("", None)}
    return path + (f"?{urlencode(kept)}" if kept else "")


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
