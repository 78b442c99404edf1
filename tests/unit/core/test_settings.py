"""Settings: file, then environment on top; a bad value names the setting."""
from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    path = tmp_path / "allocbot.toml"
    monkeypatch.setenv("ALLOCBOT_CONFIG", str(path))
    for name in ("DATABASE_URL", "ALLOCBOT_MAILBOX", "ALLOCBOT_OUTBOX", "ALLOCBOT_BATCH_SIZE", "ALLOCBOT_FROM_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    return path


def test_defaults_are_the_embedded_ones(config_file):
    config_file.write_text("")
    settings = load_settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.mailbox.startswith("maildir:")
    assert settings.outbox.startswith("file:")
    assert settings.invoice_prefix == "G" and settings.payment_prefix == "PY"


def test_environment_overrides_the_file(config_file, monkeypatch):
    config_file.write_text('from_address = "file@billing.example"\nbatch_size = 10\n')
    monkeypatch.setenv("ALLOCBOT_BATCH_SIZE", "25")
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    settings = load_settings()
    assert settings.batch_size == 25
    assert settings.from_address == "file@billing.example"
    assert settings.database_url == "postgresql://postgres@127.0.0.1:5432/test"


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("ALLOCBOT_BATCH_SIZE", "0", "batch_size"),
        ("ALLOCBOT_OUTBOX", "ftp://x", "outbox"),
        ("ALLOCBOT_MAILBOX", "pop3://x", "mailbox"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
        ("ALLOCBOT_INVOICE_PATTERN", "G(\\d{9}", "invoice_pattern"),
        ("ALLOCBOT_BANK_PAYMENT_PATTERN", "\\d{8}", "bank_payment_pattern"),
        ("ALLOCBOT_BANK_PAYMENT_PATTERN", "py\\d{6}", "BANK_PAYMENT_PATTERN needs a prefix of its own"),
        ("ALLOCBOT_FROM_ADDRESS", "not an address", "from_address"),
        ("ALLOCBOT_DEFAULT_LOCALE", "xx-nowhere", "default_locale"),
    ],
)
def test_a_bad_value_names_the_setting(config_file, monkeypatch, variable, value, named):
    config_file.write_text("")
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=named):
        load_settings()


def test_an_unknown_key_in_the_file_is_refused(config_file):
    config_file.write_text("invoice_patern = 'G\\\\d{9}'\n")
    with pytest.raises(SettingsError, match="invoice_patern"):
        load_settings()


def test_a_malformed_file_is_a_clear_error(config_file):
    config_file.write_text("batch_size = = 3\n")
    with pytest.raises(SettingsError, match="configuration"):
        load_settings()


@pytest.mark.parametrize(("variable", "value", "hint"), [
    ("ALLOCBOT_MAILBOX", "/srv/mail/allocations", "write maildir:/srv/mail/allocations"),
    ("ALLOCBOT_OUTBOX", "var/outbox", "write file:var/outbox"),
])
def test_a_bare_folder_path_is_refused_with_the_setting_it_should_have_been(config_file, monkeypatch, variable,
                                                                             value, hint):
    config_file.write_text("")
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert hint in str(refused.value)


def test_an_unknown_scheme_gets_no_folder_hint(config_file, monkeypatch):
    config_file.write_text("")
    monkeypatch.setenv("ALLOCBOT_MAILBOX", "pop3://mail.example")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert "write maildir:" not in str(refused.value)
