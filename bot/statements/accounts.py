"""Which ledger account a credit belongs to. Pure: the caller looks up what the ledger knows
about the credits at hand (`LedgerKnows`) and this decides, most reliable evidence first:

1. the payer's IBAN in bank_accounts.csv — one account: that one; several (a group paying
   for its companies): the one the invoices, else the name, points to among them;
2. invoice numbers in the remittance that the ledger knows, all of one account;
3. the payer's name equal to exactly one account's name, ignoring case, accents and
   punctuation ("BLUEPEAK CLOUD INC" is "Bluepeak Cloud Inc.").

Conflicting or missing evidence leaves the credit unassigned, with the reason, for a
person: a payment on the wrong account is a payment a partner cannot use (promise 1).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.statements.model import Credit
from bot.statements.remittance import RemittanceHints


@dataclass(frozen=True)
class LedgerKnows:
    by_iban: Mapping[str, frozenset[str]] = field(default_factory=dict)  # IBAN -> account ids
    by_invoice: Mapping[str, str] = field(default_factory=dict)  # invoice number -> account id
    by_name: Mapping[str, frozenset[str]] = field(default_factory=dict)  # normal_name -> account ids


@dataclass(frozen=True)
class Assignment:
    account_id: str | None  # None: unassigned
    why: str  # how the account was found, or why none could be


def normal_name(name: str) -> str:
    """Case, accents, punctuation and spacing removed: how banks and ledgers differ in a name."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", plain.casefold()).split())


def choose_account(credit: Credit, hints: RemittanceHints, ledger: LedgerKnows) -> Assignment:
    by_iban = ledger.by_iban.get(credit.payer_iban, frozenset()) if credit.payer_iban else frozenset()
    by_invoice = frozenset(ledger.by_invoice[n] for n in hints.invoice_numbers if n in ledger.by_invoice)
    by_name = ledger.by_name.get(normal_name(credit.payer_name), frozenset()) if credit.payer_name else frozenset()
    if len(by_iban) == 1:
        return Assignment(_only(by_iban), f"payer IBAN {credit.payer_iban} is in bank_accounts.csv")
    if by_iban:
        shared = f"payer IBAN {credit.payer_iban} is shared by {_listed(by_iban)}"
        if len(by_invoice) == 1 and by_invoice <= by_iban:
            return Assignment(_only(by_invoice), f"{shared}; the remittance names an invoice of this one")
        if not by_invoice and len(by_name & by_iban) == 1:
            return Assignment(_only(by_name & by_iban), f"{shared}; the payer's name is this one's")
        return Assignment(None, f"payer IBAN {credit.payer_iban} is in bank_accounts.csv for several accounts "
                                f"({_listed(by_iban)}) and neither invoices nor name tell which")
    if len(by_invoice) == 1:
        return Assignment(_only(by_invoice), "the remittance names its invoice " + ", ".join(
            n for n in hints.invoice_numbers if n in ledger.by_invoice))
    if by_invoice:
        return Assignment(None, f"the remittance names invoices of several accounts ({_listed(by_invoice)})")
    if len(by_name) == 1:
        return Assignment(_only(by_name), "the payer's name is the account's name")
    if by_name:
        return Assignment(None, f"several accounts are named {credit.payer_name!r} ({_listed(by_name)})")
    return Assignment(None, "; ".join(_missing(credit, hints)))


def _missing(credit: Credit, hints: RemittanceHints) -> Iterable[str]:
    yield f"payer IBAN {credit.payer_iban} is not in bank_accounts.csv" if credit.payer_iban else "no payer IBAN"
    yield ("invoices " + ", ".join(hints.invoice_numbers) + " are not in the ledger") if hints.invoice_numbers \
        else "no invoice number in the remittance"
    yield f"no account is named {credit.payer_name!r}" if credit.payer_name else "no payer name"


def _only(accounts: frozenset[str]) -> str:
    (account,) = accounts
    return account


def _listed(accounts: frozenset[str]) -> str:
    return ", ".join(sorted(accounts))
