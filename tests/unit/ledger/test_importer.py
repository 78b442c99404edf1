"""The ledger import: counts, idempotence, refusal of a bad export as a whole, and scale."""
from __future__ import annotations

import copy
import csv
import os
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlmodel import Session, select

from bot.ledger import importer
from bot.ledger.database import make_engine, migrate
from bot.ledger.importer import ImportReport, LedgerImportError, import_ledger
from bot.ledger.tables import Account, Contact, Invoice, Payment

SAMPLE = Path(__file__).parents[3].parent / "shared" / "corpus" / "sample" / "ledger"
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI") == "true"

BASE = {
    "accounts": [
        {"account_id": "A1", "name": "Bluepeak Cloud Inc.", "locale": "en-US", "currency": "USD"},
        {"account_id": "A2", "name": "Nordvik AB", "locale": "sv-SE", "currency": "SEK"},
        {"account_id": "A3", "name": "Sakura KK", "locale": "ja-JP", "currency": "JPY"},
    ],
    "contacts": [
        {"account_id": "A1", "email": "  Bob@Bluepeak.example ", "name": "Bob", "role": "billing_admin"},
        {"account_id": "A2", "email": "ann@nordvik.example", "name": "Ann", "role": "account_admin"},
        {"account_id": "A2", "email": "bob@bluepeak.example", "name": "Bob", "role": "sales"},
    ],
    "invoices": [
        {"invoice_number": "G000000001", "account_id": "A1", "issue_date": "2026-08-25",
         "due_date": "2026-09-24", "currency": "USD", "amount": "100.00", "open_amount": "40"},
        {"invoice_number": "G000000002", "account_id": "A2", "issue_date": "2026-08-21",
         "due_date": "2026-09-20", "currency": "SEK", "amount": "250.5", "open_amount": "250.50"},
        {"invoice_number": "G000000003", "account_id": "A3", "issue_date": "2026-09-01",
         "due_date": "2026-10-01", "currency": "JPY", "amount": "1200", "open_amount": "1200.00"},
    ],
    "payments": [
        {"payment_id": "PY00000001", "account_id": "A1", "received_date": "2026-11-03", "currency": "USD",
         "amount": "60.00", "unallocated_amount": "0.00", "reference": "INV G000000001",
         "payer_name": "Bluepeak Cloud Inc."},
        {"payment_id": "PY00000002", "account_id": "A3", "received_date": "2026-11-04", "currency": "JPY",
         "amount": "5000", "unallocated_amount": "5000", "reference": "", "payer_name": "Sakura KK"},
    ],
}


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None,
              encoding: str = "utf-8") -> Path:
    """A CSV from a list of dicts; `columns` sets the header (order, extra or missing ones)."""
    columns = columns or list(rows[0])
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.DictWriter(f, columns, extrasaction="ignore", restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_ledger(directory: Path, ledger: dict[str, list[dict[str, str]]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for stem, rows in ledger.items():
        write_csv(directory / f"{stem}.csv", rows)
    return directory


def snapshot(session: Session) -> dict[str, list[tuple]]:
    """Every ledger row as plain tuples, in key order, to compare database states."""
    out = {}
    for table, order in ((Account, Account.account_id), (Contact, Contact.id),
                         (Invoice, Invoice.invoice_number), (Payment, Payment.payment_id)):
        rows = session.exec(select(table).order_by(order)).all()
        out[table.__tablename__] = [tuple(r.model_dump().values()) for r in rows]
    return out


@pytest.fixture
def engine(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'db' / 'allocbot.sqlite'}")
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def ledger():
    return copy.deepcopy(BASE)


def run_import(engine, directory: Path) -> ImportReport:
    """Import in a transaction of our own and commit, as the CLI does."""
    with Session(engine) as session:
        report = import_ledger(session, directory)
        session.commit()
    return report


def test_good_import_counts_and_values(engine, tmp_path, ledger):
    report = run_import(engine, write_ledger(tmp_path / "in", ledger))

    assert report.counts == {"accounts": (3, 0), "contacts": (3, 0), "invoices": (3, 0), "payments": (2, 0)}
    with Session(engine) as s:
        inv = s.get(Invoice, "G000000001")
        assert (inv.amount_minor, inv.open_minor, inv.currency) == (10000, 4000, "USD")
        assert inv.issue_date == date(2026, 8, 25)
        assert s.get(Invoice, "G000000002").amount_minor == 25050
        assert s.get(Invoice, "G000000003").amount_minor == 1200  # JPY has no minor unit
        assert s.get(Payment, "PY00000002").unallocated_minor == 5000
        emails = s.exec(select(Contact.account_id, Contact.email).order_by(Contact.account_id, Contact.email)).all()
        assert [tuple(e) for e in emails] == [("A1", "bob@bluepeak.example"), ("A2", "ann@nordvik.example"),
                                              ("A2", "bob@bluepeak.example")]
        assert s.get(Account, "A2").locale == "sv-SE"


def test_reimport_is_idempotent(engine, tmp_path, ledger):
    directory = write_ledger(tmp_path / "in", ledger)
    run_import(engine, directory)
    with Session(engine) as s:
        before = snapshot(s)

    report = run_import(engine, directory)

    assert report.counts == {"accounts": (0, 3), "contacts": (0, 3), "invoices": (0, 3), "payments": (0, 2)}
    with Session(engine) as s:
        assert snapshot(s) == before


def test_reimport_overwrites_changed_fields_and_adds_new_rows(engine, tmp_path, ledger):
    run_import(engine, write_ledger(tmp_path / "one", ledger))
    ledger["invoices"][0].update(amount="120.00", open_amount="120.00")
    ledger["payments"][0]["unallocated_amount"] = "60"
    ledger["contacts"][0]["role"] = "account_admin"
    ledger["invoices"].append({**ledger["invoices"][1], "invoice_number": "G000000004"})

    report = run_import(engine, write_ledger(tmp_path / "two", ledger))

    assert report.counts["invoices"] == (1, 3)
    assert report.counts["contacts"] == (0, 3)
    with Session(engine) as s:
        inv = s.get(Invoice, "G000000001")
        assert (inv.amount_minor, inv.open_minor) == (12000, 12000)
        assert s.get(Payment, "PY00000001").unallocated_minor == 6000
        contact = s.exec(select(Contact).where(Contact.account_id == "A1")).one()
        assert contact.role == "account_admin"
        assert len(s.exec(select(Contact)).all()) == 3


def test_absent_files_are_skipped_and_accounts_may_come_from_the_database(engine, tmp_path, ledger):
    run_import(engine, write_ledger(tmp_path / "accounts_only", {"accounts": ledger["accounts"]}))

    report = run_import(engine, write_ledger(tmp_path / "invoices_only", {"invoices": ledger["invoices"]}))

    assert report.counts == {"invoices": (3, 0)}


def test_extra_columns_and_any_column_order(engine, tmp_path, ledger):
    directory = write_ledger(tmp_path / "in", {"accounts": ledger["accounts"]})
    columns = ["payer_name", "comment", "unallocated_amount", "amount", "currency", "received_date",
               "reference", "account_id", "payment_id"]
    write_csv(directory / "payments.csv", [{**p, "comment": "x,y"} for p in ledger["payments"]], columns)

    report = run_import(engine, directory)

    assert report.counts["payments"] == (2, 0)
    with Session(engine) as s:
        assert s.get(Payment, "PY00000001").reference == "INV G000000001"


def test_utf8_bom_is_accepted(engine, tmp_path, ledger):
    directory = tmp_path / "in"
    directory.mkdir()
    ledger["accounts"][1]["name"] = "Nordvik Åkeri AB"
    write_csv(directory / "accounts.csv", ledger["accounts"], encoding="utf-8-sig")
    assert (directory / "accounts.csv").read_bytes().startswith(b"\xef\xbb\xbfaccount_id,")

    assert run_import(engine, directory).counts == {"accounts": (3, 0)}
    with Session(engine) as s:
        assert s.get(Account, "A2").name == "Nordvik Åkeri AB"


def test_import_never_commits(engine, tmp_path, ledger):
    directory = write_ledger(tmp_path / "in", ledger)
    with Session(engine) as session:
        import_ledger(session, directory)
        session.rollback()
    with Session(engine) as s:
        assert snapshot(s) == {"account": [], "contact": [], "invoice": [], "payment": []}


def _set(stem, index, **fields):
    def change(ledger):
        ledger[stem][index].update(fields)
    return change


def _duplicate_invoice(ledger):
    ledger["invoices"].append(dict(ledger["invoices"][0]))


ERRORS = {  # kind: (change to the base ledger, the start of the expected message)
    "bad decimal": (_set("invoices", 1, amount="12,5x"),
                    "invoices.csv line 3, column amount: '12,5x' is not a decimal number"),
    "too many decimals": (_set("payments", 0, amount="60.005", unallocated_amount="0"),
                          "payments.csv line 2, column amount: '60.005' has more decimals than USD has"),
    "decimals on JPY": (_set("invoices", 2, amount="1200.5", open_amount="0"),
                        "invoices.csv line 4, column amount: '1200.5' has more decimals than JPY has"),
    "unknown currency": (_set("invoices", 0, currency="XYZ"),
                         "invoices.csv line 2, column currency: 'XYZ' is not an ISO 4217 currency code"),
    "lower-case currency": (_set("accounts", 0, currency="usd"),
                            "accounts.csv line 2, column currency: 'usd' is not an ISO 4217"),
    "unknown account": (_set("payments", 1, account_id="A9"),
                        "payments.csv line 3, column account_id: 'A9' is not a known account"),
    "bad date": (_set("invoices", 0, due_date="2026-02-30"),
                 "invoices.csv line 2, column due_date: '2026-02-30' is not a date"),
    "non-ISO date": (_set("payments", 0, received_date="03/11/2026"),
                     "payments.csv line 2, column received_date: '03/11/2026' is not a date"),
    "open above amount": (_set("invoices", 0, open_amount="100.01"),
                          "invoices.csv line 2, column open_amount: '100.01' is more than amount '100.00'"),
    "amount too large": (_set("invoices", 0, amount="1" + "0" * 19, open_amount="0"),
                         "invoices.csv line 2, column amount: '10000000000000000000' is too large"),
    "negative unallocated": (_set("payments", 1, unallocated_amount="-1"),
                             "payments.csv line 3, column unallocated_amount: '-1' is negative"),
    "duplicate key": (_duplicate_invoice,
                      "invoices.csv line 5, column invoice_number: 'G000000001' repeats line 2"),
    "duplicate contact, other case": (_set("contacts", 2, account_id="A1", email="BOB@bluepeak.example"),
                                      "contacts.csv line 4, column email: 'A1, bob@bluepeak.example' repeats line 2"),
    "bad locale": (_set("accounts", 2, locale="xx-YY"), "accounts.csv line 4, column locale: 'xx-YY' is not a known"),
    "invented region": (_set("accounts", 0, locale="en-ZZ"), "accounts.csv line 2, column locale: 'en-ZZ'"),
    "bad email": (_set("contacts", 1, email="ann at nordvik"), "contacts.csv line 3, column email:"),
    "empty key": (_set("invoices", 0, invoice_number=" "), "invoices.csv line 2, column invoice_number: is empty"),
    "too long": (_set("payments", 0, payment_id="P" * 65), "payments.csv line 2, column payment_id: is longer"),
}


@pytest.mark.parametrize("kind", ERRORS)
def test_a_bad_row_refuses_the_whole_export(engine, tmp_path, ledger, kind):
    change, expected = ERRORS[kind]
    run_import(engine, write_ledger(tmp_path / "before", {"accounts": ledger["accounts"][:1]}))
    with Session(engine) as s:
        before = snapshot(s)
    ledger["accounts"][0]["name"] = "Renamed, which must not be written"
    change(ledger)

    with Session(engine) as session:
        with pytest.raises(LedgerImportError) as err:
            import_ledger(session, write_ledger(tmp_path / "bad", ledger))
        session.commit()  # nothing may be pending: validation runs before any write

    assert str(err.value).startswith(expected), str(err.value)
    with Session(engine) as s:
        assert snapshot(s) == before


def test_missing_column_names_the_column_on_line_1(engine, tmp_path, ledger):
    directory = write_ledger(tmp_path / "in", ledger)
    columns = [c for c in ledger["invoices"][0] if c not in ("due_date", "open_amount")]
    write_csv(directory / "invoices.csv", ledger["invoices"], columns)

    with Session(engine) as session, pytest.raises(LedgerImportError) as err:
        import_ledger(session, directory)

    assert str(err.value) == ("invoices.csv line 1, column due_date: missing from the header "
                              "(missing: due_date, open_amount)")
    with Session(engine) as s:
        assert snapshot(s)["account"] == []


def test_problems_from_several_files_are_all_listed(engine, tmp_path, ledger):
    ledger["accounts"][0]["locale"] = "xx"
    ledger["payments"][1]["amount"] = "5000.0.0"
    with Session(engine) as session, pytest.raises(LedgerImportError) as err:
        import_ledger(session, write_ledger(tmp_path / "in", ledger))
    assert [p.split(":")[0] for p in err.value.problems] == [
        "accounts.csv line 2, column locale", "payments.csv line 3, column amount"]


def test_many_problems_are_capped(engine, tmp_path, ledger, monkeypatch):
    monkeypatch.setattr(importer, "MAX_PROBLEMS", 3)
    ledger["invoices"] = [{**ledger["invoices"][0], "invoice_number": f"G{n:09d}", "amount": "x"}
                          for n in range(10)]
    with Session(engine) as session, pytest.raises(LedgerImportError) as err:
        import_ledger(session, write_ledger(tmp_path / "in", ledger))
    assert len(err.value.problems) == 3
    assert str(err.value).endswith("(further problems not listed)")


def test_malformed_files_are_reported_with_their_line(engine, tmp_path, ledger):
    directory = write_ledger(tmp_path / "in", {"accounts": ledger["accounts"]})
    with (directory / "accounts.csv").open("ab") as f:
        f.write(b'A4,"Two\nlines",en-US,USD\nA5,Caf\xe9,fr-FR,EUR\n')
    with Session(engine) as session, pytest.raises(LedgerImportError, match=r"^accounts\.csv line 7: is not valid UTF-8$"):
        import_ledger(session, directory)

    write_csv(directory / "accounts.csv", ledger["accounts"])
    with (directory / "accounts.csv").open("a") as f:
        f.write("A4,Short,en-US\n")
    with Session(engine) as session, pytest.raises(LedgerImportError, match="accounts.csv line 5: has 3 fields"):
        import_ledger(session, directory)


def test_directory_must_hold_a_ledger(engine, tmp_path):
    with Session(engine) as session:
        with pytest.raises(LedgerImportError, match="not a directory"):
            import_ledger(session, tmp_path / "missing")
        (tmp_path / "empty").mkdir()
        with pytest.raises(LedgerImportError, match="none of accounts.csv"):
            import_ledger(session, tmp_path / "empty")


def test_statements_do_not_grow_with_rows(engine, tmp_path, ledger, monkeypatch):
    """Existing keys are read once per file and rows written in batches, never one per row."""
    monkeypatch.setattr(importer, "BATCH", 50)
    ledger["invoices"] = [{**ledger["invoices"][0], "invoice_number": f"G{n:09d}"} for n in range(500)]
    directory = write_ledger(tmp_path / "in", ledger)
    run_import(engine, directory)  # half of them will exist on the second run
    ledger["invoices"] += [{**ledger["invoices"][0], "invoice_number": f"G{n:09d}"} for n in range(500, 1000)]
    write_ledger(directory, ledger)
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    report = run_import(engine, directory)

    assert report.counts["invoices"] == (500, 500)
    assert len(statements) < 60, statements
    with Session(engine) as s:
        assert len(s.exec(select(Invoice.invoice_number)).all()) == 1000


def _require(condition: bool, why: str) -> None:
    if not condition:
        (pytest.fail if IN_CI else pytest.skip)(why)


def test_sample_ledger_imports_twice(engine):
    _require(SAMPLE.is_dir(), f"sample ledger not found at {SAMPLE}")
    first = run_import(engine, SAMPLE)
    second = run_import(engine, SAMPLE)

    assert first.counts["invoices"][0] > 0 and first.counts["payments"][0] > 0
    assert {stem: inserted for stem, (inserted, _) in second.counts.items()} == dict.fromkeys(first.counts, 0)
    assert {stem: updated for stem, (_, updated) in second.counts.items()} == {
        stem: inserted for stem, (inserted, _) in first.counts.items()}


@pytest.mark.postgres
def test_postgresql_import_reimport_and_refusal(tmp_path, ledger):
    schema = f"import_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server means "no server"
        admin.dispose()
        _require(False, f"PostgreSQL not reachable at {PG_URL}: {exc}")
    engine = make_engine(f"{PG_URL}?options=-csearch_path%3D{schema}")
    try:
        migrate(engine)
        directory = write_ledger(tmp_path / "in", ledger)
        assert run_import(engine, directory).counts["invoices"] == (3, 0)
        ledger["invoices"][0]["open_amount"] = "0"
        assert run_import(engine, write_ledger(directory, ledger)).counts["invoices"] == (0, 3)
        with Session(engine) as s:
            assert s.get(Invoice, "G000000001").open_minor == 0
            before = snapshot(s)
        ledger["payments"][0]["payment_id"] = "P" * 65  # PostgreSQL would refuse it mid-write
        with Session(engine) as session, pytest.raises(LedgerImportError, match="column payment_id"):
            import_ledger(session, write_ledger(directory, ledger))
        with Session(engine) as s:
            assert snapshot(s) == before
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
