"""Reading back what the bot stored: request, evidence, proposal; highlighting spans."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from bot.model import Allocation, Amount, Evidence, Instruction, InvoiceLine, Money, Reason, Request, Span
from bot.review.proposal import (
    evidence_for, marked_text, named_ids, parse_allocations, parse_evidence, parse_request, proposal_from, request_spans,
)

TEXT = "Allocate PY00000001 to G000000001 (40.00 EUR) and G000000002."
REQUEST = Request(
    text=TEXT,
    instructions=(Instruction(
        lines=(InvoiceLine("G000000001", Span(23, 33, "G000000001"), Amount(Decimal("40.00"), "EUR", Span(35, 44, "40.00 EUR"), "EUR")),
               InvoiceLine("G000000002", Span(50, 60, "G000000002"))),
        text=TEXT, span=Span(0, len(TEXT), TEXT), payment_ids=("PY00000001",), paid_on=date(2026, 10, 2), mentions_payment=True),),
    malformed_invoices=(Span(0, 8, "Allocate"),),
)


@dataclass
class Event:
    actor: str
    action: str
    detail: str


def stored(value) -> str:
    """As bot/ledger/journal.py stores it."""
    return json.dumps(value, ensure_ascii=False, default=str)


def test_a_stored_request_reads_back_as_the_same_request():
    assert parse_request(stored(asdict(REQUEST))) == REQUEST


def test_broken_or_missing_records_read_as_nothing():
    assert parse_request("") == Request("", ())
    assert parse_request("{not json") == Request("", ())
    assert parse_request('{"instructions": [{"lines": [{"span": 1}]}, 7]}').instructions[0].lines == ()
    assert parse_evidence("[1, {\"detail\": \"no rule\"}]") == ()
    assert parse_allocations([{"payment_id": "PY1"}, "x", {"payment_id": "PY1", "invoice_number": "G1",
                                                            "amount": {"amount": "oops", "currency": "EUR"}}]) == ()


def test_evidence_keeps_its_reason_span_and_rows():
    evidence = (Evidence("invoice", "invoice G000000077 is not in the ledger", Span(3, 13, "G000000077"), ("G000000077",),
                         Reason.UNKNOWN_INVOICE), Evidence("sender_contact", "ok", None, ("A1",)))
    assert parse_evidence(stored([asdict(e) for e in evidence])) == evidence
    assert parse_evidence(stored([{"rule": "x", "detail": "", "reason": "not_a_reason"}]))[0].reason is None


def test_the_proposal_is_the_bots_last_decision():
    allocation = Allocation("PY00000001", "G000000001", Money(Decimal("40"), "EUR"))
    events = [Event("allocbot", "stored", "{}"),
              Event("allocbot", "needs_info", stored({"reasons": ["unknown_invoice"], "allocations": [asdict(allocation)],
                                                     "case_ref": "ALC-000001"})),
              Event("ops@billing.example", "asked", stored({"allocations": []}))]
    proposal = proposal_from(events)
    assert proposal.status == "needs_info" and proposal.reasons == ("unknown_invoice",) and proposal.case_ref == "ALC-000001"
    assert proposal.allocations == (allocation,) and proposal.allocations[0].amount.amount == Decimal("40.00")
    assert proposal_from([Event("allocbot", "stored", "{}")]).allocations == ()


def test_named_ids_and_spans():
    assert named_ids(REQUEST) == (("PY00000001",), ("G000000001", "G000000002"))
    spans = request_spans(REQUEST, [Evidence("payment_id", "named", Span(9, 19, "PY00000001"), ("PY00000001",))])
    assert Span(35, 44, "40.00 EUR") in spans and Span(9, 19, "PY00000001") in spans and Span(0, 8, "Allocate") in spans


def test_marked_text_cuts_the_text_at_spans_that_really_are_there():
    segments = marked_text("pay G1 and G2 now", [Span(4, 6, "G1"), Span(11, 13, "G2"), Span(11, 12, "G"),
                                                 Span(0, 3, "xyz"), Span(50, 60, "far")])
    assert segments == [("pay ", False), ("G1", True), (" and ", False), ("G2", True), (" now", False)]
    assert "".join(piece for piece, _ in segments) == "pay G1 and G2 now"
    assert marked_text("abc", []) == [("abc", False)]


def test_evidence_for_a_row():
    evidence = [Evidence("a", "names it", None, ("PY1",)), Evidence("b", "its text", Span(0, 3, "PY1")), Evidence("c", "other", None, ("PY2",))]
    assert [e.rule for e in evidence_for("PY1", evidence)] == ["a", "b"]


def test_the_payment_id_is_marked_where_it_is_written_in_its_instruction():
    text = "Hello. Payment PY00000001 to G000000001; PY00000001 again. Later: PY00000001."
    ins = Instruction(lines=(InvoiceLine("G000000001", Span(29, 39, "G000000001")),), text=text[:58],
                      span=Span(0, 58, text[:58]), payment_ids=("PY00000001", "PY00000009"))
    spans = request_spans(Request(text=text, instructions=(ins,)))
    assert [s for s in spans if s.text.startswith("PY")] == [Span(15, 25, "PY00000001"), Span(41, 51, "PY00000001")]
    marked = [piece for piece, on in marked_text(text, spans) if on]
    assert marked == ["PY00000001", "G000000001", "PY00000001"]  # not the one outside the instruction
