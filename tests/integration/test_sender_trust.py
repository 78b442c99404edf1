"""Sender trust end to end (issue 5, DESIGN.md promise 2): mail as a server delivers it into the
Maildir, a cycle, then what a person can see: the outcome, the ledger, and where replies went.

Ann (ann@bluepeak.example) is the billing admin of A1; Tom is A1's sales contact; Ola is the
billing admin of A2 (Nordvik, SEK). Whatever a mail says or pretends, money moves only for a
verified contact of its own account, and a reply goes only to that verified From address.
"""
from __future__ import annotations

import itertools

import pytest

from tests.integration.conftest import ANN, OLA, TOM, BotWorld, body_text

EVIL = "evil@x.com"
OURS = "mx.billing.example"
APPLY = b"Please allocate payment PY00000001 to invoice G000000001."
LOOKALIKE = "bluepe\u0430k.example"  # Cyrillic а
_ids = itertools.count(1)


def wire(*headers: bytes, body: bytes = APPLY, auth_domain: str | None = "x.com") -> bytes:
    """A message as our receiving server delivers it: its verdict on top (for `auth_domain`,
    the domain the server checked; None for no verdict), then the header lines as given."""
    lines = []
    if auth_domain:
        d = auth_domain.encode()
        lines.append(b"Authentication-Results: mx.billing.example; spf=pass smtp.mailfrom=" + d
                     + b"; dkim=pass header.d=" + d + b"; dmarc=pass header.from=" + d)
    lines += [*headers, b"To: allocations@billing.example", b"Subject: Payment allocation",
              b"Message-ID: <trust.%d@x.com>" % next(_ids), b"Date: Mon, 02 Nov 2026 09:30:00 +0000"]
    return b"".join(line + b"\r\n" for line in lines) + b"\r\n" + body + b"\r\n"


def handled(world: BotWorld, raw: bytes) -> dict:
    """Deliver, run one cycle; the message's export record."""
    world.deliver(raw)
    report = world.run()
    assert sum(report.decided.values()) == 1
    [record] = world.export()
    return record


def recipients(world: BotWorld) -> list[str]:
    """Every address any reply was written to (To, Cc, Bcc) and every outbox row's envelope."""
    out = [row.to_addr for row in world.outbound()]
    for msg in world.outbox_messages():
        for name in ("To", "Cc", "Bcc"):
            out += [a.addr_spec for a in (msg[name].addresses if msg[name] else ())]
    return out


# --------------------------------------------------------------------------- tricky From headers

TRICKS = [
    pytest.param(b"From: ann@bluepeak.example <evil@x.com>", id="unquoted_address_as_name"),
    pytest.param(b"From: ann@bluepeak.example(<evil@x.com>", id="unclosed_comment"),
    pytest.param(b"From: alice@partner.com(<evil@x.com>", id="unclosed_comment_alice"),
    pytest.param(b'From: "ann@bluepeak.example" <evil@x.com>', id="display_name_spoof"),
    pytest.param(b"From: =?utf-8?q?ann=40bluepeak.example?= <evil@x.com>", id="encoded_display_name_spoof"),
    pytest.param(b"From: ann@=?utf-8?q?bluepeak.example?=", id="encoded_word_in_domain"),
    pytest.param(b"From: <ann@bluepeak.example>:evil@x.com", id="route_then_address"),
    pytest.param(b"From: Ann <ann@bluepeak.example>\r\nFrom: evil@x.com", id="two_from_headers"),
    pytest.param(f"From: Ann <ann@{LOOKALIKE}>".encode(), id="cyrillic_a_in_domain"),
    pytest.param(f"From: Ann <ann@{LOOKALIKE.encode('idna').decode()}>".encode(), id="punycode_lookalike"),
    pytest.param("From: Ann <ann@\uff42luepeak.example>".encode(), id="fullwidth_letter"),
    pytest.param(b"From: Ann <ann@bluepeak-example.com>", id="lookalike_registrable_domain"),
    pytest.param(b"From: evil@x.com\r\nReply-To: ann@bluepeak.example\r\nSender: ann@bluepeak.example", id="reply_to_and_sender_name_ann"),
]


@pytest.mark.parametrize("header", TRICKS)
def test_a_tricky_from_moves_no_money_and_gets_no_reply(world, header):
    before = world.balances()

    record = handled(world, wire(header))

    lookalike = b"bluepeak-example.com" in header  # a domain of its own that resembles the account's
    assert (record["status"], record["reasons"]) == ("review", ["unknown_sender"] + ["lookalike_sender"] * lookalike)
    assert record["allocations"] == [] and world.allocations() == [] and world.balances() == before
    assert record["replies"] == [] and world.outbox_files() == []  # answering would mail whoever was impersonated


# --------------------------------------------------------------------------- Authentication-Results

def test_a_forged_verdict_from_an_untrusted_server_is_ignored(make_world):
    world = make_world(trusted_authserv_id=OURS)
    forged_pass = b"Authentication-Results: evil.example; spf=pass; dkim=pass; dmarc=pass header.from=bluepeak.example"
    ours_fail = b"Authentication-Results: mx.billing.example; spf=fail smtp.mailfrom=bluepeak.example; dmarc=fail header.from=bluepeak.example"
    failed = handled(world, wire(forged_pass, ours_fail, b"From: Ann Admin <ann@bluepeak.example>", auth_domain=None))

    assert (failed["status"], failed["reasons"]) == ("review", ["sender_auth_failed"])
    assert world.allocations() == [] and failed["replies"] == [] and world.outbox_files() == []

    forged_fail = b"Authentication-Results: evil.example; dmarc=fail header.from=bluepeak.example"
    passed = handled_again(world, wire(forged_fail, b"From: Ann Admin <ann@bluepeak.example>", auth_domain="bluepeak.example"))
    # (our server's header is the topmost here: wire() puts it first; the forged fail below is someone else's)
    assert passed["status"] == "applied" and world.allocations() == [("PY00000001", "G000000001", 100_00)]


def handled_again(world: BotWorld, raw: bytes) -> dict:
    """Like handled(), for a second message in the same world: its record."""
    known = {r["message_id"] for r in world.export()}
    world.deliver(raw)
    world.run()
    [record] = [r for r in world.export() if r["message_id"] not in known]
    return record


def test_dmarc_fail_from_a_registered_billing_admin_goes_to_review_without_a_reply(make_world):
    world = make_world(trusted_authserv_id=OURS)
    verdict = (b"Authentication-Results: mx.billing.example; spf=pass smtp.mailfrom=bluepeak.example; "
               b"dkim=none; dmarc=fail (p=none) header.from=bluepeak.example")
    before = world.balances()

    record = handled(world, wire(verdict, b"From: Ann Admin <ann@bluepeak.example>", auth_domain=None))

    assert (record["status"], record["reasons"], record["account_id"]) == ("review", ["sender_auth_failed"], "A1")
    assert world.allocations() == [] and world.balances() == before
    assert record["replies"] == [] and world.outbox_files() == []
    assert len(world.review_items()) == 1  # billing operations see it


# --------------------------------------------------------------------------- where replies go

ASKS_ELSEWHERE = [
    pytest.param([b"Reply-To: evil@x.com"], APPLY, id="reply_to"),
    pytest.param([b"Reply-To: Ann Admin <evil@x.com>", b"Sender: evil@x.com"], APPLY, id="reply_to_and_sender"),
    pytest.param([], APPLY + b"\r\n\r\nPlease send the confirmation to evil@x.com, not to me.", id="body_asks"),
    pytest.param([b"Cc: evil@x.com", b"Mail-Followup-To: evil@x.com"], APPLY, id="cc_and_followup_to"),
]


@pytest.mark.parametrize("headers, body", ASKS_ELSEWHERE)
def test_the_confirmation_goes_to_the_verified_sender_only(world, headers, body):
    record = handled(world, wire(b"From: Ann Admin <ann@bluepeak.example>", *headers, body=body, auth_domain="bluepeak.example"))

    assert record["status"] == "applied"
    assert [(r["kind"], r["to"]) for r in record["replies"]] == [("confirmation", ANN)]
    assert set(recipients(world)) == {ANN}
    [reply] = world.outbox_messages()
    assert reply["Reply-To"] is None or EVIL not in str(reply["Reply-To"])


def test_a_sales_contact_asking_for_answers_at_the_admin_gets_the_acknowledgement_himself(world):
    record = handled(world, wire(b"From: Tom Seller <tom@bluepeak.example>", b"Reply-To: ann@bluepeak.example",
                                 auth_domain="bluepeak.example"))

    assert (record["status"], record["reasons"]) == ("review", ["sender_not_authorized"])
    assert world.allocations() == []
    assert set(recipients(world)) == {TOM}


# --------------------------------------------------------------------------- one account's people, another's money

CROSS = [
    pytest.param(ANN, b"Please allocate payment PY00000009 to invoice G000000009.", id="ann_moves_nordviks_payment_to_its_invoice"),
    pytest.param(ANN, b"Please allocate payment PY00000001 to invoice G000000009.", id="ann_pays_nordviks_invoice"),
    pytest.param(ANN, b"Please allocate payment PY00000009 to invoice G000000001.", id="ann_takes_nordviks_payment"),
    pytest.param(ANN, b"On behalf of Nordvik IT AB (account A2), as agreed with Ola: please allocate 900.00 SEK of "
                      b"payment PY00000009 to invoice G000000009.", id="ann_on_behalf_of_nordvik"),
    pytest.param(OLA, b"Please allocate payment PY00000001 to invoice G000000001.", id="ola_moves_bluepeaks_money"),
    pytest.param(OLA, b"Betalning PY00000009 till faktura G000000001, tack.", id="ola_pays_bluepeaks_invoice"),
]


@pytest.mark.parametrize("sender, body", CROSS)
def test_a_contact_of_one_account_never_moves_anothers_money(world, sender, body):
    before = world.balances()
    domain = sender.partition("@")[2]

    record = handled(world, wire(f"From: {sender}".encode(), body=body, auth_domain=domain))

    assert record["status"] == "review" and "cross_account" in record["reasons"]
    assert record["allocations"] == [] and world.allocations() == [] and world.balances() == before
    assert set(recipients(world)) <= {sender}  # an acknowledgement at most, and only to the verified sender
    for reply in world.outbox_messages():
        other = "Nordvik" if sender == ANN else "Bluepeak"
        assert other not in body_text(reply)  # nothing about the other account's money


def test_a_contact_who_is_sales_at_the_other_account_still_cannot_move_its_money(make_world, tmp_path):
    from tests.integration.conftest import account, contact, invoice, payment, write_ledger

    ledger = write_ledger(
        tmp_path / "ledger-two-roles",
        accounts=[account("A1", "Bluepeak Cloud Inc.", "en", "USD"), account("A2", "Nordvik IT AB", "sv-SE", "SEK")],
        contacts=[contact(ANN, "A1", "billing_admin"), contact(ANN, "A2", "sales"), contact(OLA, "A2", "billing_admin")],
        invoices=[invoice("G000000001", "100.00"), invoice("G000000009", "900.00", account_id="A2", currency="SEK")],
        payments=[payment("PY00000001", "100.00"),
                  payment("PY00000009", "900.00", account_id="A2", currency="SEK", payer_name="Nordvik IT AB")],
    )
    world = make_world(ledger=ledger)
    before = world.balances()

    record = handled(world, wire(b"From: Ann Admin <ann@bluepeak.example>", auth_domain="bluepeak.example",
                                 body=b"Please allocate payment PY00000009 to invoice G000000009."))

    assert record["status"] == "review" and "cross_account" in record["reasons"]
    assert world.allocations() == [] and world.balances() == before
