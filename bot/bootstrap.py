"""The only place adapters are built from settings. Nothing connects at import time (the
IMAP and SMTP adapters connect on first use); tests call `bootstrap` with their own fakes
for any adapter."""
from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from bot.endpoints import Endpoint, parse_endpoint
from bot.intake.mailbox import Mailbox
from bot.ledger.database import make_engine, migrate
from bot.posting.port import BillingSystem
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
    billing: BillingSystem


def utc_now() -> datetime:
    return datetime.now(UTC)


def tls_context(settings: Settings) -> ssl.SSLContext:
    """Certificate-checking TLS; `tls_ca_file` adds a CA (a self-signed or in-house server)."""
    return ssl.create_default_context(cafile=settings.tls_ca_file or None)


def token_source(settings: Settings) -> Callable[[], str] | None:
    from bot.oauth import OAuthError, build_token_source

    try:
        source = build_token_source(settings.oauth)
    except OAuthError as exc:
        raise SettingsError(f"bad setting — oauth: {exc}") from None
    return source.token if source is not None else None


def _needs_token(settings: Settings, endpoint: Endpoint) -> Callable[[], str] | None:
    if endpoint.auth != "xoauth2":
        return None
    token = token_source(settings)
    if token is None:
        raise SettingsError(f"bad setting — oauth.provider: {endpoint.redacted()} uses XOAUTH2; set oauth.provider to msal or command")
    return token


def build_mailbox(settings: Settings) -> Mailbox:
    url = settings.mailbox
    if url.startswith("maildir:"):
        from bot.intake.maildir import MaildirMailbox

        return MaildirMailbox(Path(url.removeprefix("maildir:")))
    from bot.intake.imap import ImapMailbox

    endpoint = parse_endpoint(url)
    return ImapMailbox(endpoint, folders=settings.imap_folders, token=_needs_token(settings, endpoint),
                       ssl_context=tls_context(settings), timeout=settings.socket_timeout_seconds,
                       renew_seconds=settings.idle_renew_seconds)


def build_outbox(settings: Settings) -> Outbox:
    url = settings.outbox
    if url.startswith("file:"):
        from bot.replies.file import FileOutbox

        return FileOutbox(Path(url.removeprefix("file:")))
    from bot.replies.smtp import SmtpOutbox

    endpoint = parse_endpoint(url)
    return SmtpOutbox(endpoint, envelope_from=settings.from_address, token=_needs_token(settings, endpoint),
                      ssl_context=tls_context(settings), timeout=settings.socket_timeout_seconds)


def build_billing(settings: Settings) -> BillingSystem:
    """The billing system of record by `billing`'s scheme (the settings checked its form)."""
    url = settings.billing
    if url == "builtin":
        from bot.posting.builtin import BuiltinBilling

        return BuiltinBilling()
    if url.startswith("file:"):
        from bot.posting.files import FileBilling

        return FileBilling(Path(url.removeprefix("file:")))
    if url.startswith("tryton:"):
        from bot.tryton.connection import parse_tryton_url
        from bot.tryton.posting import TrytonBilling

        try:
            return TrytonBilling(parse_tryton_url(url), payment_pattern=settings.payment_pattern)
        except ValueError as exc:
            raise SettingsError(f"bad setting — billing: {exc}") from None
    from bot.posting.port import BillingError
    from bot.posting.webhook import WebhookBilling

    try:
        return WebhookBilling(url, secret=settings.billing_secret, timeout=settings.socket_timeout_seconds,
                              verify=tls_context(settings))
    except BillingError as exc:
        raise SettingsError(f"bad setting — billing: {exc}") from None


def bootstrap(settings: Settings, *, mailbox: Mailbox | None = None, outbox: Outbox | None = None,
              engine: Engine | None = None, clock: Callable[[], datetime] = utc_now, templates: Path = TEMPLATES,
              billing: BillingSystem | None = None) -> App:
    """Build every adapter (or take the given fakes) and bring the database schema up to date."""
    engine = engine or make_engine(settings.database_url)
    migrate(engine)
    return App(
        settings=settings,
        engine=engine,
        mailbox=mailbox or build_mailbox(settings),
        outbox=outbox or build_outbox(settings),
        templates=templates,
        clock=clock,
        billing=billing or build_billing(settings),
    )
