"""Which payment an instruction means: by id, by bank reference, by amount (and date), or
"our unallocated payment" when the account has exactly one. Anything less than one clear
candidate is a reason, never a guess."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.model import Amount, Evidence, Instruction, LedgerView, Money, PaymentRow, Reason, Span
from bot.reading.amounts import currencies_of
from bot.reading.folding import fold


@dataclass(frozen=True)
class PaymentChoice:
    payment: PaymentRow | None
    reasons: tuple[Reason, ...]
    evidence: tuple[Evidence, ...]


def reference_in(reference: str, text: str) -> bool:
    """Whether a bank reference is written in the text (case, accents, spacing ignored), never
    inside a longer token. A single word without digits ("Payment", a payer's name) is prose,
    not a reference, and never matches."""
    tokens = re.findall(r"\w+", fold(reference))
    if not tokens or sum(len(t) for t in tokens) < 5:
        return False
    if len(tokens) == 1 and not any(c.isdigit() for c in tokens[0]):
        return False
    pattern = r"(?<!\w)" + r"[\W_]*".join(re.escape(t) for t in tokens) + r"(?!\w)"
    return re.search(pattern, fold(text)) is not None


def currency_fits(stated: Amount, currency: str) -> bool:
    """Whether the currency written with an amount (code or symbol) can be `currency`."""
    if stated.currency:
        return stated.currency == currency
    return not stated.symbol or currency in currencies_of(stated.symbol)


def amount_fits(stated: Amount, money: Money) -> bool:
    """Same value, and a currency that the written symbol can mean."""
    return currency_fits(stated, money.currency) and Money(stated.value, money.currency) == money


def fits_payment(stated: Amount, payment: PaymentRow) -> bool:
    """A stated payment amount names this payment: its full amount or what is left of it."""
    return amount_fits(stated, payment.amount) or amount_fits(stated, payment.unallocated)


def _stated_conflict(ins: Instruction, row: PaymentRow) -> PaymentChoice | None:
    """The payment amount the partner wrote, when it contradicts the chosen payment."""
    stated = ins.payment_amount
    if stated is None or fits_payment(stated, row):
        return None
    reason = Reason.AMOUNT_MISMATCH if currency_fits(stated, row.amount.currency) else Reason.CURRENCY_MISMATCH
    why = Evidence("payment_amount", f"stated {stated.span.text}, payment {row.payment_id} is {row.amount} ({row.unallocated} unallocated)", stated.span, (row.payment_id,), reason)
    return PaymentChoice(row, (reason,), (why,))


def _describe(rows: list[PaymentRow]) -> tuple[str, ...]:
    return tuple(p.payment_id for p in rows)


def _id_span(ins: Instruction, pid: str) -> Span:
    """The span of the payment id within the instruction (evidence points at the id itself)."""
    at = ins.text.find(pid)
    return Span(ins.span.start + at, ins.span.start + at + len(pid), pid) if at >= 0 else ins.span


def _by_id(ins: Instruction, account_id: str, ledger: LedgerView) -> PaymentChoice:
    if len(ins.payment_ids) > 1:
        return PaymentChoice(None, (Reason.AMBIGUOUS_PAYMENT,), (Evidence("payment_id", "several payment ids in one instruction", ins.span, ins.payment_ids, Reason.AMBIGUOUS_PAYMENT),))
    pid = ins.payment_ids[0]
    row = ledger.payment(pid)
    if row is None:
        return PaymentChoice(None, (Reason.UNKNOWN_PAYMENT,), (Evidence("payment_id", f"payment {pid} is not in the ledger", _id_span(ins, pid), (pid,), Reason.UNKNOWN_PAYMENT),))
    if row.account_id != account_id:
        return PaymentChoice(None, (Reason.CROSS_ACCOUNT,), (Evidence("payment_id", f"payment {pid} belongs to another account", _id_span(ins, pid), (pid,), Reason.CROSS_ACCOUNT),))
    return _chosen(ins, row, [Evidence("payment_id", f"payment {pid} named", _id_span(ins, pid), (pid,))])


def _chosen(ins: Instruction, row: PaymentRow, evidence: list[Evidence]) -> PaymentChoice:
    """The one candidate, unless the payment amount written in the request says otherwise."""
    conflict = _stated_conflict(ins, row)
    if conflict:
        return PaymentChoice(row, conflict.reasons, tuple(evidence) + conflict.evidence)
    return PaymentChoice(row, (), tuple(evidence))


def _narrow(ins: Instruction, candidates: list[PaymentRow], evidence: list[Evidence]) -> list[PaymentRow]:
    stated = ins.payment_amount
    if len(candidates) > 1 and stated:
        by_amount = [p for p in candidates if fits_payment(stated, p)]
        if by_amount:
            evidence.append(Evidence("payment_amount", f"amount {stated.value} fits {', '.join(_describe(by_amount))}", stated.span, _describe(by_amount)))
            candidates = by_amount
    if len(candidates) > 1 and ins.paid_on:
        by_date = [p for p in candidates if p.received_date == ins.paid_on]
        if by_date:
            evidence.append(Evidence("payment_date", f"received on {ins.paid_on}: {', '.join(_describe(by_date))}", ins.span, _describe(by_date)))
            candidates = by_date
    return candidates


def _exact_total(ins: Instruction, candidates: list[PaymentRow], ledger: LedgerView) -> list[PaymentRow]:
    """Among candidates, those whose unallocated amount is exactly what the request spends:
the stated amounts when every invoice has one, else the invoices' open amounts."""
    invoices = [ledger.invoice(line.invoice_number) for line in ins.lines]
    if not invoices or any(i is None for i in invoices):
        return []
    currency = invoices[0].open_amount.currency
    if any(i.open_amount.currency != currency for i in invoices):
        return []
    stated = [line.amount for line in ins.lines if line.amount]
    if stated and len(stated) != len(ins.lines):
        return []
    if stated:
        total = sum((Money(a.value, currency) for a in stated), Money.zero(currency))
    else:
        total = sum((i.open_amount for i in invoices), Money.zero(currency))
    return [p for p in candidates if p.unallocated == total]


def _stated_whole(ins: Instruction, exact: list[PaymentRow]) -> PaymentRow | None:
    """The payment named only by its amount written beside the invoice ("88.901,12 TL havalemizi
    G1 faturasına", "48 699,93 euroa maksu kuuluu laskulle G1"): every invoice has its amount, one
    payment alone has exactly that total unallocated (of several, the one received on the day the
    mail names), and none of it was allocated before (a part of a larger payment is not told by
    its amount)."""
    if not ins.lines or any(line.amount is None for line in ins.lines) or len(exact) != 1:
        return None
    row = exact[0]
    currencies = {line.amount.currency for line in ins.lines if line.amount and line.amount.currency}
    if currencies - {row.amount.currency} or row.amount != row.unallocated:
        return None
    return row


def _without_id(ins: Instruction, account_id: str, ledger: LedgerView) -> PaymentChoice:
    pool = [p for p in ledger.payments if p.account_id == account_id]
    evidence: list[Evidence] = []
    by_reference = [p for p in pool if p.reference and reference_in(p.reference, ins.text)]
    if by_reference:
        evidence.append(Evidence("payment_reference", f"reference matches {', '.join(_describe(by_reference))}", ins.span, _describe(by_reference)))
        candidates = _narrow(ins, by_reference, evidence)
    elif ins.payment_amount:
        stated = ins.payment_amount
        candidates = [p for p in pool if fits_payment(stated, p)]
        evidence.append(Evidence("payment_amount", f"amount {stated.value} {stated.currency or stated.symbol} fits {', '.join(_describe(candidates)) or 'no payment'}", stated.span, _describe(candidates)))
        candidates = _narrow(ins, candidates, evidence)
    elif ins.mentions_payment:
        open_pool = [p for p in pool if p.unallocated.amount > 0]
        exact = _exact_total(ins, open_pool, ledger)
        if len(open_pool) == 1 and exact == open_pool:
            evidence.append(Evidence("single_unallocated", "the account's only unallocated payment equals the invoices' open amount", ins.span, _describe(open_pool)))
            return PaymentChoice(open_pool[0], (), tuple(evidence))
        if len(exact) > 1 and ins.paid_on:  # two payments of the amount: the day written tells them apart
            exact = [p for p in exact if p.received_date == ins.paid_on] or exact
        if (whole := _stated_whole(ins, exact)) is not None:
            evidence.append(Evidence("stated_total", f"the amounts written beside the invoices add up to "
                                     f"{whole.payment_id}, received whole and still unallocated; no other payment",
                                     ins.span, (whole.payment_id,)))
            return _chosen(ins, whole, evidence)
        reason = Reason.AMBIGUOUS_PAYMENT if open_pool else Reason.UNKNOWN_PAYMENT
        evidence.append(Evidence("payment_unnamed", f"no id, reference or amount; {len(open_pool)} unallocated payment(s) on the account", ins.span, _describe(open_pool), reason))
        return PaymentChoice(None, (reason,), tuple(evidence))
    else:
        candidates = []
    if len(candidates) > 1:
        exact = _exact_total(ins, candidates, ledger)
        if len(exact) == 1:
            evidence.append(Evidence("exact_total", f"only {exact[0].payment_id} has exactly the invoices' open amount unallocated", ins.span, _describe(exact)))
            candidates = exact
    if len(candidates) == 1:
        return _chosen(ins, candidates[0], evidence)
    reason = Reason.AMBIGUOUS_PAYMENT if candidates else Reason.UNKNOWN_PAYMENT
    what = f"{len(candidates)} payments fit" if candidates else "no payment of the account fits"
    evidence.append(Evidence("payment_choice", what, ins.payment_amount.span if ins.payment_amount else ins.span, _describe(candidates), reason))
    return PaymentChoice(None, (reason,), tuple(evidence))


def choose_payment(ins: Instruction, account_id: str, ledger: LedgerView) -> PaymentChoice:
    return _by_id(ins, account_id, ledger) if ins.payment_ids else _without_id(ins, account_id, ledger)
