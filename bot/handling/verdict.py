"""What was decided about one message, with what the writing step needs to record it."""
from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Literal

from bot.followups import Answer
from bot.model import Decision, Request, Sender
from bot.reading.mime import Mail

Kind = Literal["unread", "machine", "flood", "read"]


@dataclass(frozen=True)
class Verdict:
    """`unread`: held before reading (a limit); `machine`: auto-reply, bounce, list or own
    mail; `flood`: held for the sender's rate; `read`: read and decided (maybe an answer to an
    open request of its thread). Only a `read` verdict moves money or gets a reply."""

    kind: Kind
    decision: Decision
    request: Request | None = None
    mail: Mail | None = None
    sender: Sender | None = None
    answered: Answer | None = None
    bounce: EmailMessage | None = None  # a bounce, to be traced to the reply it returns
    machine_evidence: str = ""
    audit: dict[str, Any] = field(default_factory=dict)  # more for the audit event (a limit, a rate)
