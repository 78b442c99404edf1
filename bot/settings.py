"""One typed settings object, built once at start-up and passed in; never a global.

Sources, strongest first: environment (`DATABASE_URL`, `ALLOCBOT_MAILBOX`,
`ALLOCBOT_OUTBOX`, `ALLOCBOT_<FIELD>`), then `config/allocbot.toml` (or the file named by
`ALLOCBOT_CONFIG`), then the defaults below.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from bot.reading.identifiers import letter_prefix

DEFAULT_CONFIG = Path("config/allocbot.toml")


class SettingsError(Exception):
    """A bad setting: the message names it, so start-up can stop with a clear line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ALLOCBOT_", extra="forbid", frozen=True)

    database_url: str = Field(
        default="sqlite:///var/allocbot.db",
        validation_alias=AliasChoices("DATABASE_URL", "ALLOCBOT_DATABASE_URL", "database_url"),
    )
    mailbox: str = "maildir:var/mailbox"
    outbox: str = "file:var/outbox"

    invoice_pattern: str = r"G\d{9}"
    payment_pattern: str = r"PY\d{8}"

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
    poll_seconds: int = Field(default=60, ge=1)

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

    @field_validator("invoice_pattern", "payment_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        if not letter_prefix(value):
            raise ValueError("must start with a literal letter prefix, e.g. G\\d{9}")
        return value

    @field_validator("mailbox")
    @classmethod
    def _mailbox_url(cls, value: str) -> str:
        if not re.match(r"^(maildir:.+|imaps?://.+)$", value):
            raise ValueError("must be maildir:PATH or an imap:// / imaps:// URL")
        return value

    @field_validator("outbox")
    @classmethod
    def _outbox_url(cls, value: str) -> str:
        if not re.match(r"^(file:.+|smtps?://.+)$", value):
            raise ValueError("must be file:PATH or an smtp:// / smtps:// URL")
        return value

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

    @property
    def invoice_prefix(self) -> str:
        return letter_prefix(self.invoice_pattern)

    @property
    def payment_prefix(self) -> str:
        return letter_prefix(self.payment_pattern)


def load_settings(**overrides: Any) -> Settings:
    """Build the settings or raise SettingsError naming each bad setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'config'}: {err['msg']}" for err in exc.errors()
        )
        raise SettingsError(f"bad setting — {problems}") from None
    except (OSError, ValueError) as exc:  # unreadable or malformed TOML
        raise SettingsError(f"cannot read configuration: {exc}") from None
