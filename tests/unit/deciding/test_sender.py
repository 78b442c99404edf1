"""Only the account's own people move its money: a registered contact with an allowed role,
whose message our own server did not fail, named by a From header that leaves no doubt."""
from __future__ import annotations

import pytest

from bot.deciding.sender import authorised_accounts, from_address, identify_sender, parse_authentication_results
from bot.model import Reason, Status
from tests.unit.deciding.builders import (
    ALICE, ROLES, allocations, assert_explained, contact, instruction, invoice, ledger, line, payment, request, run,
    sender,
)

G1, PY1 = "G000000001", "PY00000001"
MICHAEL = "michael@bluepeak11.com"
OURS = "mx.billing.example"

FROM_HEADERS = [
    ("plain", "alice@partner.com", "alice@partner.com"),
    ("named", "Alice Berg <alice@partner.com>", "alice@partner.com"),
    ("quoted_comma_name", '"Berg, Alice" <alice@partner.com>', "alice@partner.com"),
    ("encoded_name", "=?utf-8?b?QWxpY2UgQsOpcmc=?= <alice@partner.com>", "alice@partner.com"),
    ("upper_case", "ALICE@Partner.COM", "alice@partner.com"),
    ("trailing_comment", "Alice <alice@partner.com> (work)", "alice@partner.com"),
    ("two_addresses", "alice@partner.com, evil@x.com", ""),
    ("two_named", "Alice <alice@partner.com>, <evil@x.com>", ""),
    ("unclosed_comment", "alice@partner.com(<evil@x.com>", ""),
    ("address_as_display_name", f'"{MICHAEL}" <evil@x.com>', "evil@x.com"),
    ("unquoted_address_as_name", f"{MICHAEL} <evil@x.com>", ""),
    ("encoded_address_as_name", "=?utf-8?q?michael=40bluepeak11.com?= <evil@x.com>", "evil@x.com"),
    ("address_in_comment", f"evil@x.com ({MICHAEL})", "evil@x.com"),
    ("two_angle_addrs", "Alice <alice@partner.com> <evil@x.com>", ""),
    ("double_at", "alice@partner.com@evil.com", ""),
    ("quoted_local_part", '"alice@partner.com"@evil.com', ""),
    ("greek_omicron_domain", "michael@bluepeak11.c\u03bfm", ""),
    ("cyrillic_a_local", "mich\u0430el@bluepeak11.com", ""),
    ("unclosed_angle", "<alice@partner.com", ""),
    ("stray_angle", "alice@partner.com>", ""),
    ("empty", "", ""),
    ("garbage", "garbage", ""),
    ("empty_angle", "<>", ""),
    ("group_empty", "undisclosed-recipients:;", ""),
    ("literal_domain", "alice@[127.0.0.1]", ""),
    ("nul_byte", "alice@partner.com\x00evil", ""),
]


@pytest.mark.parametrize("header, address", [f[1:] for f in FROM_HEADERS], ids=[f[0] for f in FROM_HEADERS])
def test_from_address(header, address):
    assert from_address(header)[0] == address


@pytest.mark.parametrize("header", [f[1] for f in FROM_HEADERS if f[2] != MICHAEL], ids=[f[0] for f in FROM_HEADERS if f[2] != MICHAEL])
def test_tricky_from_never_becomes_a_contact(header):
    """Whatever the From says, only michael's own address makes michael the sender."""
    address = from_address(header)[0]
    view = ledger(contact(MICHAEL), invoice(G1, "10.00"), payment(PY1, "10.00"))
    decision = run(request(instruction([line(G1)], [PY1])), view, sender(address))
    assert decision.status is Status.REVIEW and decision.reasons == (Reason.UNKNOWN_SENDER,)
    assert_explained(decision)


AUTH = [
    ("pass", [f"{OURS}; spf=pass smtp.mailfrom=partner.example; dkim=pass header.d=partner.example; dmarc=pass"], "", ()),
    ("dmarc_fail", [f"{OURS}; spf=pass; dkim=pass; dmarc=fail (p=reject) header.from=partner.example"], "", ("dmarc",)),
    ("spf_fail", [f"{OURS}; spf=fail smtp.mailfrom=partner.example"], "", ("spf",)),
    ("dkim_fail", [f"{OURS};\r\n dkim=fail reason=\"signature verification failed\""], "", ("dkim",)),
    ("upper_case", [f"{OURS}; DMARC=FAIL"], "", ("dmarc",)),
    ("softfail_is_no_fail", [f"{OURS}; spf=softfail"], "", ()),
    ("version_after_id", [f"{OURS} 1; dmarc=fail"], "", ("dmarc",)),
    ("topmost_only_by_default", [f"{OURS}; dmarc=pass", "evil.example; dmarc=fail"], "", ()),
    ("topmost_fail_by_default", [f"{OURS}; dmarc=fail", "evil.example; dmarc=pass"], "", ("dmarc",)),
    ("forged_on_top_ignored", ["evil.example; spf=pass; dkim=pass; dmarc=pass", f"{OURS}; dmarc=fail"], OURS, ("dmarc",)),
    ("forged_fail_ignored", ["evil.example; dmarc=fail", f"{OURS}; dmarc=pass"], OURS, ()),
    ("trusted_id_case", [f"MX.Billing.Example; dkim=fail"], OURS, ("dkim",)),
    ("trusted_absent", ["evil.example; dmarc=pass"], OURS, ()),
    ("none", [], "", ()),
]


@pytest.mark.parametrize("values, trusted, failed", [a[1:] for a in AUTH], ids=[a[0] for a in AUTH])
def test_authentication_results(values, trusted, failed):
    assert parse_authentication_results(values, trusted_authserv_id=trusted).failed == failed


def test_trusted_verdict_names_its_server():
    verdict = parse_authentication_results(["evil.example; dmarc=pass", f"{OURS}; dmarc=fail"], trusted_authserv_id=OURS)
    assert verdict.authserv_id == OURS


def test_identify_sender():
    who = identify_sender("Alice <Alice@Partner.Example>", [f"{OURS}; dmarc=fail"], trusted_authserv_id=OURS)
    assert (who.address, who.display_name, who.auth.failed) == (ALICE, "Alice", ("dmarc",))


SENDERS = [
    ("billing_admin", [contact()], sender(), Status.APPLIED, []),
    ("account_admin", [contact(role="account_admin")], sender(), Status.APPLIED, []),
    ("unknown_address", [contact("bob@partner.example")], sender(), Status.REVIEW, [Reason.UNKNOWN_SENDER]),
    ("no_address", [contact()], sender(""), Status.REVIEW, [Reason.UNKNOWN_SENDER]),
    ("sales", [contact(role="sales")], sender(), Status.REVIEW, [Reason.SENDER_NOT_AUTHORIZED]),
    ("sales_here_admin_elsewhere", [contact(role="sales"), contact(account="B9")], sender(),
     Status.REVIEW, [Reason.CROSS_ACCOUNT]),
    ("dmarc_fail", [contact()], sender(ALICE, ("dmarc", "fail")), Status.REVIEW, [Reason.SENDER_AUTH_FAILED]),
    ("spf_fail", [contact()], sender(ALICE, ("spf", "fail")), Status.REVIEW, [Reason.SENDER_AUTH_FAILED]),
    ("dkim_fail", [contact()], sender(ALICE, ("dkim", "fail")), Status.REVIEW, [Reason.SENDER_AUTH_FAILED]),
    ("dkim_permerror", [contact()], sender(ALICE, ("dkim", "permerror")), Status.REVIEW, [Reason.SENDER_AUTH_FAILED]),
    ("all_pass", [contact()], sender(ALICE, ("spf", "pass"), ("dkim", "pass"), ("dmarc", "pass")), Status.APPLIED, []),
    ("auth_fail_unknown_sender", [], sender("evil@x.com", ("dmarc", "fail")), Status.REVIEW, [Reason.SENDER_AUTH_FAILED]),
    ("contact_email_case", [contact("Alice@Partner.Example")], sender(), Status.APPLIED, []),
]


@pytest.mark.parametrize("contacts, who, status, reasons", [s[1:] for s in SENDERS], ids=[s[0] for s in SENDERS])
def test_sender_decides(contacts, who, status, reasons):
    view = ledger(*contacts, invoice(G1, "10.00"), payment(PY1, "10.00"))
    decision = run(request(instruction([line(G1)], [PY1])), view, who)
    assert (decision.status, list(decision.reasons)) == (status, reasons)
    proposed = status is Status.APPLIED or reasons == [Reason.SENDER_NOT_AUTHORIZED]  # held, with the proposal kept
    assert allocations(decision) == ([(PY1, G1, "10.00")] if proposed else [])
    assert_explained(decision)


def test_authorised_accounts_lists_only_allowed_roles():
    rows = (contact(account="A1"), contact(account="A2", role="sales"), contact(account="A3", role="account_admin"))
    accounts, reasons, _ = authorised_accounts(sender(), rows, allowed_roles=ROLES)
    assert (accounts, reasons) == (("A1", "A3"), ())
