"""Which failures while deciding leave a message waiting (the database's fault) and which
store it as an error (the message's fault): a dropped connection must never quarantine a
good request, and a message that breaks a constraint must not be retried for ever."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError, ProgrammingError

from bot.service import database_unavailable


class DriverError(Exception):
    pass


@pytest.mark.parametrize("exc", [
    OperationalError("UPDATE payment …", {}, DriverError("database is locked")),
    OperationalError("SELECT 1", {}, DriverError("server closed the connection unexpectedly")),
    InterfaceError("SELECT 1", {}, DriverError("connection already closed")),
    DBAPIError("INSERT …", {}, DriverError("terminating connection due to administrator command"), connection_invalidated=True),
], ids=["sqlite_locked", "server_closed", "connection_closed", "invalidated"])
def test_a_database_that_went_away_leaves_the_message_waiting(exc: Exception) -> None:
    assert database_unavailable(exc)


@pytest.mark.parametrize("exc", [
    IntegrityError("INSERT …", {}, DriverError("duplicate key value violates unique constraint")),
    ProgrammingError("SELECT …", {}, DriverError("syntax error")),
    ValueError("a header the parser could not read"),
    UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
], ids=["integrity", "programming", "value", "unicode"])
def test_any_other_failure_is_the_messages_error(exc: Exception) -> None:
    assert not database_unavailable(exc)
