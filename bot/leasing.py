"""The intake lease as one process holds it: its ticket, the mark that proves the process is
alive (bot/ledger/presence.py), and taking and releasing it, each in its own transaction.

`allocbot worker` keeps one for its lifetime; `allocbot run --once` takes one for its cycle.
Both take over at once a lease whose holder's process has ended, so a run started right after
a crash (SIGKILL, an OOM kill) reads the mailbox instead of waiting `lease_seconds`."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import Session

from bot.bootstrap import App
from bot.cycle import LeaseTicket
from bot.ledger.leases import acquire_lease, release_lease
from bot.ledger.presence import Presence, ProcessHolder, open_presence

log = logging.getLogger("allocbot.lease")
INTAKE_LEASE = "intake"  # one process reads (and moves mail in) the mailbox at a time


class ProcessLease:
    def __init__(self, app: App, *, holder: str | None = None, label: str = "worker", name: str = INTAKE_LEASE) -> None:
        self.app = app
        self.holder = holder or str(ProcessHolder.this_process(label))
        self.presence: Presence = open_presence(app.engine, self.holder)
        self.ticket = LeaseTicket(name, self.holder, timedelta(seconds=app.settings.lease_seconds))

    def take(self) -> bool:
        """True when this process holds the lease now (taken, renewed, or taken over)."""
        self.presence.hold()
        with Session(self.app.engine) as session:
            held = acquire_lease(session, name=self.ticket.name, holder=self.holder, now=self.app.clock(),
                                 ttl=self.ticket.ttl, holder_gone=self._gone)
            session.commit()
        return held

    def _gone(self, other: str) -> bool:
        gone = self.presence.gone(other)
        if gone:
            log.warning("lease %s: its holder %s has ended; taken over at once", self.ticket.name, other,
                        extra={"event": "lease_taken_over", "lease": self.ticket.name, "previous_holder": other})
        return gone

    def release(self) -> None:
        """Free the lease for the next process; bookkeeping, so never raises (it expires anyway)."""
        try:
            with Session(self.app.engine) as session:
                release_lease(session, name=self.ticket.name, holder=self.holder, now=self.app.clock())
                session.commit()
        except Exception:  # noqa: BLE001 - the database may be what failed
            log.warning("could not release the %s lease; it expires in %s s", self.ticket.name,
                        self.app.settings.lease_seconds)

    def close(self) -> None:
        """Release the lease and drop the mark (a clean stop)."""
        self.release()
        self.presence.close()
