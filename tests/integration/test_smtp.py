"""The SMTP outbox against real aiosmtpd servers: delivery, refusals, TLS and logins."""
from __future__ import annotations

import dataclasses
import shlex
import socket
import sys
import time
from datetime import UTC, datetime

import pytest

from bot.endpoints import parse_endpoint
from bot.oauth import CommandTokenSource
from bot.replies.compose import compose_reply
from bot.replies.outbox import DeliveryError
from bot.replies.render import ReplyContent
from bot.replies.smtp import SmtpOutbox
from tests.integration.smtp_server import SmtpServer, free_port

FROM = "allocations@billing.example"
TO = "asa@kund.example"


def outbox_for(server: SmtpServer, *, url: str | None = None, timeout: float = 5.0, **kwargs) -> SmtpOutbox:
    return SmtpOutbox(parse_endpoint(url or server.url), envelope_from=FROM, ssl_context=server.ssl_context,
                      timeout=timeout, **kwargs)


def message(n: int = 1, body: bytes = b"Payment PY00000001 allocated.\r\n", headers: bytes = b"") -> bytes:
    return (f"From: {FROM}\r\nTo: {TO}\r\nSubject: Allocation {n}\r\nMessage-ID: <m{n}@billing.example>\r\n".encode()
            + headers + b"\r\n" + body)


def send_one(outbox: SmtpOutbox, raw: bytes | None = None, to: str = TO) -> None:
    with outbox.connection() as transport:
        transport.send(raw or message(), to=to, message_id="<m1@billing.example>")


def composed_reply() -> bytes:
    content = ReplyContent(subject="Re: Betalning PY40028173", locale="sv",
                           body="Hej Åsa,\n\nBetalningen på 12 500,00 kr är fördelad.\n.\nMvh\n")
    return compose_reply(content, to_addr=TO, to_name="Åsa Öberg", from_addr=FROM, from_name="Fakturering",
                         in_reply_to="<orig@kund.example>", references=(), message_id="<r1@billing.example>",
                         loop_header="X-Allocbot-Loop", date=datetime(2026, 11, 2, 9, 30, tzinfo=UTC))


# --------------------------------------------------------------------------- delivery

def test_a_batch_goes_over_one_connection_and_every_byte_arrives(smtp_server):
    server = smtp_server.start()
    eight_bit = message(2, "Betalningen är fördelad.\r\n.leading dot survives\r\n".encode(),
                        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n")
    batch = [composed_reply(), eight_bit, message(3)]
    with outbox_for(server).connection() as transport:
        for n, raw in enumerate(batch, 1):
            transport.send(raw, to=TO, message_id=f"<m{n}@billing.example>")
    assert server.wait_for(3) == [(FROM, [TO], raw) for raw in batch]
    assert server.connections == 1
    assert not any(o.startswith("BODY") for o in server.mail_options[0])  # quoted-printable: plain 7-bit
    assert "BODY=8BITMIME" in server.mail_options[1]


def test_a_non_ascii_recipient_is_sent_with_smtputf8(smtp_server):
    server = smtp_server.start()
    send_one(outbox_for(server), to="åsa@kund.example")
    assert server.wait_for(1)[0][1] == ["åsa@kund.example"]
    assert "SMTPUTF8" in server.mail_options[0]


@pytest.mark.parametrize("option, raw, to, missing", [
    ("smtputf8", message(), "åsa@kund.example", "SMTPUTF8"),
    ("eightbitmime", message(body="fördelad\r\n".encode()), TO, "8BITMIME"),
])
def test_what_the_server_cannot_carry_is_refused_for_good_before_mail_from(smtp_server, option, raw, to, missing):
    server = smtp_server.start(**{option: False})
    with pytest.raises(DeliveryError, match=missing) as caught:
        send_one(outbox_for(server), raw, to=to)
    assert caught.value.permanent
    assert server.attempts == 0


# --------------------------------------------------------------------------- refusals

def test_451_is_transient_and_the_next_attempt_on_the_same_connection_is_accepted(smtp_server):
    server = smtp_server.start(fail_first=1, fail_code=451)
    with outbox_for(server).connection() as transport:
        with pytest.raises(DeliveryError) as caught:
            transport.send(message(), to=TO, message_id="<m1@billing.example>")
        transport.send(message(), to=TO, message_id="<m1@billing.example>")
    assert not caught.value.permanent
    assert "451 4.3.0 Local error in processing" in str(caught.value)
    assert [raw for _, _, raw in server.wait_for(1)] == [message()]
    assert (server.attempts, server.connections) == (2, 1)


def test_421_closes_the_connection_and_a_new_connection_is_accepted(smtp_server):
    server = smtp_server.start(fail_first=1, fail_code=421, fail_on="mail")
    outbox = outbox_for(server)
    with outbox.connection() as transport:
        with pytest.raises(DeliveryError) as first:
            transport.send(message(1), to=TO, message_id="<m1@billing.example>")
        time.sleep(0.1)  # let the server's close arrive
        with pytest.raises(DeliveryError) as second:
            transport.send(message(2), to=TO, message_id="<m2@billing.example>")
    assert "421 4.3.2" in str(first.value) and not first.value.permanent
    assert not second.value.permanent
    send_one(outbox, message(1))
    assert [raw for _, _, raw in server.wait_for(1)] == [message(1)]
    assert server.connections == 2


@pytest.mark.parametrize("code, fail_on, text", [
    (550, "rcpt", "5.1.1 Mailbox unavailable: no such user here"),
    (554, "data", "5.7.1 Message rejected as spam"),
    (553, "mail", "5.1.3 Mailbox name not allowed"),
])
def test_5xx_is_permanent_and_names_the_servers_code_and_text(smtp_server, code, fail_on, text):
    server = smtp_server.start(reject_code=code, fail_on=fail_on)
    with pytest.raises(DeliveryError) as caught:
        send_one(outbox_for(server))
    assert caught.value.permanent
    assert f"{code} {text}" in str(caught.value)
    assert server.received == []


def test_a_closed_port_is_a_transient_error_from_connection(smtp_server):
    port = free_port()
    outbox = SmtpOutbox(parse_endpoint(f"smtp://127.0.0.1:{port}?tls=off"), envelope_from=FROM, timeout=2)
    with pytest.raises(DeliveryError, match=f"cannot connect to smtp://127.0.0.1:{port}") as caught:
        with outbox.connection():
            pytest.fail("connected to a closed port")
    assert not caught.value.permanent


def test_a_server_that_never_greets_times_out_as_a_transient_error():
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts TCP, never says 220
        port = silent.getsockname()[1]
        outbox = SmtpOutbox(parse_endpoint(f"smtp://127.0.0.1:{port}?tls=off"), envelope_from=FROM, timeout=0.5)
        started = time.monotonic()
        with pytest.raises(DeliveryError, match="cannot connect") as caught:
            send_one(outbox)
    assert time.monotonic() - started < 3
    assert not caught.value.permanent


# --------------------------------------------------------------------------- logins

def test_password_login_then_delivery(smtp_server):
    server = smtp_server.start(auth={"user": "bot", "password": "s3cr@t"})
    send_one(outbox_for(server))
    assert len(server.wait_for(1)) == 1
    assert server.auth_mechanisms and set(server.auth_mechanisms) <= {"PLAIN", "LOGIN"}


def test_a_wrong_password_is_a_transient_error_that_says_so_without_the_password(smtp_server):
    server = smtp_server.start(auth={"user": "bot", "password": "secret"})
    outbox = outbox_for(server, url=f"smtp://bot:wrong-pw@127.0.0.1:{server.port}?tls=off")
    with pytest.raises(DeliveryError) as caught:
        send_one(outbox)
    assert not caught.value.permanent
    assert "login as bot" in str(caught.value) and "535" in str(caught.value)
    assert "wrong-pw" not in str(caught.value) and "wrong-pw" not in outbox.name
    assert server.attempts == 0


def test_mail_without_the_login_the_server_requires_is_retried_not_dropped(smtp_server):
    server = smtp_server.start(auth={"user": "bot", "password": "secret"})
    with pytest.raises(DeliveryError, match="530") as caught:
        send_one(outbox_for(server, url=f"smtp://127.0.0.1:{server.port}?tls=off"))
    assert not caught.value.permanent


def token_command(token: str) -> CommandTokenSource:
    return CommandTokenSource(shlex.join([sys.executable, "-c", f"print({token!r})"]), timeout=10)


def test_xoauth2_with_a_token_from_a_command(smtp_server):
    server = smtp_server.start(xoauth2_token="tok123")
    send_one(outbox_for(server, token=token_command("tok123").token))
    assert len(server.wait_for(1)) == 1
    assert server.auth_mechanisms == ["XOAUTH2"]


def test_a_refused_xoauth2_token_fails_promptly_with_the_servers_explanation(smtp_server):
    server = smtp_server.start(xoauth2_token="tok123")
    started = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        send_one(outbox_for(server, token=token_command("expired-token").token, timeout=3))
    assert time.monotonic() - started < 2  # answered the 334 challenge instead of waiting it out
    assert not caught.value.permanent
    text = str(caught.value)
    assert "XOAUTH2 login as bot" in text and "535 5.7.8" in text and '"status": "401"' in text
    assert "expired-token" not in text
    assert server.attempts == 0


def test_a_failing_token_command_stops_before_connecting(smtp_server):
    server = smtp_server.start(xoauth2_token="tok123")
    failing = CommandTokenSource(shlex.join([sys.executable, "-c", "import sys; sys.exit('no refresh token')"]),
                                 timeout=10)
    with pytest.raises(DeliveryError, match="no XOAUTH2 token.*no refresh token"):
        send_one(outbox_for(server, token=failing.token))
    assert server.connections == 0


# --------------------------------------------------------------------------- TLS

@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_tls_with_a_password_login(smtp_server, tls):
    server = smtp_server.start(tls=tls, auth={"user": "bot", "password": "secret"})
    assert server.url.startswith("smtps://" if tls == "implicit" else "smtp://") and "tls=off" not in server.url
    send_one(outbox_for(server))
    assert [raw for _, _, raw in server.wait_for(1)] == [message()]


def test_a_certificate_from_an_unknown_ca_is_refused(smtp_server):
    server = smtp_server.start(tls="implicit")
    outbox = SmtpOutbox(parse_endpoint(server.url), envelope_from=FROM, timeout=5)  # system CAs only
    with pytest.raises(DeliveryError, match="(?i)certificate") as caught:
        send_one(outbox)
    assert not caught.value.permanent


def test_starttls_required_but_not_offered_sends_no_password(smtp_server):
    server = smtp_server.start(auth={"user": "bot", "password": "secret"})  # plain server, no STARTTLS
    url = f"smtp://bot:secret@127.0.0.1:{server.port}"  # no tls=off: STARTTLS is required
    with pytest.raises(DeliveryError, match="does not offer STARTTLS") as caught:
        send_one(outbox_for(server, url=url))
    assert not caught.value.permanent
    assert server.auth_mechanisms == [] and server.attempts == 0


# --------------------------------------------------------------------------- construction

def test_the_outbox_name_hides_the_password_and_xoauth2_needs_a_token_source():
    endpoint = parse_endpoint("smtps://bot:hunter2@smtp.example:465")
    assert SmtpOutbox(endpoint, envelope_from=FROM).name == "smtps://bot@smtp.example:465"
    with pytest.raises(ValueError, match="token source"):
        SmtpOutbox(dataclasses.replace(endpoint, auth="xoauth2"), envelope_from=FROM)
