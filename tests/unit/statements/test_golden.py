"""Golden files: every statement in tests/golden/statements/ is read and compared with the
.json beside it (see that folder's README.md), so a parser change that alters what a real
statement means shows up as a readable diff."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.statements.model import Statement
from bot.statements.read import read_statement
from bot.statements.remittance import remittance_hints

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "statements"
CASES = sorted(p for p in GOLDEN.iterdir() if p.suffix in (".xml", ".sta"))


def project(statement: Statement) -> dict:
    """The statement as plain JSON values, hints included, `note` left to the file."""
    def hints(text: str) -> dict:
        found = remittance_hints(text, invoice_pattern=r"G\d{9}")
        return {"invoice_numbers": list(found.invoice_numbers), "creditor_refs": list(found.creditor_refs)}

    return {
        "format": statement.format,
        "accounts": list(statement.accounts),
        "credits": [{"line": c.line, "bank_ref": c.bank_ref, "received_date": c.received_date.isoformat(),
                     "currency": c.currency, "amount": str(c.amount), "reference": c.reference,
                     "payer_name": c.payer_name, "payer_iban": c.payer_iban, **hints(c.reference)}
                    for c in statement.credits],
        "skipped": [{"line": s.line, "why": s.why.value, "currency": s.currency, "amount": str(s.amount),
                     "reference": s.reference} for s in statement.skipped],
    }


def test_every_statement_has_its_expectation() -> None:
    assert {"camt053_v02_day", "camt054_v08_intraday", "mt940_two_accounts"} <= {p.stem for p in CASES}
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == [p.stem for p in CASES]


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_golden(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text("utf-8"))
    expected.pop("note")
    assert project(read_statement(path.read_bytes())) == expected


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_the_forced_format_reads_the_same(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text("utf-8"))
    assert read_statement(path.read_bytes(), format=expected["format"]) == read_statement(path.read_bytes())
