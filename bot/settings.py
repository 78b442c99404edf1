"""One typed settings object, built once at start-up and passed in; never a global.

Sources, strongest first: environment (`DATABASE_URL`, `ALLOCBOT_MAILBOX`,
`ALLOCBOT_OUTBOX`, `ALLOCBOT_<FIELD>`), then `config/allocbot.toml` (or the file named by
`ALLOCBOT_CONFIG`), then the defaults below.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import argon2
from babel import Locale, UnknownLocaleError
from pydantic import (
    AliasChoices, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from bot.config_file import config_problem
from bot.endpoints import EndpointError, parse_endpoint
from bot.reading.identifiers import id_formats, letter_prefix

DEFAULT_CONFIG = Path("config/allocbot.toml")


_ADAPTER_URLS = {  # setting → (accepted form, as said in the error)
    "mailbox": (r"^(maildir:.+|imaps?://.+)$", "maildir:PATH or an imap:// / imaps:// URL"),
    "outbox": (r"^(file:.+|smtps?://.+)$", "file:PATH or an smtp:// / smtps:// URL"),
    "billing": (r"^(builtin|file:.+|https?://.+|tryton:///.+)$",
                "builtin, file:DIR, an http:// / https:// webhook URL or tryton:///DATABASE?config=PATH"),
}
_FOLDER_PREFIX = {"mailbox": "maildir:", "outbox": "file:", "billing": "file:"}  # a bare path means a folder


class SettingsError(Exception):
    """A bad setting: the message names it, so start-up can stop with a clear line."""


class OAuthSettings(BaseModel):
    """Where XOAUTH2 access tokens come from, for IMAP and SMTP URLs with `auth=xoauth2`.

    `msal`: Microsoft 365 client-credentials flow (tenant, client id, secret; the default
    scope covers IMAP and SMTP). `command`: any program that prints a fresh token on stdout
    (e.g. `gcloud auth print-access-token` or `oauth2l fetch` for Gmail)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: Literal["none", "msal", "command"] = "none"
    tenant_id: str = ""
    client_id: str = ""
    client_secret: str = ""  # better given as ALLOCBOT_OAUTH__CLIENT_SECRET than written here
    scope: str = "https://outlook.office365.com/.default"
    authority_host: str = "https://login.microsoftonline.com"
    command: str = ""
    timeout_seconds: int = Field(default=30, ge=1)


class ImapFolders(BaseModel):
    """Where a message goes on the IMAP server once its outcome is committed. Names use "/"
    as the separator and are translated to the server's own; missing folders are created."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    applied: str = "Allocations/Applied"
    needs_info: str = "Allocations/Review"
    review: str = "Allocations/Review"
    ignored: str = "Allocations/Ignored"
    error: str = "Allocations/Quarantine"
    cancelled: str = "Allocations/Applied"  # the partner withdrew an open request: done, like an applied one

    def for_status(self, status: str) -> str:
        return getattr(self, status) if status in type(self).model_fields else self.review


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ALLOCBOT_", extra="forbid", frozen=True, env_nested_delimiter="__")

    database_url: str = Field(
        default="sqlite:///var/allocbot.db",
        validation_alias=AliasChoices("DATABASE_URL", "ALLOCBOT_DATABASE_URL", "database_url"),
    )
    mailbox: str = "maildir:var/mailbox"
    outbox: str = "file:var/outbox"
    # --- the billing system of record (issue 13, bot/posting/) ---
    billing: str = "builtin"  # builtin | file:DIR | http(s):// webhook
    billing_secret: str = ""  # the webhook's Standard Webhooks secret, whsec_…; better in the environment
    confirm_when: Literal["reflected", "delivered"] = "reflected"  # when an applied request is confirmed
    acknowledge_pending: bool = False  # a short "received, being applied" note while postings wait
    billing_overdue_hours: float = Field(default=24.0, gt=0)  # a posting not reflected by then is overdue
    # A billing system allocbot reads its ledger from (tryton:…): read what changed at most every
    # ledger_sync_seconds (0: only `allocbot ledger sync`), everything every ledger_full_sync_hours.
    ledger_sync_seconds: float = Field(default=60.0, ge=0)
    ledger_full_sync_hours: float = Field(default=24.0, gt=0)

    invoice_pattern: str = r"G\d{9}"
    payment_pattern: str = r"PY\d{8}"
    # Payments allocbot imports from bank statements are numbered in a format of their own, so
    # that no billing export can name (and overwrite) one.
    bank_payment_pattern: str = r"BK\d{8}"

    from_address: str = "allocations@billing.example"
    from_name: str = "Billing allocations"
    # Replies carry this header; a message that carries it back is our own mail (a loop).
    loop_header: str = "X-Allocbot-Loop"
    # authserv-id whose Authentication-Results we trust; "" trusts the topmost header.
    trusted_authserv_id: str = ""
    default_locale: str = "en"
    acknowledge_review: bool = True
    # Roles whose contacts may request allocations.
    allowed_roles: tuple[str, ...] = ("billing_admin", "account_admin")
    batch_size: int = Field(default=200, ge=1, le=10_000)

    # --- mail servers (issue 3) ---
    oauth: OAuthSettings = OAuthSettings()
    imap_folders: ImapFolders = ImapFolders()
    tls_ca_file: str = ""  # extra CA bundle for self-signed servers; "" uses the system's
    socket_timeout_seconds: float = Field(default=30.0, gt=0)

    # --- the worker ---
    poll_seconds: int = Field(default=60, ge=1)  # safety-net poll, also when IDLE is on
    idle: bool = True  # use IMAP IDLE when the server offers it
    idle_renew_seconds: int = Field(default=600, ge=10, le=1680)  # re-issue IDLE well inside 29 minutes
    outbox_seconds: int = Field(default=15, ge=1)
    job_timeout_seconds: int = Field(default=300, ge=5)
    misfire_grace_seconds: int = Field(default=60, ge=1)
    lease_seconds: int = Field(default=120, ge=5)  # intake lease; renewed between messages
    decide_attempts: int = Field(default=5, ge=1)  # database errors deciding one message before it is held for review
    retry_base_seconds: float = Field(default=60.0, gt=0)  # SMTP retry: base * 2**(n-1), capped
    retry_cap_seconds: float = Field(default=3600.0, gt=0)
    retry_give_up_hours: float = Field(default=48.0, gt=0)  # then the reply is marked failed
    digest_to: Annotated[tuple[str, ...], NoDecode] = ()  # billing operations; empty: no digest
    digest_time: str = "07:00"  # UTC, HH:MM
    log_format: Literal["text", "json"] = "text"

    # --- limits against hostile mail, floods and loops (issue 5) ---
    max_message_mb: float = Field(default=25.0, gt=0)  # larger messages are stored, not parsed: review
    max_mime_parts: int = Field(default=200, ge=1)
    max_mime_depth: int = Field(default=20, ge=1)
    requests_per_sender_hour: int = Field(default=60, ge=1)  # beyond: held for review, no reply
    replies_per_address_hour: int = Field(default=20, ge=1)  # replies to one address; beyond: not sent
    bounce_threshold: int = Field(default=3, ge=1)  # bounces to one address before replies to it stop
    sign_in_attempts_per_15min: int = Field(default=10, ge=1)  # failed sign-ins per e-mail: that account is locked
    # failed sign-ins from one client address (IPv6: its /64), whatever the e-mails: several times the
    # per-account limit, so one colleague's typos never lock out the others behind the same office address
    sign_in_attempts_per_ip_15min: int = Field(default=50, ge=1)

    # --- remittance attachments (CSV, XLSX, PDF) ---
    max_attachment_mb: float = Field(default=10.0, gt=0)  # a larger remittance attachment is not read: review
    max_attachment_pages: int = Field(default=50, ge=1)  # PDF pages read at most; more: review

    # --- proactive notice of unallocated payments (off by default) ---
    unallocated_notice: bool = False  # email billing admins their unallocated payments older than N days
    unallocated_notice_days: int = Field(default=14, ge=1)  # a payment this old (received date) is listed
    unallocated_notice_period_days: int = Field(default=30, ge=1)  # at most one notice per payment per period
    unallocated_notice_time: str = "08:00"  # UTC, HH:MM: when the daily job looks

    # --- the web UI (allocbot web) ---
    # Signs session cookies. Every web instance must share it; "" keeps a random one in
    # var/web-secret (fine for one machine, not for several).
    web_secret_key: str = ""
    web_secure_cookies: bool = False  # set true behind HTTPS: cookies are then sent over HTTPS only
    web_session_hours: float = Field(default=12.0, gt=0)
    web_page_size: int = Field(default=50, ge=5, le=500)
    # argon2id cost of the web UI's password hashes: argon2's defaults. Lower only for tests.
    password_hash_time_cost: int = Field(default=argon2.DEFAULT_TIME_COST, ge=1)
    password_hash_memory_kib: int = Field(default=argon2.DEFAULT_MEMORY_COST, ge=8)
    password_hash_parallelism: int = Field(default=argon2.DEFAULT_PARALLELISM, ge=1)
    # `allocbot run` creates a missing Maildir only when told (a misspelt path must not become a
    # new, empty mailbox); `--create-mailbox` says the same for one run. `status` never creates it.
    maildir_create: bool = False
    # `run --once` off a terminal logs one progress line every this many messages decided.
    progress_every: int = Field(default=100, ge=1)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = Path(os.environ.get("ALLOCBOT_CONFIG", DEFAULT_CONFIG))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=path))

    @field_validator("invoice_pattern", "payment_pattern", "bank_payment_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        if not letter_prefix(value):
            raise ValueError("must start with a literal letter prefix, e.g. G\\d{9}")
        return value

    @field_validator("mailbox", "outbox", "billing")
    @classmethod
    def _adapter_url(cls, value: str, info: ValidationInfo) -> str:
        pattern, form = _ADAPTER_URLS[info.field_name]
        if not re.match(pattern, value):
            bare_path = value and "://" not in value and not re.match(r"^[a-z]+:", value)
            hint = f" (for the folder {value}, write {_FOLDER_PREFIX[info.field_name]}{value})" if bare_path else ""
            raise ValueError(f"must be {form}{hint}")
        if "://" in value and info.field_name != "billing":
            try:
                parse_endpoint(value)
            except EndpointError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("digest_time", "unallocated_notice_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError("must be HH:MM (UTC)")
        return value

    @field_validator("digest_to", mode="before")
    @classmethod
    def _address_list(cls, value: Any) -> Any:
        if isinstance(value, str):  # ALLOCBOT_DIGEST_TO=a@x,b@y (or a JSON list)
            value = json.loads(value) if value.lstrip().startswith("[") else [v for v in value.split(",") if v.strip()]
        return value

    @field_validator("digest_to")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address.strip()):
                raise ValueError(f"not an e-mail address: {address!r}")
        return tuple(a.strip().lower() for a in value)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", value):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("from_address")
    @classmethod
    def _address(cls, value: str) -> str:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError("must be an e-mail address")
        return value.lower()

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        try:
            Locale.parse(value.replace("-", "_"))
        except (UnknownLocaleError, ValueError) as exc:
            raise ValueError(f"unknown locale: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _webhook_secret(self) -> Settings:
        if self.billing.startswith(("http://", "https://")) and not self.billing_secret.startswith("whsec_"):
            raise ValueError("ALLOCBOT_BILLING is a webhook: set ALLOCBOT_BILLING_SECRET to its whsec_… secret")
        return self

    @model_validator(mode="after")
    def _bank_ids_apart(self) -> Settings:
        billing = {letter_prefix(f).upper() for f in id_formats(self.payment_pattern)}
        if letter_prefix(self.bank_payment_pattern).upper() in billing:
            raise ValueError("ALLOCBOT_BANK_PAYMENT_PATTERN needs a prefix of its own, not the one of "
                             "ALLOCBOT_PAYMENT_PATTERN: a billing export could name a bank-imported payment")
        return self

    @model_validator(mode="after")
    def _hash_memory(self) -> Settings:
        if self.password_hash_memory_kib < 8 * self.password_hash_parallelism:
            raise ValueError("ALLOCBOT_PASSWORD_HASH_MEMORY_KIB must be at least 8 × ALLOCBOT_PASSWORD_HASH_PARALLELISM")
        return self

    @property
    def invoice_prefix(self) -> str:
        return letter_prefix(self.invoice_pattern)

    @property
    def payment_prefix(self) -> str:
        return letter_prefix(self.payment_pattern)

    @property
    def any_payment_pattern(self) -> str:
        """Payment ids as partners may write them: the billing system's or a bank import's."""
        return f"{self.payment_pattern}|{self.bank_payment_pattern}"


def load_settings(**overrides: Any) -> Settings:
    """Build the settings or raise SettingsError naming each bad setting."""
    if problem := config_problem(os.environ.get("ALLOCBOT_CONFIG"), default=DEFAULT_CONFIG):
        raise SettingsError(f"cannot read configuration: {problem}")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'config'}: {err['msg']}" for err in exc.errors()
        )
        raise SettingsError(f"bad setting — {problems}") from None
    except (OSError, ValueError) as exc:  # unreadable or malformed TOML
        raise SettingsError(f"cannot read configuration: {exc}") from None
