"""Pure parts of the SMTP outbox: which refusals are worth retrying, and what MAIL FROM needs."""
from __future__ import annotations

import base64

import pytest

from bot.replies.outbox import DeliveryError
from bot.replies.smtp import delivery_error, mail_options, xoauth2_challenge_text

FROM = "allocations@billing.example"


@pytest.mark.parametrize("code", [421, 450, 451, 452, 454])
def test_4xx_replies_are_transient(code):
    assert delivery_error(code, "try later").permanent is False


@pytest.mark.parametrize("code", [550, 551, 552, 553, 554, 501])
def test_5xx_replies_are_permanent(code):
    assert delivery_error(code, "no").permanent is True


@pytest.mark.parametrize("code", [530, 535, 538])
def test_5xx_about_our_login_or_tls_are_transient_because_the_message_is_not_at_fault(code):
    assert delivery_error(code, "5.7.0 Authentication required").permanent is False


@pytest.mark.parametrize("code", [-1, 0, 221, 354])
def test_replies_outside_4xx_and_5xx_are_transient(code):
    assert delivery_error(code, "odd").permanent is False


def test_the_message_carries_the_servers_code_text_and_the_step_on_one_line():
    error = delivery_error(550, "5.1.1 <asa@kund.example>:\n   Recipient address rejected", during="RCPT TO:<asa@kund.example>")
    assert isinstance(error, DeliveryError)
    assert str(error) == ("server refused the message at RCPT TO:<asa@kund.example>: "
                          "550 5.1.1 <asa@kund.example>: Recipient address rejected")


@pytest.mark.parametrize("raw, to, offered, expected", [
    (b"Subject: x\r\n\r\nascii\r\n", "a@b.example", set(), []),
    ("Subject: x\r\n\r\nfördelad\r\n".encode(), "a@b.example", {"8bitmime"}, ["BODY=8BITMIME"]),
    (b"Subject: x\r\n\r\nascii\r\n", "åsa@b.example", {"SMTPUTF8"}, ["SMTPUTF8"]),
    ("Subject: å\r\n\r\nå\r\n".encode(), "åsa@b.example", {"8bitmime", "smtputf8"}, ["BODY=8BITMIME", "SMTPUTF8"]),
])
def test_mail_options_ask_only_for_what_the_message_needs(raw, to, offered, expected):
    assert mail_options(raw, envelope_from=FROM, to=to, offered=offered) == expected


@pytest.mark.parametrize("raw, to, offered, missing", [
    ("fördelad".encode(), "a@b.example", {"smtputf8"}, "8BITMIME"),
    (b"ascii", "åsa@b.example", {"8bitmime"}, "SMTPUTF8"),
])
def test_a_message_the_server_cannot_carry_is_a_permanent_error(raw, to, offered, missing):
    with pytest.raises(DeliveryError, match=missing) as caught:
        mail_options(raw, envelope_from=FROM, to=to, offered=offered)
    assert caught.value.permanent


def test_the_xoauth2_error_challenge_is_decoded_for_the_log():
    challenge = base64.b64encode(b'{"status":"401",\n "schemes":"bearer"}').decode()
    assert xoauth2_challenge_text(challenge) == '{"status":"401", "schemes":"bearer"}'
    assert xoauth2_challenge_text("not base64!") == "not base64!"
