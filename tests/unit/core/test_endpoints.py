"""Mail server URLs: scheme, port, TLS, login and folder, each refused with a clear reason."""
from __future__ import annotations

import pytest

from bot.endpoints import Endpoint, EndpointError, parse_endpoint

# url, protocol, host, port, tls, auth, username, password, folder
GOOD = [
    pytest.param("imaps://u:pw@mail.example/", "imap", "mail.example", 993, "implicit", "password", "u", "pw", "INBOX",
                 id="imaps-default-port-993"),
    pytest.param("imap://u:pw@mail.example", "imap", "mail.example", 143, "starttls", "password", "u", "pw", "INBOX",
                 id="imap-default-port-143-starttls"),
    pytest.param("smtps://u:pw@mail.example", "smtp", "mail.example", 465, "implicit", "password", "u", "pw", "",
                 id="smtps-default-port-465"),
    pytest.param("smtp://u:pw@mail.example", "smtp", "mail.example", 587, "starttls", "password", "u", "pw", "",
                 id="smtp-default-port-587-starttls"),
    pytest.param("smtp://127.0.0.1?tls=off", "smtp", "127.0.0.1", 25, "off", "none", "", "", "",
                 id="smtp-tls-off-default-port-25"),
    pytest.param("imap://u:pw@127.0.0.1?tls=off", "imap", "127.0.0.1", 143, "off", "password", "u", "pw", "INBOX",
                 id="imap-tls-off-default-port-143"),
    pytest.param("imap://u:pw@localhost:1143/?tls=off", "imap", "localhost", 1143, "off", "password", "u", "pw", "INBOX",
                 id="explicit-port-wins"),
    pytest.param("imap://u:pw@h?tls=on", "imap", "h", 143, "starttls", "password", "u", "pw", "INBOX",
                 id="tls-on-means-starttls"),
    pytest.param("IMAPS://u:pw@MAIL.Example?TLS=ON", "imap", "mail.example", 993, "implicit", "password", "u", "pw", "INBOX",
                 id="scheme-host-and-options-case-insensitive"),
    pytest.param("imaps://u:p%40ss@h/", "imap", "h", 993, "implicit", "password", "u", "p@ss", "INBOX",
                 id="password-percent-decoded"),
    pytest.param("imaps://ops%40corp.example:a%3Ab%2Fc@h/", "imap", "h", 993, "implicit", "password", "ops@corp.example",
                 "a:b/c", "INBOX", id="user-and-password-percent-decoded"),
    pytest.param("imaps://ops%40corp.example@outlook.office365.com/?auth=xoauth2", "imap", "outlook.office365.com", 993,
                 "implicit", "xoauth2", "ops@corp.example", "", "INBOX", id="xoauth2-with-user"),
    pytest.param("smtp://mail.example", "smtp", "mail.example", 587, "starttls", "none", "", "", "",
                 id="smtp-without-login-is-auth-none"),
    pytest.param("imaps://u:pw@h/Billing", "imap", "h", 993, "implicit", "password", "u", "pw", "Billing",
                 id="folder-from-path"),
    pytest.param("imaps://u:pw@h/Allocations/Applied", "imap", "h", 993, "implicit", "password", "u", "pw",
                 "Allocations/Applied", id="nested-folder"),
    pytest.param("imaps://u:pw@h/Eing%C3%A4nge%20Zahlungen", "imap", "h", 993, "implicit", "password", "u", "pw",
                 "Eingänge Zahlungen", id="folder-percent-decoded"),
    pytest.param("smtps://u:pw@h/ignored", "smtp", "h", 465, "implicit", "password", "u", "pw", "",
                 id="smtp-has-no-folder"),
]


@pytest.mark.parametrize(("url", "protocol", "host", "port", "tls", "auth", "username", "password", "folder"), GOOD)
def test_a_good_url_is_parsed(url, protocol, host, port, tls, auth, username, password, folder):
    assert parse_endpoint(url) == Endpoint(protocol=protocol, host=host, port=port, tls=tls, auth=auth,
                                           username=username, password=password, folder=folder)


BAD = [
    pytest.param("pop3://u:pw@h", "unknown scheme", id="unknown-scheme"),
    pytest.param("mail.example", "unknown scheme", id="no-scheme"),
    pytest.param("imaps://u:pw@h/?tls=off", "tls=off needs imap://", id="tls-off-on-imaps"),
    pytest.param("smtps://u:pw@h?tls=off", "tls=off needs smtp://", id="tls-off-on-smtps"),
    pytest.param("imap://u:pw@h?tls=maybe", "tls=maybe", id="tls-neither-on-nor-off"),
    pytest.param("imap://u:pw@h?timeout=5", "unknown URL option.*timeout", id="unknown-option"),
    pytest.param("imap://u:pw@h?tls=off&verify=no", "unknown URL option.*verify", id="unknown-option-beside-known"),
    pytest.param("imap://u:pw@h?auth=plain", "auth=plain", id="unknown-auth"),
    pytest.param("smtp://h?auth=xoauth2", "XOAUTH2 needs the mailbox user", id="xoauth2-without-user"),
    pytest.param("imaps://h/?auth=xoauth2", "XOAUTH2 needs the mailbox user", id="imap-xoauth2-without-user"),
    pytest.param("smtp://u@h?auth=password", "password login needs user:password", id="password-auth-without-password"),
    pytest.param("smtp://:pw@h", "password login needs user:password", id="password-without-user"),
    pytest.param("imaps://u@h/INBOX", "a user without a password", id="user-without-password-or-auth"),
    pytest.param("smtps://u:@h", "a user without a password", id="empty-password-is-not-a-token"),
    pytest.param("imaps://mail.example/INBOX", "IMAP needs a login", id="imap-without-login"),
    pytest.param("imap://h?auth=none&tls=off", "IMAP needs a login", id="imap-auth-none"),
    pytest.param("imaps://u:pw@h:99999/", "bad port", id="port-out-of-range"),
    pytest.param("imaps://u:pw@h:abc/", "bad port", id="port-not-a-number"),
    pytest.param("imaps:///INBOX", "no host", id="missing-host"),
    pytest.param("smtp://u:pw@:587", "no host", id="missing-host-with-port"),
]


@pytest.mark.parametrize(("url", "reason"), BAD)
def test_a_bad_url_is_refused_with_the_reason(url, reason):
    with pytest.raises(EndpointError, match=reason):
        parse_endpoint(url)


def test_endpoint_error_is_a_value_error():
    # settings validators turn ValueErrors into a message naming the setting
    assert issubclass(EndpointError, ValueError)


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        pytest.param("imaps://u:s3cret@h/", "imaps://u@h:993/INBOX", id="imaps"),
        pytest.param("imap://u:s3cret@h:1143/Allocations/Applied?tls=off", "imap://u@h:1143/Allocations/Applied",
                     id="imap-nested-folder"),
        pytest.param("smtps://u:s3cret@h", "smtps://u@h:465", id="smtps"),
        pytest.param("smtp://h", "smtp://h:587", id="smtp-no-user"),
        pytest.param("smtp://ops%40corp.example:p%40ss@h", "smtp://ops@corp.example@h:587", id="decoded-user"),
    ],
)
def test_redacted_shows_everything_but_the_password(url, redacted):
    assert parse_endpoint(url).redacted() == redacted


@pytest.mark.parametrize(
    ("url", "password"),
    [
        pytest.param("imaps://u:s3cret@h/", "s3cret", id="plain"),
        pytest.param("imap://u:p%40ss%21@h/?tls=off", "p@ss!", id="percent-encoded"),
        pytest.param("smtps://u:hunter2@h", "hunter2", id="smtp"),
    ],
)
def test_redacted_never_contains_the_password(url, password):
    endpoint = parse_endpoint(url)
    assert endpoint.password == password
    text = endpoint.redacted()
    assert password not in text
    assert url.split("@")[0].split(":")[-1] not in text  # nor its encoded form
