"""ISO 20022 camt.053 (statement) and camt.054 (debit/credit notification), any version.

Elements are matched by local name, so .001.02 through .001.08 read alike; where versions
differ the later shape is tried too (`Sts/Cd` for `Sts`, `Dbtr/Pty/Nm` for `Dbtr/Nm`,
`TxDtls/Amt` for `TxDtls/AmtDtls/TxAmt/Amt`).

Only booked (`BOOK`) credits that are not reversals become payments. A batched entry (several
`TxDtls`) becomes one payment per transaction when every transaction gives its own amount in
the entry's currency and they add up to the booked amount; otherwise it stays one payment
of the booked amount, its remittance lines joined, so the ledger always holds what arrived.

Keys (`Credit.bank_ref`): our account, then the entry's `AcctSvcrRef`, else its `NtryRef`,
else the single transaction's `AcctSvcrRef` or `TxId`; a transaction of a split batch adds
its own `AcctSvcrRef`/`TxId`, else its position. A camt.054 notification and the camt.053
statement that books the same entry carry the same `AcctSvcrRef`, so reading both adds the
payment once; a split transaction also carries its entry's key (`Credit.entry_ref`), so a
batch one file could split and the other could not is imported once too.
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from xml.etree.ElementTree import Element

from babel.numbers import list_currencies

from bot.statements.checksums import compact, normal_iban
from bot.statements.model import Credit, KeyMaker, Skip, Skipped, Statement, StatementError
from bot.statements.safexml import XmlDocument, find, first_descendant_text, kids, local, text, texts

ROOTS = {"BkToCstmrStmt": ("camt053", "Stmt"), "BkToCstmrDbtCdtNtfctn": ("camt054", "Ntfctn")}
_AMOUNT = re.compile(r"[0-9]{1,18}(?:\.[0-9]{1,5})?")
_CURRENCIES = frozenset(list_currencies())
_NOT_PROVIDED = {"", "NOTPROVIDED", "NONREF"}


class _Bad(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")


def camt_format(doc: XmlDocument) -> str | None:
    """camt053 or camt054 when the root is a Document holding that message, else None."""
    body = next(iter(doc.root), None)
    if local(doc.root) != "Document" or body is None or local(body) not in ROOTS:
        return None
    return ROOTS[local(body)][0]


def read_camt(doc: XmlDocument) -> Statement:
    """Every entry of every statement/notification in the file; a bad one refuses the file."""
    format_ = camt_format(doc)
    if format_ is None:
        raise StatementError(["not a camt.053 or camt.054 message (the root must be Document holding "
                              "BkToCstmrStmt or BkToCstmrDbtCdtNtfctn)"])
    body = doc.root[0]
    reports = kids(body, ROOTS[local(body)][1])
    if not reports:
        raise StatementError([f"line {doc.line(body)}: {local(body)} holds no {ROOTS[local(body)][1]}"])
    accounts, credits, skipped, problems = [], [], [], []
    for report in reports:
        account = text(report, "Acct", "Id", "IBAN") or text(report, "Acct", "Id", "Othr", "Id")
        if not account:
            problems.append(f"line {doc.line(report)}: {local(report)} names no account (Acct/Id)")
            continue
        accounts.append(account)
        keys = KeyMaker(compact(account))
        for entry in kids(report, "Ntry"):
            try:
                got = _entry(doc, entry, keys)
            except _Bad as bad:
                problems.append(str(bad))
                continue
            if isinstance(got, Skipped):
                skipped.append(got)
            else:
                credits.extend(got)
    if problems:
        raise StatementError(problems)
    return Statement(format_, tuple(dict.fromkeys(accounts)), tuple(credits), tuple(skipped))


def _money(doc: XmlDocument, amt: Element | None, where: Element) -> tuple[str, Decimal]:
    if amt is None:
        raise _Bad(doc.line(where), f"{local(where)} has no Amt")
    value, currency = (amt.text or "").strip(), amt.get("Ccy", "").strip()
    if not _AMOUNT.fullmatch(value):
        raise _Bad(doc.line(amt), f"Amt {value!r} is not an amount")
    if currency not in _CURRENCIES:
        raise _Bad(doc.line(amt), f"Ccy {currency!r} is not an ISO 4217 currency code")
    return currency, Decimal(value)


def _date(doc: XmlDocument, entry: Element) -> date:
    for where in ("BookgDt", "ValDt"):
        value = text(entry, where, "Dt") or text(entry, where, "DtTm")[:10]
        if value:
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise _Bad(doc.line(find(entry, where)), f"{where} {value!r} is not a date") from None
    raise _Bad(doc.line(entry), "Ntry has neither BookgDt nor ValDt")


def _entry(doc: XmlDocument, entry: Element, keys: KeyMaker) -> Skipped | list[Credit]:
    line = doc.line(entry)
    currency, amount = _money(doc, find(entry, "Amt"), entry)
    direction = text(entry, "CdtDbtInd")
    if direction not in ("CRDT", "DBIT"):
        raise _Bad(line, f"CdtDbtInd {direction!r} is neither CRDT nor DBIT")
    status = text(entry, "Sts") or text(entry, "Sts", "Cd")
    if not status:
        raise _Bad(line, "Ntry has no Sts")
    txs = [tx for details in kids(entry, "NtryDtls") for tx in kids(details, "TxDtls")]
    why = (Skip.PENDING if status != "BOOK" else
           Skip.REVERSAL if text(entry, "RvslInd").lower() in ("true", "1") else
           Skip.DEBIT if direction == "DBIT" else None)
    if why is not None:
        return Skipped(line, why, currency, amount, _joined([_remittance(tx) for tx in txs]) or text(entry, "AddtlNtryInf"))
    if amount <= 0:
        raise _Bad(line, "a booked credit of zero")
    received = _date(doc, entry)
    ref = next((r for r in (text(entry, "AcctSvcrRef"), text(entry, "NtryRef")) if r not in _NOT_PROVIDED), "")
    if len(txs) == 1 and not ref:
        ref = _tx_ref(txs[0])
    ref = ref or keys.fallback(received, currency, amount, _everything(txs, entry))
    entry_text = text(entry, "AddtlNtryInf")
    if len(txs) > 1 and (parts := _split(doc, txs, currency, amount)):
        own = [_tx_ref(tx) for tx in txs]
        subs = own if all(own) and len(set(own)) == len(own) else [str(n) for n in range(1, len(txs) + 1)]
        whole = keys.of(ref)
        return [replace(_credit(doc.line(tx), tx, keys.of(ref, sub), received, currency, part, entry_text), entry_ref=whole)
                for tx, sub, part in zip(txs, subs, parts)]
    if len(txs) == 1:
        return [_credit(line, txs[0], keys.of(ref), received, currency, amount, entry_text)]
    names = {_payer(tx)[0] for tx in txs}
    return [Credit(line, keys.of(ref), received, currency, amount,
                   _joined([_remittance(tx) for tx in txs]) or entry_text, names.pop() if len(names) == 1 else "")]


def _split(doc: XmlDocument, txs: list[Element], currency: str, total: Decimal) -> list[Decimal] | None:
    """Each transaction's own amount, when all are given in the entry's currency and add up."""
    parts = []
    for tx in txs:
        amounts = [a for a in (find(tx, "Amt"), find(tx, "AmtDtls", "TxAmt", "Amt")) if a is not None]
        own = [_money(doc, a, tx) for a in amounts]
        own = [value for ccy, value in own if ccy == currency]
        if not own or own[0] <= 0:
            return None
        parts.append(own[0])
    return parts if sum(parts) == total else None


def _tx_ref(tx: Element) -> str:
    return next((r for r in (text(tx, "Refs", "AcctSvcrRef"), text(tx, "Refs", "TxId")) if r not in _NOT_PROVIDED), "")


def _everything(txs: list[Element], entry: Element) -> str:
    """What tells two reference-less entries of the same day and amount apart, if anything."""
    return "\n".join([_remittance(tx) + "|" + "|".join(_payer(tx)) for tx in txs] + [text(entry, "AddtlNtryInf")])


def _credit(line: int, tx: Element, key: str, received: date, currency: str, amount: Decimal, entry_text: str) -> Credit:
    name, iban = _payer(tx)
    return Credit(line, key, received, currency, amount, _remittance(tx) or text(tx, "AddtlTxInf") or entry_text, name, iban)


def _payer(tx: Element) -> tuple[str, str]:
    """(name, IBAN) of who paid: the debtor, else the ultimate debtor; IBAN only if valid."""
    parties = find(tx, "RltdPties")
    name = first_descendant_text(find(parties, "Dbtr"), "Nm") or first_descendant_text(find(parties, "UltmtDbtr"), "Nm")
    return " ".join(name.split()), normal_iban(text(parties, "DbtrAcct", "Id", "IBAN")) or ""


def _remittance(tx: Element) -> str:
    """Unstructured lines, then structured references and document numbers not already in them."""
    info = find(tx, "RmtInf")
    parts = texts(info, "Ustrd")
    for structured in kids(info, "Strd"):
        parts.append(text(structured, "CdtrRefInf", "Ref"))
        parts.extend(text(doc, "Nb") for doc in kids(structured, "RfrdDocInf"))
        parts.extend(texts(structured, "AddtlRmtInf"))
    return _joined(parts)


def _joined(parts: list[str]) -> str:
    """One line: parts in order, each once, none that an earlier part already contains."""
    kept: list[str] = []
    for part in (" ".join(p.split()) for p in parts):
        if part and compact(part) not in compact(" ".join(kept)):
            kept.append(part)
    return " ".join(kept)
