"""Reading statement files: any camt version, format detection, the keys that make imports
idempotent, and refusal of a bad file as a whole with the line and what is wrong."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.statements.model import StatementError
from bot.statements.read import read_statement

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "statements"
CAMT053 = (GOLDEN / "camt053_v02_day.xml").read_bytes()
CAMT054 = (GOLDEN / "camt054_v08_intraday.xml").read_bytes()
MT940 = (GOLDEN / "mt940_two_accounts.sta").read_bytes()


def refused(data: bytes, **kwargs) -> str:
    with pytest.raises(StatementError) as caught:
        read_statement(data, **kwargs)
    return str(caught.value)


def entry(amount: str = '<Amt Ccy="EUR">10.00</Amt>', *, direction: str = "CRDT", status: str = "<Sts>BOOK</Sts>",
          dates: str = "<BookgDt><Dt>2026-10-15</Dt></BookgDt>", ref: str = "<AcctSvcrRef>R1</AcctSvcrRef>",
          details: str = "") -> str:
    return f"<Ntry>{amount}<CdtDbtInd>{direction}</CdtDbtInd>{status}{dates}{ref}{details}</Ntry>"


def camt053(*entries: str, account: str = "<Acct><Id><IBAN>DE44500105175407324931</IBAN></Id></Acct>") -> bytes:
    body = "\n".join(entries)
    return (f'<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04">\n'
            f"<BkToCstmrStmt><Stmt><Id>S1</Id>{account}\n{body}\n</Stmt></BkToCstmrStmt></Document>").encode()


def tx(amount: str | None, name: str, text: str, ref: str = "") -> str:
    own = f'<Amt Ccy="EUR">{amount}</Amt>' if amount else ""
    refs = f"<Refs><AcctSvcrRef>{ref}</AcctSvcrRef></Refs>" if ref else ""
    return (f"<TxDtls>{refs}{own}<RltdPties><Dbtr><Nm>{name}</Nm></Dbtr></RltdPties>"
            f"<RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls>")


@pytest.mark.parametrize("version", ["02", "03", "04", "05", "06", "07", "08"])
def test_every_camt053_version_reads_alike(version):
    other = CAMT053.replace(b"camt.053.001.02", f"camt.053.001.{version}".encode())
    assert read_statement(other) == read_statement(CAMT053)


@pytest.mark.parametrize("version", ["02", "04", "06", "08"])
def test_every_camt054_version_reads_alike(version):
    other = CAMT054.replace(b"camt.054.001.08", f"camt.054.001.{version}".encode())
    assert read_statement(other) == read_statement(CAMT054)


def test_the_notification_and_the_statement_give_the_same_credit_the_same_key():
    statement, notification = read_statement(CAMT053), read_statement(CAMT054)
    shared = {c.bank_ref for c in statement.credits} & {c.bank_ref for c in notification.credits}
    assert shared == {"DE44500105175407324931|2026101500001"}


def test_a_batch_whose_amounts_do_not_add_up_stays_one_payment_of_the_booked_amount():
    data = camt053(entry('<Amt Ccy="EUR">100.00</Amt>', details="<NtryDtls>" + tx("60.00", "A Ltd", "G000000001")
                         + tx("30.00", "B Ltd", "G000000002") + "</NtryDtls>"))
    [credit] = read_statement(data).credits
    assert (credit.amount, credit.reference, credit.payer_name) == (100, "G000000001 G000000002", "")


def test_a_batch_keys_its_payments_by_their_own_references_when_distinct():
    details = "<NtryDtls>" + tx("60.00", "A Ltd", "one", "T1") + tx("40.00", "B Ltd", "two", "T2") + "</NtryDtls>"
    keys = [c.bank_ref for c in read_statement(camt053(entry('<Amt Ccy="EUR">100.00</Amt>', details=details))).credits]
    assert keys == ["DE44500105175407324931|R1/T1", "DE44500105175407324931|R1/T2"]
    same = details.replace("T2", "T1")
    keys = [c.bank_ref for c in read_statement(camt053(entry('<Amt Ccy="EUR">100.00</Amt>', details=same))).credits]
    assert keys == ["DE44500105175407324931|R1/1", "DE44500105175407324931|R1/2"]


def test_credits_without_any_reference_get_keys_that_survive_a_rereading():
    same = entry(ref="", details="<NtryDtls>" + tx(None, "A Ltd", "thanks") + "</NtryDtls>")
    first = [c.bank_ref for c in read_statement(camt053(same, same)).credits]
    assert len(set(first)) == 2 and first == [c.bank_ref for c in read_statement(camt053(same, same)).credits]
    assert first[0].endswith("|1") and first[1].endswith("|2")


def test_the_value_date_stands_in_for_a_missing_booking_date():
    [credit] = read_statement(camt053(entry(dates="<ValDt><DtTm>2026-10-17T08:00:00Z</DtTm></ValDt>"))).credits
    assert credit.received_date.isoformat() == "2026-10-17"


@pytest.mark.parametrize("data, message", [
    (b"", "the file is empty"),
    (b"   \r\n", "the file is empty"),
    (b"Dear customer, your statement is attached.", "neither camt.053/camt.054 XML nor MT940"),
    (b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>',
     "XML, but not a camt.053 or camt.054 message"),
    (b"<Document><BkToCstmrStmt><Stmt></BkToCstmrStmt></Document>", "not well-formed XML (mismatched tag: line 1"),
    (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Document><BkToCstmrStmt>&b;</BkToCstmrStmt></Document>',
     "XML refused"),
    (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document><BkToCstmrStmt>&x;</BkToCstmrStmt></Document>',
     "XML refused"),
    (b"<Document><BkToCstmrStmt><GrpHdr/></BkToCstmrStmt></Document>", "line 1: BkToCstmrStmt holds no Stmt"),
])
def test_what_is_not_a_statement_is_refused(data, message):
    assert message in refused(data)


@pytest.mark.parametrize("bad, message", [
    (entry('<Amt Ccy="EUR">12,50</Amt>'), "line 4: Amt '12,50' is not an amount"),
    (entry('<Amt Ccy="EUR">-12.50</Amt>'), "line 4: Amt '-12.50' is not an amount"),
    (entry('<Amt Ccy="EURO">12.50</Amt>'), "line 4: Ccy 'EURO' is not an ISO 4217 currency code"),
    (entry('<Amt>12.50</Amt>'), "line 4: Ccy '' is not an ISO 4217"),
    (entry(""), "line 4: Ntry has no Amt"),
    (entry(direction="CREDIT"), "line 4: CdtDbtInd 'CREDIT' is neither CRDT nor DBIT"),
    (entry(status=""), "line 4: Ntry has no Sts"),
    (entry(dates=""), "line 4: Ntry has neither BookgDt nor ValDt"),
    (entry(dates="<BookgDt><Dt>2026-13-01</Dt></BookgDt>"), "line 4: BookgDt '2026-13-01' is not a date"),
    (entry('<Amt Ccy="EUR">0.00</Amt>'), "line 4: a booked credit of zero"),
])
def test_a_bad_entry_refuses_the_file_naming_its_line(bad, message):
    good = entry()
    assert message in refused(camt053(bad, good))


def test_every_bad_entry_is_named_at_once():
    problems = refused(camt053(entry('<Amt Ccy="EUR">x</Amt>'), entry(direction="?"), entry()))
    assert re.findall(r"line (\d+)", problems) == ["4", "5"]


def test_a_statement_without_our_account_is_refused():
    assert "Stmt names no account (Acct/Id)" in refused(camt053(entry(), account=""))


def test_a_bank_account_number_stands_in_for_an_iban():
    data = camt053(entry(), account="<Acct><Id><Othr><Id>0417164300</Id></Othr></Id></Acct>")
    assert read_statement(data).credits[0].bank_ref == "0417164300|R1"


@pytest.mark.parametrize("forced, data, message", [
    ("camt054", CAMT053, "--format camt054: the file is camt.053, not camt.054"),
    ("mt940", CAMT054, "--format mt940: the file is camt.054, not MT940"),
    ("camt053", MT940, "--format camt053: the file is MT940, not camt.053"),
    ("csv", MT940, "unknown format 'csv'"),
])
def test_a_forced_format_must_be_the_file_s(forced, data, message):
    assert message in refused(data, format=forced)


MT = b":20:X\n:25:NL91ABNA0417164300\n:28C:1/1\n:60F:C261014EUR100,00\n%s:62F:C261015EUR110,00\n"


@pytest.mark.parametrize("lines, message", [
    (b":61:26101X1015C10,00NTRFNONREF\n:86:x\n", "line 5: field :61: '26101X1015C10,00NTRFNONREF' is not valid MT940"),
    (b":61:2613151015C10,00NTRFNONREF\n:86:x\n", "line 1: not valid MT940"),
])
def test_a_bad_mt940_line_refuses_the_file(lines, message):
    assert message in refused(MT % lines)


def test_an_mt940_statement_needs_its_account_and_currency():
    assert "line 1: statement has no account (:25:)" in refused(MT.replace(b":25:NL91ABNA0417164300\n", b"") % b"")
    assert "'XYZ' of the opening balance (:60F:) is not an ISO 4217 code" in refused(
        MT.replace(b"EUR", b"XYZ") % b":61:2610151015C10,00NTRFNONREF\n")


def test_mt940_in_windows_1252_reads_its_accents():
    data = MT % ":61:2610151015C10,00NTRFX1//B1\n:86:/NAME/MÜLLER GMBH/REMI/Rechnung G000000001\n".encode("cp1252")
    [credit] = read_statement(data).credits
    assert (credit.payer_name, credit.reference) == ("MÜLLER GMBH", "Rechnung G000000001")
