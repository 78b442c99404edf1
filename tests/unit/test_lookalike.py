"""Look-alike sender domains: flagged when a reader would take them for an account's domain,
never for the account's own domain, its subdomains or domains that merely share a letter."""
from __future__ import annotations

import pytest

from bot.deciding.lookalike import find_lookalike, lookalike_evidence, resemblance
from bot.model import Reason

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
