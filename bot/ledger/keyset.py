"""Keyset paging on (timestamp, id) for long lists (the queue, the audit log): each page
starts where the last one ended, so page 200 costs what page 1 costs, and rows that arrive
meanwhile never shift a page. No OFFSET.

A cursor is a row's (timestamp, id) written as an opaque token: `?after=TOKEN` is the page
that follows that row in display order, `?before=TOKEN` the page that precedes it."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, or_
from sqlmodel import Session

T = TypeVar("T")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
_TOKEN = re.compile(r"(-?\d{1,20})\.(\d{1,18})")


@dataclass(frozen=True)
class Cursor:
    at: datetime
    id: int

    @property
    def token(self) -> str:
        return f"{(self.at - EPOCH) // MICROSECOND}.{self.id}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """The cursor of a token; None for a missing or malformed one (the first page)."""
        match = _TOKEN.fullmatch(token or "")
        if match is None:
            return None
        try:
            return cls(at=EPOCH + int(match.group(1)) * MICROSECOND, id=int(match.group(2)))
        except OverflowError:
            return None


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    prev: str | None  # token for ?before= (None: this is the first page)
    next: str | None  # token for ?after= (None: this is the last page)


@dataclass(frozen=True)
class Keyset:
    """The columns a list is ordered by, and how to read a cursor off one of its rows."""

    at: Any
    id: Any
    key: Callable[[Any], Cursor]

    def beyond(self, cursor: Cursor, *, later: bool) -> Any:
        """Rows strictly later (or earlier) than the cursor in (at, id) order."""
        if later:
            return or_(self.at > cursor.at, and_(self.at == cursor.at, self.id > cursor.id))
        return or_(self.at < cursor.at, and_(self.at == cursor.at, self.id < cursor.id))

    def order(self, *, ascending: bool) -> tuple[Any, Any]:
        return (self.at.asc(), self.id.asc()) if ascending else (self.at.desc(), self.id.desc())


def fetch_page(session: Session, stmt: Any, *, keys: Keyset, newest_first: bool, size: int,
               after: Cursor | None = None, before: Cursor | None = None) -> Page:
    """One page of `stmt` (a select without ORDER BY or LIMIT) in display order.

    Moving forward (`after`, or the first page) reads in display order; moving back
    (`before`) reads the other way and turns the rows round. One row more than the page
    tells whether the list goes on in the direction read; one indexed look-up the other way
    tells whether it goes on there."""
    backward = before is not None and after is None
    cursor = before if backward else after
    read_later = newest_first == backward  # forward in newest-first order reads earlier rows
    query = stmt if cursor is None else stmt.where(keys.beyond(cursor, later=read_later))
    rows = list(session.exec(query.order_by(*keys.order(ascending=read_later)).limit(size + 1)).all())
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
    if not rows:
        return Page(rows=[], prev=None, next=None)
    first, last = keys.key(rows[0]), keys.key(rows[-1])
    if backward:
        return Page(rows=rows, prev=first.token if more else None,
                    next=last.token if _exists(session, stmt, keys, last, later=not newest_first) else None)
    return Page(rows=rows, next=last.token if more else None,
                prev=first.token if cursor is not None and _exists(session, stmt, keys, first, later=newest_first) else None)


def _exists(session: Session, stmt: Any, keys: Keyset, cursor: Cursor, *, later: bool) -> bool:
    return session.exec(stmt.where(keys.beyond(cursor, later=later)).limit(1)).first() is not None
