"""Look-alike sender domains: flagged when a reader would take them for an account's domain,
never for the account's own domain, its subdomains or domains that merely share a letter."""
from __future__ import annotations

from dataclasses import replace

import pytest

from bot.deciding.lookalike import find_lookalike, lookalike_evidence, resemblance
from bot.deciding.match import decide
from bot.model import Reason, Status
from tests.unit.deciding.builders import (
    ROLES, allocations, contact, instruction, invoice, ledger, line, payment, request, sender,
)

ACCOUNT = "bluepeak.example"


@pytest.mark.parametrize("sender", [
    "bluepeak-payments.example",  # words added
    "payments-bluepeak.example",
    "bluepeakbilling.example",
    "bluepeak-billing.example",
])
def test_added_words_are_flagged(sender):
    assert resemblance(sender, ACCOUNT) is not None


@pytest.mark.parametrize("sender", [
    "b1uepeak.example", "bluepeek.example", "blupeak.example", "bluepaek.example", "blueрeak.example",
    "bluepeak.exarnple", "bluepeak.com", "bIuepeak.example".lower().replace("l", "1"),
])
def test_near_misses_and_homoglyphs_are_flagged(sender):
    assert resemblance(sender, ACCOUNT) is not None, sender


@pytest.mark.parametrize("sender", [
    "bluepeak.example", "BluePeak.Example", "mail.bluepeak.example", "eu.billing.bluepeak.example",
])
def test_the_accounts_own_domain_is_never_flagged(sender):
    assert resemblance(sender, ACCOUNT) is None
    assert find_lookalike(f"ann@{sender}", [ACCOUNT, "nordwind.example"]) is None


@pytest.mark.parametrize("sender", [
    "gmail.com", "nordwind.example", "redriver.example", "peak.example", "blue.example", "example.com",
    "greenpeak.example", "bluesky.example",
])
def test_unrelated_domains_are_not_flagged(sender):
    assert resemblance(sender, ACCOUNT) is None, sender


def test_short_names_say_nothing():
    assert resemblance("abd.example", "abc.example") is None


def test_a_sender_on_one_accounts_domain_is_not_flagged_for_another():
    assert find_lookalike("ann@bluepeak.example", ["bluepeak.example", "bluepeek.example"]) is None


def test_evidence_names_the_account_and_the_reason():
    ev = lookalike_evidence("eve@bluepeak-payments.example", {"bluepeak.example": ("A1001",)})
    assert ev is not None and ev.reason is Reason.LOOKALIKE_SENDER and ev.rows == ("A1001",)
    assert "bluepeak-payments.example resembles bluepeak.example" in ev.detail
    assert lookalike_evidence("", {"bluepeak.example": ("A1001",)}) is None


# ---- in the decision ----------------------------------------------------------------------


G1, PY1 = "G000000001", "PY00000001"
DOMAINS = {"bluepeak.example": ("A1",)}


def _decide(address: str, *contacts, domains=DOMAINS, admins=()):
    view = ledger(*contacts, invoice(G1, "10.00"), payment(PY1, "10.00"))
    return decide(request(instruction([line(G1)], [PY1])), sender(address), view, allowed_roles=ROLES,
                  account_domains=domains, admins=admins)


def test_an_unknown_sender_on_a_lookalike_domain_is_flagged_and_held():
    decision = _decide("ann@bluepeak-payments.example")
    assert decision.status is Status.REVIEW and not decision.allocations
    assert list(decision.reasons) == [Reason.UNKNOWN_SENDER, Reason.LOOKALIKE_SENDER]
    assert any(e.rule == "lookalike_sender" and e.reason is Reason.LOOKALIKE_SENDER for e in decision.evidence)


def test_an_unknown_sender_elsewhere_is_only_unknown():
    assert list(_decide("eve@gmail.com").reasons) == [Reason.UNKNOWN_SENDER]
    assert list(_decide("eve@bluepeak-payments.example", domains=None).reasons) == [Reason.UNKNOWN_SENDER]


def test_a_registered_contact_is_never_flagged():
    decision = _decide("ann@bluepeak.example", contact("ann@bluepeak.example"))
    assert decision.status is Status.APPLIED and allocations(decision) == [(PY1, G1, "10.00")]


def test_a_sales_contacts_request_keeps_its_proposal_and_names_who_confirms():
    admins = (replace(contact("emily@bluepeak.example"), name="Emily Carter"),)
    decision = _decide("sam@bluepeak.example", contact("sam@bluepeak.example", role="sales"), admins=admins)
    assert decision.status is Status.REVIEW and list(decision.reasons) == [Reason.SENDER_NOT_AUTHORIZED]
    assert allocations(decision) == [(PY1, G1, "10.00")]  # proposed, never applied by the bot
    confirm = [e.detail for e in decision.evidence if e.rule == "sender_confirm"]
    assert confirm == ["confirm with Emily Carter (billing_admin), then approve"]


def test_a_sales_contacts_uncertain_request_has_no_proposal():
    view = ledger(contact("sam@bluepeak.example", role="sales"), invoice(G1, "10.00"), payment(PY1, "10.00"))
    decision = decide(request(instruction([line("G000000999")], [PY1])), sender("sam@bluepeak.example"), view,
                      allowed_roles=ROLES)
    assert list(decision.reasons) == [Reason.SENDER_NOT_AUTHORIZED] and not decision.allocations
