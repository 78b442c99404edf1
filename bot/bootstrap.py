"""The only place adapters are built from settings. Nothing connects at import time;
tests call `bootstrap` with their own fakes for any adapter."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from bot.intake.mailbox import Mailbox
from bot.ledger.database import make_engine, migrate
from bot.replies.outbox import Outbox
from bot.settings import Settings, SettingsError

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass
class App:
    settings: Settings
    engine: Engine
    mailbox: Mailbox
    outbox: Outbox
    templates: Path
    clock: Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_mailbox(url: str) -> Mailbox:
    if url.startswith("maildir:"):
        from bot.intake.maildir import MaildirMailbox

        return MaildirMailbox(Path(url.removeprefix("maildir:")))
    raise SettingsError(f"bad setting — mailbox: {url.split('://')[0]}:// mailboxes arrive with the IMAP adapter (issue 3); use maildir:PATH")


def build_outbox(url: str) -> Outbox:
    if url.startswith("file:"):
        from bot.replies.file import FileOutbox

        return FileOutbox(Path(url.removeprefix("file:")))
    raise SettingsError(f"bad setting — outbox: {url.split('://')[0]}:// outboxes arrive with the SMTP adapter (issue 3); use file:PATH")


def bootstrap(settings: Settings, *, mailbox: Mailbox | None = None, outbox: Outbox | None = None,
              engine: Engine | None = None, clock: Callable[[], datetime] = utc_now, templates: Path = TEMPLATES) -> App:
    """Build every adapter (or take the given fakes) and bring the database schema up to date."""
    engine = engine or make_engine(settings.database_url)
    migrate(engine)
    return App(
        settings=settings,
        engine=engine,
        mailbox=mailbox or build_mailbox(settings.mailbox),
        outbox=outbox or build_outbox(settings.outbox),
        templates=templates,
        clock=clock,
    )
