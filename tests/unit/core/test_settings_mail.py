"""Settings for the mail servers, OAuth, IMAP folders and the digest."""
from __future__ import annotations

import os

import pytest

from bot.settings import ImapFolders, OAuthSettings, SettingsError, load_settings


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    """An empty config file named by ALLOCBOT_CONFIG, and no ALLOCBOT_* variables from outside."""
    for name in list(os.environ):
        if name.startswith("ALLOCBOT_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    path = tmp_path / "allocbot.toml"
    path.write_text("")
    monkeypatch.setenv("ALLOCBOT_CONFIG", str(path))
    return path


# --- OAuth -------------------------------------------------------------------------------

def test_oauth_defaults(config_file):
    oauth = load_settings().oauth
    assert oauth == OAuthSettings()
    assert oauth.provider == "none"
    assert oauth.scope == "https://outlook.office365.com/.default"
    assert oauth.authority_host == "https://login.microsoftonline.com"
    assert oauth.timeout_seconds == 30


def test_oauth_from_nested_environment(config_file, monkeypatch):
    monkeypatch.setenv("ALLOCBOT_OAUTH__PROVIDER", "msal")
    monkeypatch.setenv("ALLOCBOT_OAUTH__TENANT_ID", "tenant-1")
    monkeypatch.setenv("ALLOCBOT_OAUTH__CLIENT_SECRET", "s3cret")
    oauth = load_settings().oauth
    assert (oauth.provider, oauth.tenant_id, oauth.client_secret) == ("msal", "tenant-1", "s3cret")
    assert oauth.client_id == ""  # the rest stays at its default


def test_oauth_table_in_the_file(config_file):
    config_file.write_text('[oauth]\nprovider = "command"\ncommand = "oauth2l fetch --json"\ntimeout_seconds = 5\n')
    oauth = load_settings().oauth
    assert (oauth.provider, oauth.command, oauth.timeout_seconds) == ("command", "oauth2l fetch --json", 5)


def test_nested_environment_overrides_the_file_table(config_file, monkeypatch):
    config_file.write_text('[oauth]\nprovider = "command"\ncommand = "print-token"\n')
    monkeypatch.setenv("ALLOCBOT_OAUTH__PROVIDER", "msal")
    oauth = load_settings().oauth
    assert oauth.provider == "msal"
    assert oauth.command == "print-token"  # still from the file


@pytest.mark.parametrize(
    ("toml", "env", "named"),
    [
        pytest.param("", {"ALLOCBOT_OAUTH__PROVIDER": "google"}, "oauth.provider", id="unknown-provider-env"),
        pytest.param('[oauth]\nprovider = "google"\n', {}, "oauth.provider", id="unknown-provider-file"),
        pytest.param('[oauth]\nprovder = "msal"\n', {}, "oauth.provder", id="misspelt-key"),
        pytest.param("[oauth]\ntimeout_seconds = 0\n", {}, "oauth.timeout_seconds", id="zero-timeout"),
    ],
)
def test_a_bad_oauth_setting_is_named(config_file, monkeypatch, toml, env, named):
    config_file.write_text(toml)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError, match=named):
        load_settings()


def test_oauth_settings_are_frozen(config_file):
    with pytest.raises(Exception):
        load_settings().oauth.provider = "msal"  # type: ignore[misc]


# --- IMAP folders ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("status", "folder"),
    [
        pytest.param("applied", "Allocations/Applied", id="applied"),
        pytest.param("needs_info", "Allocations/Review", id="needs-info"),
        pytest.param("review", "Allocations/Review", id="review"),
        pytest.param("ignored", "Allocations/Ignored", id="ignored"),
        pytest.param("error", "Allocations/Quarantine", id="error"),
        pytest.param("received", "Allocations/Review", id="unknown-status-goes-to-review"),
    ],
)
def test_folder_for_status(status, folder):
    assert ImapFolders().for_status(status) == folder


def test_folder_for_status_follows_a_changed_review_folder():
    folders = ImapFolders(review="Triage", error="Broken")
    assert folders.for_status("review") == "Triage"
    assert folders.for_status("received") == "Triage"
    assert folders.for_status("error") == "Broken"
    assert folders.for_status("needs_info") == "Allocations/Review"  # its own setting, unchanged


def test_imap_folders_from_nested_environment(config_file, monkeypatch):
    monkeypatch.setenv("ALLOCBOT_IMAP_FOLDERS__APPLIED", "Done/Applied")
    folders = load_settings().imap_folders
    assert folders.applied == "Done/Applied"
    assert folders.for_status("applied") == "Done/Applied"
    assert folders.ignored == "Allocations/Ignored"


def test_imap_folders_table_in_the_file(config_file):
    config_file.write_text('[imap_folders]\nerror = "Quarantine"\nignored = "Trash/Ignored"\n')
    folders = load_settings().imap_folders
    assert (folders.error, folders.ignored, folders.applied) == ("Quarantine", "Trash/Ignored", "Allocations/Applied")


def test_an_unknown_folder_key_is_refused(config_file):
    config_file.write_text('[imap_folders]\napplyed = "X"\n')
    with pytest.raises(SettingsError, match="imap_folders.applyed"):
        load_settings()


# --- digest ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["00:00", "07:00", "09:59", "19:30", "23:59"])
def test_a_good_digest_time_is_kept(config_file, monkeypatch, value):
    monkeypatch.setenv("ALLOCBOT_DIGEST_TIME", value)
    assert load_settings().digest_time == value


@pytest.mark.parametrize(
    "value", ["7:00", "24:00", "23:60", "07:00:00", "0700", "07-00", " 07:00", "", "ab:cd"],
)
def test_a_bad_digest_time_is_named(config_file, monkeypatch, value):
    monkeypatch.setenv("ALLOCBOT_DIGEST_TIME", value)
    with pytest.raises(SettingsError, match="digest_time.*HH:MM"):
        load_settings()


def test_digest_to_defaults_to_nobody(config_file):
    assert load_settings().digest_to == ()


@pytest.mark.parametrize(
    ("value", "addresses"),
    [
        pytest.param("ops@billing.example", ("ops@billing.example",), id="one"),
        pytest.param("Ops@Billing.example, lead@billing.example", ("ops@billing.example", "lead@billing.example"),
                     id="comma-separated-trimmed-lowercased"),
        pytest.param("ops@billing.example,,", ("ops@billing.example",), id="empty-items-skipped"),
        pytest.param('["ops@billing.example", "lead@billing.example"]', ("ops@billing.example", "lead@billing.example"),
                     id="json-list"),
        pytest.param("", (), id="empty-is-nobody"),
    ],
)
def test_digest_to_from_the_environment(config_file, monkeypatch, value, addresses):
    monkeypatch.setenv("ALLOCBOT_DIGEST_TO", value)
    assert load_settings().digest_to == addresses


@pytest.mark.parametrize(
    ("toml", "addresses"),
    [
        pytest.param('digest_to = ["A@x.example", "b@y.example"]\n', ("a@x.example", "b@y.example"), id="list"),
        pytest.param('digest_to = "a@x.example"\n', ("a@x.example",), id="single-string"),
    ],
)
def test_digest_to_from_the_file(config_file, toml, addresses):
    config_file.write_text(toml)
    assert load_settings().digest_to == addresses


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("ops", id="no-at"),
        pytest.param("ops@billing", id="no-dot-in-domain"),
        pytest.param("ops@billing.example,not an address", id="second-bad"),
        pytest.param("a@b@c.example", id="two-ats"),
        pytest.param('["ops@billing.example", "nope"]', id="json-list-with-bad-one"),
        pytest.param('["ops@billing.example"', id="broken-json"),
    ],
)
def test_a_bad_digest_address_is_named(config_file, monkeypatch, value):
    monkeypatch.setenv("ALLOCBOT_DIGEST_TO", value)
    with pytest.raises(SettingsError, match="digest_to"):
        load_settings()


# --- mailbox and outbox URLs -------------------------------------------------------------

@pytest.mark.parametrize(
    ("variable", "value"),
    [
        pytest.param("ALLOCBOT_MAILBOX", "maildir:var/mailbox", id="maildir"),
        pytest.param("ALLOCBOT_MAILBOX", "imaps://ops:p%40ss@mail.example/Allocations", id="imaps-with-password"),
        pytest.param("ALLOCBOT_MAILBOX", "imaps://ops%40corp.example@outlook.office365.com/?auth=xoauth2", id="imaps-xoauth2"),
        pytest.param("ALLOCBOT_MAILBOX", "imap://u:p@127.0.0.1:1143/?tls=off", id="imap-plain-loopback"),
        pytest.param("ALLOCBOT_OUTBOX", "file:var/outbox", id="file"),
        pytest.param("ALLOCBOT_OUTBOX", "smtp://127.0.0.1:2525?tls=off", id="smtp-no-login"),
        pytest.param("ALLOCBOT_OUTBOX", "smtps://ops:pw@smtp.example", id="smtps"),
    ],
)
def test_a_good_mail_url_is_kept_as_given(config_file, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    settings = load_settings()
    assert getattr(settings, variable.removeprefix("ALLOCBOT_").lower()) == value


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        pytest.param("ALLOCBOT_MAILBOX", "imaps://mail.example/INBOX", "mailbox.*IMAP needs a login", id="imap-no-login"),
        pytest.param("ALLOCBOT_MAILBOX", "imaps://u:p@mail.example/?tls=off", "mailbox.*tls=off", id="imaps-tls-off"),
        pytest.param("ALLOCBOT_MAILBOX", "imaps://u:p@mail.example:99999/", "mailbox.*bad port", id="bad-port"),
        pytest.param("ALLOCBOT_MAILBOX", "imaps://u:p@h/?foo=1", "mailbox.*unknown URL option", id="unknown-option"),
        pytest.param("ALLOCBOT_MAILBOX", "smtp://h", "mailbox", id="smtp-as-mailbox"),
        pytest.param("ALLOCBOT_MAILBOX", "maildir:", "mailbox", id="maildir-without-path"),
        pytest.param("ALLOCBOT_OUTBOX", "smtp://h?auth=xoauth2", "outbox.*XOAUTH2 needs", id="xoauth2-no-user"),
        pytest.param("ALLOCBOT_OUTBOX", "smtps://u:p@h?tls=off", "outbox.*tls=off", id="smtps-tls-off"),
        pytest.param("ALLOCBOT_OUTBOX", "smtp://:587", "outbox.*no host", id="no-host"),
        pytest.param("ALLOCBOT_OUTBOX", "imaps://u:p@h", "outbox", id="imap-as-outbox"),
    ],
)
def test_a_bad_mail_url_is_named_with_the_reason(config_file, monkeypatch, variable, value, reason):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=reason):
        load_settings()


def test_a_bad_mail_url_error_does_not_echo_the_password(config_file, monkeypatch):
    monkeypatch.setenv("ALLOCBOT_MAILBOX", "imaps://u:hunter2@mail.example:99999/")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "hunter2" not in str(caught.value)


def test_mail_urls_from_the_file(config_file):
    config_file.write_text('mailbox = "imaps://u:p@mail.example/INBOX"\noutbox = "smtps://u:p@mail.example"\n')
    settings = load_settings()
    assert settings.mailbox == "imaps://u:p@mail.example/INBOX"
    assert settings.outbox == "smtps://u:p@mail.example"
