"""Golden files: every tests/golden/reading/*.eml is read and compared with the .json beside it.

The .json holds a plain-dict projection of the Request (see `project`), plus `note` (what
the case is about) and `month_first` (the en-US date habit; false when absent), and of the
Mail the facts that hold a message back or explain it when there are any: `unreadable`
(attachments not read) and `forwarded_from` (whose forwarded text was read). A parser change
that alters what a real-looking message means shows up here as a readable diff.

The messages with binary attachments are made by tests/unit/reading/remittance_files.py.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.model import Amount, Request
from bot.reading.mime import Mail
from bot.reading.parsing import parse_bytes
from bot.reading.read import read_message
from tests.unit.reading.remittance_files import GOLDEN as MADE

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "reading"
CASES = sorted(GOLDEN.glob("*.eml"))
META = ("note", "month_first")


def _amount(amount: Amount | None) -> dict | None:
    if amount is None:
        return None
    return {"value": str(amount.value), "currency": amount.currency, "symbol": amount.symbol}


def project(request: Request) -> dict:
    """The facts deciding relies on, as plain JSON values (spans and text left out); `hedges`, the
    words that hold a request (stance.py), only when there are any."""
    held = {"hedges": [span.text for span in request.hedges]} if request.hedges else {}
    return held | {
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


def mail_facts(mail: Mail) -> dict:
    """The Mail's facts that hold a message back or say whose text was read, when it has any."""
    facts: dict = {}
    if mail.unreadable:
        facts["unreadable"] = list(mail.unreadable)
    if mail.forwarded_from:
        facts["forwarded_from"] = mail.forwarded_from
    return facts


def test_every_message_has_its_expectation() -> None:
    assert len(CASES) >= 30
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == [p.stem for p in CASES]


@pytest.mark.parametrize("eml", CASES, ids=lambda p: p.stem)
def test_golden(eml: Path) -> None:
    expected = json.loads(eml.with_suffix(".json").read_text("utf-8"))
    mail, request = read_message(
        parse_bytes(eml.read_bytes()),
        invoice_pattern=r"G\d{9}",
        payment_pattern=r"PY\d{8}",
        month_first=expected.get("month_first", False),
    )
    assert project(request) | mail_facts(mail) == {k: v for k, v in expected.items() if k not in META}


def _facts(raw: bytes) -> dict:
    mail, request = read_message(parse_bytes(raw), invoice_pattern=r"G\d{9}", payment_pattern=r"PY\d{8}")
    return project(request) | mail_facts(mail)


@pytest.mark.parametrize("name", sorted(MADE))
def test_golden_files_are_made_here(name: str) -> None:
    """The golden messages with binary attachments are made by remittance_files.py, the same
    bytes each time; made again, each reads as the committed file does (byte for byte it is
    the same too, with the openpyxl and reportlab versions that made it)."""
    made = MADE[name]()
    assert made == MADE[name]()
    assert _facts(made) == _facts((GOLDEN / f"{name}.eml").read_bytes())
