"""The audit log reads as sentences (issue 16): amounts as people write them, reversals with what was
reversed and why, unlocks naming the account, reason codes as words, and every action the code
records worded, so no line is a code or a Python dict."""
from __future__ import annotations

import json

import pytest

from bot.review.audit_sentences import VERBS, sentence

ALLOCATION = {"payment_id": "PY30000001", "invoice_number": "G300000001"}


def said(action: str, detail: dict | None = None, *, actor: str = "allocbot", role: str = "",
         case_ref: str = "", inbound_id: int | None = 3) -> str:
    return sentence(actor=actor, role=role, action=action, case_ref=case_ref, inbound_id=inbound_id,
                    detail=json.dumps(detail or {}))


def test_an_applied_allocation_reads_its_amount_with_thousands_and_currency_not_a_dict():
    money = {"amount": "41849.86", "currency": "EUR"}
    line = said("applied", {"allocations": [{**ALLOCATION, "amount": money}]})
    assert line == "The bot applied message #3: PY30000001 → G300000001 41,849.86 EUR"


def test_a_reversal_names_the_allocation_its_amount_and_the_reason():
    detail = {**ALLOCATION, "amount": "41849.86", "currency": "EUR", "reason": "paid the wrong invoice"}
    line = said("allocation_reversed", detail, actor="ops@billing.example", role="billing_admin")
    assert line == ("ops@billing.example (billing_admin) reversed an allocation of message #3: "
                    "PY30000001 → G300000001 41,849.86 EUR, because “paid the wrong invoice”")


def test_an_unlock_names_the_account_unlocked_and_who_unlocked_it():
    line = said("sign_in_unlocked", {"email": "viewer@billing.example"}, actor="ops@billing.example",
                role="billing_admin", inbound_id=None)
    assert line == "ops@billing.example (billing_admin) unlocked the sign-in of viewer@billing.example"


def test_reason_codes_read_as_words():
    line = said("review", {"reasons": ["unknown_sender", "lookalike_sender"]}, case_ref="ALC-000007")
    assert line == "The bot held for review case ALC-000007: unknown sender, look-alike sender"


def test_an_assignment_says_to_whom_and_a_release_to_nobody():
    to_emily = {"case_ref": "ALC-000002", "assigned_to": {"before": None, "after": "e@x.example"}}
    released = {"case_ref": "ALC-000002", "assigned_to": {"before": "e@x.example", "after": None}}
    assert said("assigned", to_emily, actor="a@x.example", role="billing_admin") == (
        "a@x.example (billing_admin) assigned case ALC-000002 to e@x.example")
    assert said("assigned", released, actor="a@x.example") == "a@x.example assigned case ALC-000002 to nobody"


def test_an_action_nobody_has_worded_yet_still_reads_as_a_sentence():
    assert said("frobnicated_twice") == "The bot frobnicated twice message #3"


@pytest.mark.parametrize("action", sorted(VERBS))
def test_every_recorded_action_reads_without_codes_or_json(action):
    detail = {"reasons": ["unknown_invoice"], "reason": "no such invoice", "email": "v@x.example",
              "to": "ann@bluepeak.example", "recipients": ["ann@bluepeak.example"], "payment_id": "PY1",
              "unallocated": "1200.5",
              "allocations": [{**ALLOCATION, "amount": "1200.50", "currency": "USD"}],
              "invoice_number": "G1", "amount": "5", "currency": "USD", "error": "boom"}
    line = said(action, detail, case_ref="ALC-000001")
    possessives_aside = line.replace("allocbot's", "").replace("partner's", "")
    assert "_" not in line and "{" not in line and "'" not in possessives_aside
    assert line.split()[0] in ("The", "An") and len(line.split()) >= 3
