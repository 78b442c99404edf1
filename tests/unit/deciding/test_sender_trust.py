"""Sender trust (issue 5, DESIGN.md promise 2): only the account's own people move its money.

Messages are parsed from the bytes a server delivers (`parse_bytes`), and the sender is read
with `sender_of`, from the headers as received. Every trick below must leave Ann, the
registered billing admin, out of it: whoever sent it, it never moves money in her name.
A verified contact of one account never moves another account's money, whatever the mail says.
"""
from __future__ import annotations

import base64

import pytest

from bot.deciding.sender import authorised_accounts, from_address, identify_sender, raw_header_values, sender_of
from bot.model import Reason, Status
from bot.reading.parsing import parse_bytes
from tests.unit.deciding.builders import (
    ROLES, allocations, assert_explained, contact, instruction, invoice, ledger, line, payment, request, run, sender,
)

ANN = "ann@bluepeak.example"
OURS = "mx.billing.example"
G1, G2, PY1, PY2 = "G000000001", "G000000002", "PY00000001", "PY00000002"  # G1/PY1 of A1, G2/PY2 of A2
LOOKALIKE = "bluepe\u0430k.example"  # Cyrillic а (U+0430) for the Latin a
PUNYCODE = LOOKALIKE.encode("idna").decode("ascii")  # xn--…: what the look-alike domain is on the wire


def wire(*headers: bytes, body: bytes = b"Please allocate payment PY00000001 to invoice G000000001.") -> bytes:
    """A message as it arrives: the given header lines as they are, then the usual ones."""
    head = b"".join(h + b"\r\n" for h in headers)
    return (head + b"To: allocations@billing.example\r\nSubject: Payment allocation\r\n"
            b"Message-ID: <m.1@x.com>\r\nDate: Mon, 02 Nov 2026 09:30:00 +0000\r\n\r\n" + body + b"\r\n")


def who(*headers: bytes, trusted: str = ""):
    return sender_of(parse_bytes(wire(*headers)), trusted_authserv_id=trusted)


def ann_may_move_a1() -> object:
    return ledger(contact(ANN, "A1"), invoice(G1, "10.00"), payment(PY1, "10.00"))


# --------------------------------------------------------------------------- the From header

GENUINE = [
    ("plain", b"From: ann@bluepeak.example", ""),
    ("named", b"From: Ann Admin <ann@bluepeak.example>", "Ann Admin"),
    ("quoted_name", b'From: "Admin, Ann" <ann@bluepeak.example>', "Admin, Ann"),
    ("encoded_name_folded", b"From: =?utf-8?b?w4VubiBBZG1pbg==?=\r\n <ann@bluepeak.example>", "\u00c5nn Admin"),
    ("utf8_name_rfc6532", "From: \u00c5nn \u00c4dmin <ann@bluepeak.example>".encode(), "\u00c5nn \u00c4dmin"),
    ("upper_case", b"From: Ann <ANN@BluePeak.Example>", "Ann"),
    ("comment", b"From: Ann <ann@bluepeak.example> (billing)", "Ann"),
    ("period_in_name", b"From: Ann B. Admin <ann@bluepeak.example>", "Ann B. Admin"),  # obsolete, everyday syntax
    ("initial_upper_case", b"From: A. Admin <ANN@BLUEPEAK.EXAMPLE>", "A. Admin"),
]


@pytest.mark.parametrize("header, name", [g[1:] for g in GENUINE], ids=[g[0] for g in GENUINE])
def test_a_genuine_from_names_ann(header, name):
    sender_ = who(header)
    assert (sender_.address, sender_.display_name) == (ANN, name)
    decision = run(request(instruction([line(G1)], [PY1])), ann_may_move_a1(), sender_)
    assert decision.status is Status.APPLIED


# (what the header says, the address it may name — never Ann's)
TRICKS = [
    ("unquoted_address_as_name", b"From: ann@bluepeak.example <evil@x.com>", ""),
    ("unclosed_comment", b"From: ann@bluepeak.example(<evil@x.com>", ""),
    ("unclosed_comment_alice", b"From: alice@partner.com(<evil@x.com>", ""),
    ("quoted_address_as_name", b'From: "ann@bluepeak.example" <evil@x.com>', "evil@x.com"),
    ("encoded_address_as_name", b"From: =?utf-8?q?ann=40bluepeak.example?= <evil@x.com>", "evil@x.com"),
    ("encoded_word_as_address", b"From: =?utf-8?q?ann=40bluepeak.example?=", ""),
    ("encoded_word_in_domain", b"From: ann@=?utf-8?q?bluepeak.example?=", ""),
    ("encoded_word_in_angle", b"From: Ann <=?utf-8?q?ann=40bluepeak.example?=>", ""),
    ("route_then_address", b"From: <ann@bluepeak.example>:evil@x.com", ""),
    ("group", b"From: Billing: ann@bluepeak.example;", ""),
    ("two_addresses", b"From: ann@bluepeak.example, evil@x.com", ""),
    ("two_from_headers", b"From: Ann <ann@bluepeak.example>\r\nFrom: evil@x.com", ""),
    ("two_from_headers_reversed", b"From: evil@x.com\r\nFrom: Ann <ann@bluepeak.example>", ""),
    ("no_from_sender_only", b"Sender: ann@bluepeak.example", ""),
    ("cyrillic_a_in_domain", f"From: Ann <ann@{LOOKALIKE}>".encode(), ""),
    ("cyrillic_a_encoded_in_domain", b"From: Ann <ann@=?utf-8?b?" + base64.b64encode(LOOKALIKE.encode()) + b"?=>", ""),
    ("punycode_lookalike_domain", f"From: Ann <ann@{PUNYCODE}>".encode(), f"ann@{PUNYCODE}"),
    ("fullwidth_domain", "From: Ann <ann@\uff42\uff4c\uff55\uff45\uff50\uff45\uff41\uff4b.example>".encode(), ""),
    ("fullwidth_at", "From: Ann <ann\uff20bluepeak.example>".encode(), ""),
    ("kelvin_sign", "From: Ann <ann@bluepea\u212a.example>".encode(), ""),
    ("trailing_dot_domain", b"From: Ann <ann@bluepeak.example.>", ""),
    ("lookalike_registrable_domain", b"From: Ann <ann@bluepeak-example.com>", "ann@bluepeak-example.com"),
    ("subdomain", b"From: Ann <ann@bluepeak.example.x.com>", "ann@bluepeak.example.x.com"),
]


@pytest.mark.parametrize("header, address", [t[1:] for t in TRICKS], ids=[t[0] for t in TRICKS])
def test_a_tricky_from_never_names_ann(header, address):
    assert who(header).address == address


@pytest.mark.parametrize("header", [t[1] for t in TRICKS], ids=[t[0] for t in TRICKS])
def test_a_tricky_from_never_moves_anns_money(header):
    decision = run(request(instruction([line(G1)], [PY1])), ann_may_move_a1(), who(header))
    assert (decision.status, decision.reasons) == (Status.REVIEW, (Reason.UNKNOWN_SENDER,))
    assert decision.allocations == ()
    assert_explained(decision)


def test_reply_to_and_sender_headers_never_name_the_sender():
    """Ann's own mail asking for answers elsewhere is still Ann's; evil's mail pointing at Ann is evil's."""
    assert who(b"From: Ann <ann@bluepeak.example>", b"Reply-To: evil@x.com", b"Sender: evil@x.com").address == ANN
    assert who(b"From: evil@x.com", b"Reply-To: ann@bluepeak.example", b"Sender: ann@bluepeak.example").address == "evil@x.com"


def test_the_from_header_is_read_as_received_not_as_printed_again():
    """The mail library prints `ann@bluepeak.example <evil@x.com>` again as `ann@bluepeak.example`:
    reading the printed value would make Ann the sender of evil's mail."""
    msg = parse_bytes(wire(b"From: ann@bluepeak.example <evil@x.com>"))
    assert raw_header_values(msg, "From") == ["ann@bluepeak.example <evil@x.com>"]
    assert from_address(raw_header_values(msg, "From")[0])[0] == ""


def test_a_list_of_from_values_must_hold_exactly_one():
    assert identify_sender([], [], trusted_authserv_id="").address == ""
    assert identify_sender([ANN, ANN], [], trusted_authserv_id="").address == ""
    assert identify_sender([ANN], [], trusted_authserv_id="").address == ANN


def test_a_contact_written_with_a_lookalike_never_matches_the_ascii_address():
    """str.lower() turns the Kelvin sign into k: comparing that way would match."""
    assert "ann@bluepea\u212a.example".lower() == ANN
    accounts, reasons, _ = authorised_accounts(sender(ANN), (contact("ann@bluepea\u212a.example"),), allowed_roles=ROLES)
    assert (accounts, reasons) == ((), (Reason.UNKNOWN_SENDER,))
    assert authorised_accounts(sender(ANN), (contact("Ann@BluePeak.Example"),), allowed_roles=ROLES)[0] == ("A1",)


# --------------------------------------------------------------------------- Authentication-Results

ANN_FROM = b"From: Ann <ann@bluepeak.example>"
AUTH = [
    # (id, Authentication-Results lines topmost first, trusted authserv-id, methods failed)
    ("forged_pass_above_ours_ignored", [b"Authentication-Results: evil.example; spf=pass; dkim=pass; dmarc=pass",
                                        b"Authentication-Results: mx.billing.example; dmarc=fail header.from=bluepeak.example"],
     OURS, ("dmarc",)),
    ("forged_fail_ignored", [b"Authentication-Results: evil.example; dmarc=fail",
                             b"Authentication-Results: mx.billing.example; spf=pass; dkim=pass; dmarc=pass"], OURS, ()),
    ("forged_with_our_id_below_ours", [b"Authentication-Results: mx.billing.example; dmarc=fail",
                                       b"Authentication-Results: mx.billing.example; spf=pass; dkim=pass; dmarc=pass"], OURS, ("dmarc",)),
    ("only_forged_headers", [b"Authentication-Results: evil.example; dmarc=pass"], OURS, ()),
    ("encoded_word_posing_as_ours", [b"Authentication-Results: =?us-ascii?q?mx.billing.example?=; dmarc=pass",
                                     b"Authentication-Results: mx.billing.example; dkim=fail"], OURS, ("dkim",)),
    ("folded_fail", [b"Authentication-Results: mx.billing.example;\r\n\tspf=pass smtp.mailfrom=bluepeak.example;\r\n\tdmarc=fail"],
     OURS, ("dmarc",)),
    ("untrusted_topmost_without_setting", [b"Authentication-Results: mx.billing.example; spf=fail",
                                           b"Authentication-Results: evil.example; spf=pass"], "", ("spf",)),
]


@pytest.mark.parametrize("lines, trusted, failed", [a[1:] for a in AUTH], ids=[a[0] for a in AUTH])
def test_only_the_trusted_authentication_results_count(lines, trusted, failed):
    assert who(*lines, ANN_FROM, trusted=trusted).auth.failed == failed


def test_dmarc_fail_from_a_registered_billing_admin_goes_to_review():
    ann = who(b"Authentication-Results: mx.billing.example; spf=pass; dkim=none; dmarc=fail (p=none) header.from=bluepeak.example",
              ANN_FROM, trusted=OURS)
    assert ann.address == ANN
    decision = run(request(instruction([line(G1)], [PY1])), ann_may_move_a1(), ann)
    assert (decision.status, decision.reasons, decision.allocations) == (Status.REVIEW, (Reason.SENDER_AUTH_FAILED,), ())
    assert_explained(decision)


# --------------------------------------------------------------------------- one account's people, another's money

def two_accounts(*extra_contacts) -> object:
    return ledger(contact(ANN, "A1"), *extra_contacts,
                  invoice(G1, "10.00", account="A1"), payment(PY1, "10.00", account="A1", reference="BLUEPEAK 1020"),
                  invoice(G2, "900.00", account="A2"), payment(PY2, "900.00", account="A2", reference="NORDVIK 1015"))


CROSS = [
    # (id, instruction, the contacts besides Ann-admin-of-A1, reasons)
    ("b_payment_to_b_invoice", instruction([line(G2)], [PY2]), (), (Reason.CROSS_ACCOUNT,)),
    ("own_payment_to_b_invoice", instruction([line(G1), line(G2)], [PY1]), (), (Reason.CROSS_ACCOUNT,)),
    ("b_payment_to_own_invoice", instruction([line(G1)], [PY2]), (), (Reason.CROSS_ACCOUNT,)),
    ("b_payment_stated_amount", instruction([line(G2, "900.00", "EUR")], [PY2]), (), (Reason.CROSS_ACCOUNT,)),
    ("sales_at_b_admin_at_a", instruction([line(G2)], [PY2]), (contact(ANN, "A2", "sales"),), (Reason.CROSS_ACCOUNT,)),
    ("b_reference_named", instruction([line(G2)], text="our payment NORDVIK 1015 for G000000002", mentions_payment=True),
     (), (Reason.CROSS_ACCOUNT,)),
]


@pytest.mark.parametrize("ins, contacts, reasons", [c[1:] for c in CROSS], ids=[c[0] for c in CROSS])
def test_a_contact_of_a_never_moves_money_of_b(ins, contacts, reasons):
    decision = run(request(ins), two_accounts(*contacts), sender(ANN))
    assert decision.status is Status.REVIEW and decision.allocations == ()
    assert set(reasons) <= set(decision.reasons)
    assert_explained(decision)


def test_b_named_by_reference_never_finds_bs_payment():
    """A payment found without its id is only ever looked for among the sender's own accounts:
    B's reference next to Ann's own invoice never picks B's payment (Ann's own single payment
    that equals the invoice may still be applied by the "our payment" rule)."""
    by_reference = instruction([line(G1)], text="our payment NORDVIK 1015 for G000000001", mentions_payment=True)
    decision = run(request(by_reference), two_accounts(), sender(ANN))
    assert all(a.payment_id == PY1 and a.invoice_number == G1 for a in decision.allocations)
    assert PY2 not in {row for e in decision.evidence for row in e.rows}


def test_a_contact_of_both_accounts_never_mixes_them():
    """Admin of both: each account is theirs, but one payment never pays the other's invoice."""
    both = two_accounts(contact(ANN, "A2"))
    mixed = run(request(instruction([line(G2)], [PY1])), both, sender(ANN))
    assert mixed.status is Status.REVIEW and mixed.allocations == ()
    two = run(request(instruction([line(G1)], [PY1]), instruction([line(G2)], [PY2])), both, sender(ANN))
    # one mail moving two accounts' money: nothing applied, a person decides (the proposal travels along)
    assert (two.status, two.reasons) == (Status.REVIEW, (Reason.AMBIGUOUS_ACCOUNT,))
    own_b = run(request(instruction([line(G2)], [PY2])), both, sender(ANN))
    assert (own_b.status, allocations(own_b)) == (Status.APPLIED, [(PY2, G2, "900.00")])
