"""Golden files: every tests/golden/reading/*.eml is read and compared with the .json beside it.

The .json holds a plain-dict projection of the Request (see `project`), plus `note` (what
the case is about) and `month_first` (the en-US date habit; false when absent). A parser
change that alters what a real-looking message means shows up here as a readable diff.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.model import Amount, Request
from bot.reading.mime import parse_bytes
from bot.reading.read import read_message

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "reading"
CASES = sorted(GOLDEN.glob("*.eml"))
META = ("note", "month_first")


def _amount(amount: Amount | None) -> dict | None:
    if amount is None:
        return None
    return {"value": str(amount.value), "currency": amount.currency, "symbol": amount.symbol}


def project(request: Request) -> dict:
    """The facts deciding relies on, as plain JSON values (spans and text left out)."""
    return {
        "instructions": [
            {
                "payment_ids": list(ins.payment_ids),
                "payment_amount": _amount(ins.payment_amount),
                "paid_on": ins.paid_on.isoformat() if ins.paid_on else None,
                "mentions_payment": ins.mentions_payment,
                "lines": [{"invoice_number": line.invoice_number, "amount": _amount(line.amount)} for line in ins.lines],
            }
            for ins in request.instructions
        ],
        "malformed_invoices": [span.text for span in request.malformed_invoices],
        "malformed_payments": [span.text for span in request.malformed_payments],
        "is_question": request.is_question,
    }


def test_every_message_has_its_expectation() -> None:
    assert len(CASES) >= 30
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == [p.stem for p in CASES]


@pytest.mark.parametrize("eml", CASES, ids=lambda p: p.stem)
def test_golden(eml: Path) -> None:
    expected = json.loads(eml.with_suffix(".json").read_text("utf-8"))
    _, request = read_message(
        parse_bytes(eml.read_bytes()),
        invoice_pattern=r"G\d{9}",
        payment_pattern=r"PY\d{8}",
        month_first=expected.get("month_first", False),
    )
    assert project(request) == {k: v for k, v in expected.items() if k not in META}
