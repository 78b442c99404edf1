"""Remittance attachments and forwarded requests through the whole bot (issue 6), on SQLite and
PostgreSQL: what is read from an XLSX or a text PDF is applied like a typed request; what cannot
be read for certain (a scan, a file over the limits) holds the message; a forward is the
forwarder's request."""
from __future__ import annotations

import json

from tests.integration.conftest import ANN, TOM, body_text
from tests.unit.reading.remittance_files import mail, scanned_pdf_bytes, table_pdf, xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOTH = [("PY00000002", "G000000001", 10000), ("PY00000002", "G000000002", 25000)]


def sent_by(address: str, name: str, subject: str, body: str, *attachments, n: int = 1) -> bytes:
    return mail(sender=f"{name} <{address}>", subject=subject, body=body, attachments=attachments,
                message_id=f"<remit.{n}.{abs(hash(subject + body)) % 10**9}@bluepeak.example>")


def last(world):
    from bot.ledger.tables import InboundMessage

    return world.rows(InboundMessage)[-1]


def test_an_xlsx_remittance_with_see_attached_is_applied(world):
    sheet = xlsx_bytes([["Invoice", "Invoice amount", "Amount paid"], ["G000000001", 100.0, 100.0],
                        ["G000000002", 250.0, 250.0]])
    world.deliver(sent_by(ANN, "Ann Admin", "Remittance advice", "Payment PY00000002 - please see the attached advice.",
                          ("advice.xlsx", XLSX, sheet)))
    world.run()
    assert last(world).status == "applied"
    assert sorted(world.allocations()) == BOTH
    assert "G000000002" in body_text(world.outbox_messages()[-1])


def test_a_german_text_pdf_remittance_is_applied(world):
    pdf = table_pdf(["Zahlungsavis", "Bluepeak Cloud Inc."], ["Rechnung", "Datum", "Betrag", "Bezahlt"],
                    [["G000000001", "01.09.2026", "100,00 USD", "100,00 USD"],
                     ["G000000002", "01.09.2026", "250,00 USD", "250,00 USD"]])
    world.deliver(sent_by(ANN, "Ann Admin", "Zahlungsavis", "Zahlung PY00000002, Aufstellung siehe Anhang.",
                          ("avis.pdf", "application/pdf", pdf)))
    world.run()
    assert last(world).status == "applied" and sorted(world.allocations()) == BOTH


def test_a_scanned_pdf_holds_the_message_and_nothing_is_guessed(world):
    world.deliver(sent_by(ANN, "Ann Admin", "Remittance", "Payment PY00000002 - details in the attached scan.",
                          ("scan.pdf", "application/pdf", scanned_pdf_bytes())))
    world.run()
    row = last(world)
    assert row.status == "review" and "unreadable_attachment" in row.reasons.split(",")
    assert world.allocations() == []
    assert any("scan.pdf" in e["detail"] for e in json.loads(row.evidence))
    assert [m["To"].addresses[0].addr_spec for m in world.outbox_messages()] == [ANN]  # the acknowledgement


def test_a_body_complete_on_its_own_is_still_held_when_its_attachment_cannot_be_read(world):
    world.deliver(sent_by(ANN, "Ann Admin", "Payment allocation", "Please allocate payment PY00000001 to invoice G000000001.",
                          ("scan.pdf", "application/pdf", scanned_pdf_bytes())))
    world.run()
    assert last(world).status == "review" and world.allocations() == []


def test_an_attachment_over_max_attachment_mb_is_not_read(make_world):
    world = make_world(max_attachment_mb=0.001)  # 1,048 bytes
    sheet = xlsx_bytes([["Invoice", "Amount paid"], ["G000000001", 100.0]])
    assert len(sheet) > 1100
    world.deliver(sent_by(ANN, "Ann Admin", "Remittance", "Payment PY00000002, see attached.", ("advice.xlsx", XLSX, sheet)))
    world.run()
    row = last(world)
    assert (row.status, "unreadable_attachment" in row.reasons) == ("review", True) and world.allocations() == []


FORWARD = """Please handle the below.

---------- Forwarded message ---------
From: Lisa Berg <lisa@bluepeak.example>
Date: Thu, 8 Oct 2026 at 16:12
Subject: Payment allocation
To: Ann Admin <ann@bluepeak.example>

Hi Ann, could you ask billing to allocate payment PY00000001 to invoice G000000001?
Thanks, Lisa
"""


def test_a_forward_by_an_admin_is_read_as_her_request_and_held_for_one_click_approval(world):
    """The colleague's request is read and proposed as Ann's, and a person approves it: a forward
    cannot show whether the same request already reached the mailbox (Bcc, an alias, an inbox
    rule), and applying it twice would be a wrong allocation."""
    from bot.ledger.tables import AuditEvent

    world.deliver(sent_by(ANN, "Ann Admin", "Fwd: Payment allocation", FORWARD))
    world.run()
    row = last(world)
    assert (row.status, row.reasons) == ("review", "forwarded_request") and world.allocations() == []
    assert any("forwarded message from Lisa Berg <lisa@bluepeak.example>" in e["detail"] for e in json.loads(row.evidence))
    [held] = [e for e in world.rows(AuditEvent) if e.inbound_id == row.id and e.action == "review"]
    assert json.loads(held.detail)["allocations"][0]["invoice_number"] == "G000000001"  # the proposal to approve
    assert world.outbox_messages()[-1]["To"].addresses[0].addr_spec == ANN  # the acknowledgement, never the colleague


def test_a_forward_by_someone_who_may_not_move_money_moves_none(world):
    world.deliver(sent_by(TOM, "Tom Seller", "Fwd: Payment allocation", FORWARD.replace("To: Ann Admin <ann@bluepeak.example>",
                                                                                       "To: Tom Seller <tom@bluepeak.example>")))
    world.run()
    assert last(world).status == "review" and world.allocations() == []
