"""Bank statements into the ledger on real databases (SQLite and PostgreSQL): payments on
the right accounts in exact minor units, nothing twice, nothing guessed, nothing allocated,
a bad file refused whole — through the importer and through `allocbot payments import`."""
from __future__ import annotations

import csv
import os
import subprocess
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from bot.ledger.database import alembic_config, make_engine, migrate
from bot.ledger.importer import LedgerImportError, import_ledger
from bot.ledger.payments_import import PaymentsImportError, PaymentsImportReport, import_payments
from bot.ledger.tables import Allocation, BankAccount, Invoice, Payment
from bot.statements.read import read_statement
from tests.integration.conftest import REPO, account, allocbot_command, invoice, payment, write_ledger

GOLDEN = REPO / "tests" / "golden" / "statements"
CAMT053, CAMT054, MT940 = (GOLDEN / n for n in ("camt053_v02_day.xml", "camt054_v08_intraday.xml", "mt940_two_accounts.sta"))
NORDVIK_IBAN = "SE4550000000058398257466"


def ledger_dir(root: Path, *, payments: list[dict] | None = None, bank_accounts: list[dict] | None = None,
               currencies: dict[str, str] | None = None, extra_accounts: list[dict] | None = None) -> Path:
    """Accounts (in EUR, as the statements' credits) named as the golden statements' payers,
    their invoices, two payments.csv rows
    (one with an id outside the payment-id format) and bank_accounts.csv for Nordvik IT."""
    directory = write_ledger(
        root / "ledger",
        accounts=[{**a, "currency": (currencies or {}).get(a["account_id"], a["currency"])} for a in [
            account("A1", "Bluepeak Cloud Inc.", "en", "EUR"), account("A2", "Nordvik IT AB", "sv-SE", "EUR"),
            account("A3", "Nordvik Åkeri AB", "sv-SE", "EUR"), account("A4", "Kestrel Networks plc", "en-GB", "EUR"),
            account("A5", "Thames Digital Ltd", "en-GB", "EUR"), account("A6", "Harbor Lane Systems LLC", "en", "EUR"),
            *(extra_accounts or ())]],
        invoices=[invoice("G000000001", "1000.00"), invoice("G000000002", "250.00"),
                  invoice("G000000003", "400.00", account_id="A4", currency="EUR"),
                  invoice("G000000004", "500.00", account_id="A5", currency="EUR"),
                  *(invoice(f"G00000000{n}", "160.00", account_id="A6", currency="EUR") for n in (5, 6, 7))],
        payments=payments if payments is not None else [
            payment("PY00000041", "100.00", received_date="2026-09-01"), payment("PY9", "5.00", received_date="2026-09-02")],
    )
    with (directory / "bank_accounts.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ("account_id", "iban"))
        writer.writeheader()
        writer.writerows(bank_accounts if bank_accounts is not None else [{"account_id": "A2", "iban": "SE45 5000 0000 0583 9825 7466"}])
    return directory


@pytest.fixture
def ledger(engine: Engine, tmp_path: Path) -> Engine:
    with Session(engine) as session:
        import_ledger(session, ledger_dir(tmp_path))
        session.commit()
    return engine


def run_import(engine: Engine, path: Path | bytes, *, payment_pattern: str = r"PY\d{8}") -> PaymentsImportReport:
    data = path if isinstance(path, bytes) else path.read_bytes()
    with Session(engine) as session:
        report = import_payments(session, statement=read_statement(data), invoice_pattern=r"G\d{9}",
                                 payment_pattern=payment_pattern)
        session.commit()
    return report


def imported_rows(engine: Engine) -> list[tuple]:
    with Session(engine) as session:
        rows = session.exec(select(Payment).where(Payment.bank_ref.is_not(None)).order_by(Payment.payment_id)).all()
        return [(p.payment_id, p.account_id, p.received_date, p.currency, p.amount_minor, p.unallocated_minor,
                 p.reference, p.payer_name) for p in rows]


def open_amounts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {i.invoice_number: i.open_minor for i in session.exec(select(Invoice))}


def count(engine: Engine, table) -> int:
    with Session(engine) as session:
        return len(session.exec(select(table)).all())


# --------------------------------------------------------------------------- the importer

def test_a_statement_s_credits_become_unallocated_payments_on_their_accounts(ledger):
    open_before = open_amounts(ledger)

    report = run_import(ledger, CAMT053)

    assert imported_rows(ledger) == [
        ("PY00000042", "A1", date(2026, 10, 15), "EUR", 125000, 125000, "Invoices G000000001 and G 000 000 002, thank you",
         "Bluepeak Cloud Inc."),
        ("PY00000043", "A2", date(2026, 10, 15), "EUR", 30000, 30000, "RF18 5390 0754 7034", "NORDVIK IT AB"),
        ("PY00000044", "A4", date(2026, 10, 15), "EUR", 40000, 40000, "G000000003", "Kestrel Networks plc"),
        ("PY00000045", "A5", date(2026, 10, 15), "EUR", 50000, 50000, "RF49G000000004", "Thames Digital Ltd"),
    ]
    assert [(i.payment_id, i.how) for i in report.imported] == [
        ("PY00000042", "the remittance names its invoice G000000001, G000000002"),
        ("PY00000043", f"payer IBAN {NORDVIK_IBAN} is in bank_accounts.csv"),
        ("PY00000044", "the remittance names its invoice G000000003"),
        ("PY00000045", "the remittance names its invoice G000000004"),
    ]
    [unknown] = report.unassigned
    assert (unknown.credit.line, unknown.credit.amount, unknown.credit.reference) == (135, Decimal("75.00"), "Payment for services")
    assert "DE89370400440532013000 is not in bank_accounts.csv" in unknown.why
    assert (report.known, report.held, dict(report.skipped)) == (0, (), {"debit": 1, "reversal": 1, "pending": 1})
    # nothing allocated: the invoices are as open as before, the payments wholly unallocated
    assert count(ledger, Allocation) == 0
    assert open_amounts(ledger) == open_before
    assert count(ledger, Payment) == 2 + 4


def test_importing_the_same_statement_again_creates_nothing_and_renumbers_nothing(ledger):
    run_import(ledger, CAMT053)
    before = imported_rows(ledger)

    again = run_import(ledger, CAMT053)

    assert (again.imported, again.known, len(again.unassigned)) == ((), 4, 1)
    assert imported_rows(ledger) == before
    assert count(ledger, Payment) == 6


def test_a_notification_then_the_statement_that_books_it_adds_the_shared_credit_once(ledger):
    first = run_import(ledger, CAMT054)
    assert [(i.payment_id, i.account_id, i.credit.amount) for i in first.imported] == [
        ("PY00000042", "A1", Decimal("1250.00")), ("PY00000043", "A6", Decimal("480.00")), ("PY00000044", "A3", Decimal("210.50"))]
    assert [(u.credit.currency, u.credit.amount) for u in first.unassigned] == [("JPY", Decimal("15000"))]  # no account SAKURA KK

    second = run_import(ledger, CAMT053)

    assert second.known == 1 and [i.payment_id for i in second.imported] == ["PY00000045", "PY00000046", "PY00000047"]
    with Session(ledger) as session:
        shared = session.exec(select(Payment).where(Payment.bank_ref == "DE44500105175407324931|2026101500001")).all()
    assert [(p.payment_id, p.amount_minor) for p in shared] == [("PY00000042", 125000)]


def test_an_mt940_file_keeps_identical_reference_less_credits_apart_but_never_doubles_them(ledger):
    report = run_import(ledger, MT940)

    assert [(i.account_id, str(i.credit.amount), i.credit.line) for i in report.imported] == [
        ("A1", "1250.00", 6), ("A4", "640.00", 18), ("A6", "1500.00", 21), ("A2", "300.00", 32), ("A5", "120.00", 37),
        ("A5", "120.00", 40)]
    assert [(u.credit.line, u.credit.reference) for u in report.unassigned] == [(16, "PAYMENT FOR SERVICES UNKNOWN TRADING GMBH")]
    assert dict(report.skipped) == {"debit": 1, "reversal": 1, "pending": 0}
    assert [(r.line, str(r.amount)) for r in report.reversals] == [(14, "50.00")]
    again = run_import(ledger, MT940)
    assert (again.imported, again.known) == ((), 6)
    assert count(ledger, Payment) == 2 + 6


def test_amounts_are_exact_minor_units_in_the_credit_s_currency(engine, tmp_path):
    with Session(engine) as session:  # a yen account named as the JPY credit's payer
        import_ledger(session, ledger_dir(tmp_path, extra_accounts=[account("A7", "Sakura KK", "ja", "JPY")], payments=[]))
        session.commit()
    report = run_import(engine, CAMT054)
    with Session(engine) as session:
        yen = session.exec(select(Payment).where(Payment.currency == "JPY")).one()
    assert (yen.account_id, yen.amount_minor, yen.unallocated_minor) == ("A7", 15000, 15000)  # JPY has no minor unit
    assert "the payer's name is the account's name" in {i.how for i in report.imported}


def test_a_credit_in_another_currency_than_its_account_s_is_held_and_listed_not_imported(ledger):
    data = CAMT054.read_bytes().replace(b"SAKURA KK", b"Nordvik IT AB")  # the JPY credit finds EUR account A2 by name
    report = run_import(ledger, data)

    assert [(h.credit.currency, h.why) for h in report.off_currency] == [
        ("JPY", "account A2 (the payer's name is the account's name) is in EUR, the credit in JPY")]
    with Session(ledger) as session:
        assert session.exec(select(Payment).where(Payment.currency == "JPY")).all() == []
    assert all(i.credit.currency == "EUR" for i in report.imported) and report.imported
    assert run_import(ledger, data).off_currency == report.off_currency  # still held the next time, never put on A2


def test_an_amount_the_ledger_cannot_hold_exactly_refuses_the_file_with_nothing_written(ledger):
    data = CAMT054.read_bytes().replace(b'Ccy="JPY">15000<', b'Ccy="JPY">15000.50<')
    with Session(ledger) as session, pytest.raises(PaymentsImportError) as refused:
        import_payments(session, statement=read_statement(data), invoice_pattern=r"G\d{9}", payment_pattern=r"PY\d{8}")
    assert "line 61: amount '15000.50' has more decimals than JPY has" in str(refused.value)
    assert count(ledger, Payment) == 2


def test_a_credit_that_looks_like_a_payment_from_the_billing_export_is_held(engine, tmp_path):
    exported = payment("PY00000041", "1250.00", account_id="A1", currency="EUR", received_date="2026-10-15")
    with Session(engine) as session:
        import_ledger(session, ledger_dir(tmp_path, payments=[exported]))
        session.commit()

    report = run_import(engine, CAMT053)

    [held] = report.held
    assert held.credit.line == 24 and "payment PY00000041 (payments.csv)" in held.why
    assert [(i.payment_id, i.credit.line) for i in report.imported] == [
        ("PY00000042", 53), ("PY00000043", 111), ("PY00000044", 120)]


def test_new_payment_ids_follow_the_configured_format(ledger):
    report = run_import(ledger, CAMT053, payment_pattern=r"BP\d{6}")
    assert [i.payment_id for i in report.imported] == ["BP000001", "BP000002", "BP000003", "BP000004"]


def test_when_the_id_format_is_used_up_nothing_is_written(ledger):
    with pytest.raises(PaymentsImportError, match=r"no free payment id left after PY9 for 4 new payments"):
        run_import(ledger, CAMT053, payment_pattern=r"PY\d")  # PY9 from payments.csv is the last one
    assert count(ledger, Payment) == 2


def test_the_database_itself_refuses_a_bank_key_twice_but_not_two_payments_without_one(ledger):
    row = {"account_id": "A1", "received_date": date(2026, 10, 1), "currency": "EUR", "amount_minor": 100,
           "unallocated_minor": 100, "bank_ref": "X|1"}
    with Session(ledger) as session:
        session.exec(insert(Payment), params=[{**row, "payment_id": "PY00000100"}])
        session.commit()
        with pytest.raises(IntegrityError):
            session.exec(insert(Payment), params=[{**row, "payment_id": "PY00000101"}])
            session.flush()
        session.rollback()
        assert len(session.exec(select(Payment).where(Payment.bank_ref.is_(None))).all()) == 2


def test_two_imports_at_once_on_postgresql_add_each_credit_once(postgres_database_url, tmp_path, engines):
    engine = make_engine(postgres_database_url)
    engines.append(engine)
    with Session(engine) as session:
        import_ledger(session, ledger_dir(tmp_path))
        session.commit()
    results: list[PaymentsImportReport] = []
    second = threading.Thread(target=lambda: results.append(run_import(engine, CAMT054)))
    with Session(engine) as first:
        import_payments(first, statement=read_statement(CAMT053.read_bytes()), invoice_pattern=r"G\d{9}",
                        payment_pattern=r"PY\d{8}")
        second.start()
        second.join(timeout=1.0)
        assert second.is_alive()  # waiting for the first import's lock, not numbering alongside it
        first.commit()
    second.join(timeout=30)
    [report] = results
    assert report.known == 1 and [i.payment_id for i in report.imported] == ["PY00000046", "PY00000047"]
    assert count(engine, Payment) == 2 + 4 + 2


# --------------------------------------------------------------------------- bank_accounts.csv

def test_bank_accounts_csv_is_imported_with_the_ledger_and_refused_when_wrong(engine, tmp_path):
    directory = ledger_dir(tmp_path)
    with Session(engine) as session:
        assert import_ledger(session, directory).counts["bank_accounts"] == (1, 0)
        session.commit()
        assert import_ledger(session, directory).counts["bank_accounts"] == (0, 1)
        session.commit()
        assert [(b.account_id, b.iban) for b in session.exec(select(BankAccount))] == [("A2", NORDVIK_IBAN)]
    bad = ledger_dir(tmp_path / "bad", bank_accounts=[{"account_id": "A2", "iban": "SE45 5000 0000 0583 9825 7467"},
                                                      {"account_id": "NOPE", "iban": NORDVIK_IBAN}])
    with Session(engine) as session, pytest.raises(LedgerImportError) as refused:
        import_ledger(session, bad)
    assert refused.value.problems == (
        "bank_accounts.csv line 2, column iban: 'SE45 5000 0000 0583 9825 7467' is not a valid IBAN",
        "bank_accounts.csv line 3, column account_id: 'NOPE' is not a known account")


def test_one_iban_for_several_accounts_lets_the_remittance_choose(engine, tmp_path):
    shared = [{"account_id": "A1", "iban": "GB29NWBK60161331926819"}, {"account_id": "A4", "iban": "GB29NWBK60161331926819"}]
    with Session(engine) as session:
        import_ledger(session, ledger_dir(tmp_path, bank_accounts=shared))
        session.commit()
    report = run_import(engine, CAMT053)
    assert report.imported[0].account_id == "A1"
    assert report.imported[0].how.startswith("payer IBAN GB29NWBK60161331926819 is shared by A1, A4; the remittance")


# --------------------------------------------------------------------------- schema

def test_the_migrations_match_the_models_and_0006_goes_down_and_up(engine):
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata) == []
    try:
        command.downgrade(alembic_config(engine), "0005")
        with engine.connect() as conn:
            assert "bank_ref" not in {c["name"] for c in conn.dialect.get_columns(conn, "payment")}
    finally:
        migrate(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata) == []


# --------------------------------------------------------------------------- the command

def allocbot(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not (k.startswith("ALLOCBOT_") or k == "DATABASE_URL")}
    return subprocess.run(allocbot_command() + list(args), cwd=REPO, env={**env, "DATABASE_URL": database_url},
                          capture_output=True, text=True, timeout=120)


def test_the_command_imports_prints_a_summary_and_exits_0(database_url, tmp_path, engines):
    assert allocbot(database_url, "ledger", "import", str(ledger_dir(tmp_path))).returncode == 0

    first = allocbot(database_url, "payments", "import", str(CAMT053))
    again = allocbot(database_url, "payments", "import", str(CAMT053), "--format", "camt053")

    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[:3] == ["camt.053 of DE44500105175407324931: 5 credits read; skipped: debits 1, reversals 1, pending 1",
                         "imported: 4 unallocated payments",
                         "  BK00000001  A1  1250.00 EUR  2026-10-15  (the remittance names its invoice G000000001, G000000002)"]
    assert "already known: 0" in lines and "reversal to check: line 92  50.00 EUR  'RETURN AC04 ACCOUNT CLOSED'" in lines
    assert any(line.startswith("unassigned, not imported: 1 (add the payer's IBAN to bank_accounts.csv") for line in lines)
    assert any(line.startswith("  line 135  75.00 EUR  'Payment for services'  payer Unknown Trading GmbH DE89370400440532013000: payer IBAN") for line in lines)
    assert again.returncode == 0 and "imported: 0 unallocated payments" in again.stdout and "already known: 4" in again.stdout
    engine = make_engine(database_url)
    engines.append(engine)
    assert count(engine, Payment) == 6


def test_the_command_lists_credits_held_for_their_currency_and_says_how_many(database_url, tmp_path, engines):
    directory = ledger_dir(tmp_path, currencies={"A1": "USD", "A2": "SEK", "A4": "GBP", "A5": "GBP"}, payments=[])
    assert allocbot(database_url, "ledger", "import", str(directory)).returncode == 0

    proc = allocbot(database_url, "payments", "import", str(CAMT053))

    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "imported: 0 unallocated payments" in lines
    assert any(line.startswith("held, currency differs from the account's: 4 (not imported") for line in lines), lines
    assert any("1250.00 EUR" in line and "account A1 (the remittance names its invoice G000000001, G000000002) "
               "is in USD, the credit in EUR" in line for line in lines), lines
    assert any("300.00 EUR" in line and "is in SEK, the credit in EUR" in line for line in lines), lines
    engine = make_engine(database_url)
    engines.append(engine)
    with Session(engine) as session:
        assert session.exec(select(Payment).where(Payment.bank_ref.is_not(None))).all() == []


@pytest.mark.parametrize("args, code, message", [
    (["--format", "camt054"], 3, "--format camt054: the file is camt.053, not camt.054"),
    (["--format", "csv"], 2, "--format must be one of: camt053, camt054, mt940"),
])
def test_the_command_refuses_a_wrong_format(tmp_path, args, code, message):
    proc = allocbot(f"sqlite:///{tmp_path / 'a.db'}", "payments", "import", str(CAMT053), *args)
    assert (proc.returncode, message in " ".join(proc.stderr.split())) == (code, True)


def test_the_command_refuses_a_malformed_or_missing_file_whole_with_exit_3(database_url, tmp_path, engines):
    allocbot(database_url, "ledger", "import", str(ledger_dir(tmp_path)))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(CAMT053.read_bytes().replace(b'<Amt Ccy="EUR">75.00</Amt>', b'<Amt Ccy="EUR">75,00</Amt>'))

    proc = allocbot(database_url, "payments", "import", str(bad))
    missing = allocbot(database_url, "payments", "import", str(tmp_path / "nowhere.xml"))

    assert proc.returncode == 3 and proc.stdout == ""
    message = " ".join(proc.stderr.split())
    assert "statement refused, nothing imported" in message and "line 136: Amt '75,00' is not an amount" in message
    assert missing.returncode == 3 and "No such file or directory" in missing.stderr
    engine = make_engine(database_url)
    engines.append(engine)
    assert count(engine, Payment) == 2  # the good credits of the bad file were not imported either


# --------------------------------------------------------------------------- a batch read two ways

def batch_statement(kind: str, *, split: bool) -> bytes:
    """A batch of two transfers from Harbor Lane (A6) booked as one entry: camt.054 without
    per-transaction amounts, or camt.053 with them."""
    root, block = ("BkToCstmrDbtCdtNtfctn", "Ntfctn") if kind == "camt054" else ("BkToCstmrStmt", "Stmt")
    version = "camt.054.001.08" if kind == "camt054" else "camt.053.001.02"
    amount_of = (lambda amount: f'<Amt Ccy="EUR">{amount}</Amt>') if split else (lambda amount: "")
    txs = "".join(
        f"<TxDtls><Refs><TxId>TX-{n}</TxId></Refs>{amount_of(amount)}"
        f"<RltdPties><Dbtr><Nm>Harbor Lane Systems LLC</Nm></Dbtr></RltdPties>"
        f"<RmtInf><Ustrd>Invoice G00000000{n + 4}</Ustrd></RmtInf></TxDtls>"
        for n, amount in ((1, "160.00"), (2, "160.00")))
    return (f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:{version}">'
            f"<{root}><GrpHdr><MsgId>M-1</MsgId><CreDtTm>2026-10-15T22:00:00</CreDtTm></GrpHdr><{block}><Id>S-1</Id>"
            "<Acct><Id><IBAN>DE44500105175407324931</IBAN></Id></Acct>"
            '<Ntry><Amt Ccy="EUR">320.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
            "<BookgDt><Dt>2026-10-15</Dt></BookgDt><AcctSvcrRef>BATCH-0420</AcctSvcrRef>"
            f"<NtryDtls>{txs}</NtryDtls></Ntry></{block}></{root}></Document>").encode()


@pytest.mark.parametrize("order", [("camt054", "camt053"), ("camt053", "camt054")])
def test_a_batch_one_file_splits_and_the_other_cannot_is_imported_once(engine, tmp_path, order):
    with Session(engine) as session:
        import_ledger(session, ledger_dir(tmp_path))
        session.commit()

    first = run_import(engine, batch_statement(order[0], split=order[0] == "camt053"))
    second = run_import(engine, batch_statement(order[1], split=order[1] == "camt053"))

    assert len(first.imported) == (2 if order[0] == "camt053" else 1) and first.known == 0
    assert second.imported == () and second.known == (1 if order[1] == "camt054" else 2)
    assert sum(row[4] for row in imported_rows(engine)) == 320_00  # the money once
