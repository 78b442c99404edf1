"""Conversations over two cycles (issue 6), on SQLite and PostgreSQL: the bot asks, the partner
answers in the thread, and the answer is read together with the request it completes.

Ann (billing admin of A1) asks for payment PY00000001 on an invoice number with a typo; the
bot asks which invoice; Ann's answer names the right one and the payment is applied. A reply
of "cancel" closes an open request. Somebody else's answer never touches Ann's request.
"""
from __future__ import annotations

from bot.ledger.tables import AuditEvent, InboundMessage, ReviewItem
from tests.integration.conftest import ANN, OLA, TOM, body_text, request_mail

TYPO = "Please allocate payment PY00000001 to invoice G000000003."  # G000000003 is not A1's (or anyone's)


def answer_to(world, reply, body: str, *, sender: str = ANN, name: str = "Ann Admin", subject: str | None = None,
              thread: bool = True) -> bytes:
    """The partner's answer to one of our replies, as their mail client writes it."""
    headers = {"In-Reply-To": reply["Message-ID"], "References": reply["Message-ID"]} if thread else {}
    quoted = "\n".join("> " + line for line in body_text(reply).splitlines())
    return request_mail(sender, f"{body}\n\nOn Mon, 2 Nov 2026 the billing team wrote:\n{quoted}",
                        sender_name=name, subject=subject or f"Re: {reply['Subject']}", headers=headers)


def first_cycle(world):
    world.deliver(request_mail(body=TYPO, message_id="<typo@bluepeak.example>"))
    world.run()
    asked = world.inbound("<typo@bluepeak.example>")
    assert (asked.status, asked.reasons) == ("needs_info", "unknown_invoice")
    [question] = world.outbox_messages()
    return asked, question


def item_of(world, inbound_id: int) -> ReviewItem:
    return next(i for i in world.review_items() if i.inbound_id == inbound_id)


def test_an_answer_naming_the_right_invoice_completes_the_request(world):
    asked, question = first_cycle(world)
    world.deliver(answer_to(world, question, "Sorry, my mistake: it is G000000001."))
    world.run()

    answer = world.rows(InboundMessage)[-1]
    assert answer.status == "applied"
    assert world.allocations() == [("PY00000001", "G000000001", 10000)]
    item = item_of(world, asked.id)
    assert (item.status, item.resolution, item.closed_by) == ("closed", "completed", "allocbot")
    [record] = [r for r in world.export() if r["status"] == "applied"]
    assert record["allocations"] == [{"payment_id": "PY00000001", "invoice_number": "G000000001", "amount": "100.00",
                                      "currency": "USD"}]
    confirmation = world.outbox_messages()[-1]
    assert confirmation["To"].addresses[0].addr_spec == ANN and "G000000001" in body_text(confirmation)
    assert confirmation["In-Reply-To"] == answer.message_id
    assert any(e.action == "item_completed" for e in world.rows(AuditEvent) if e.inbound_id == asked.id)
    assert "G000000003 → G000000001" in answer.evidence


def test_the_case_reference_in_the_subject_is_enough_to_find_the_request(world):
    asked, question = first_cycle(world)
    case_ref = item_of(world, asked.id).case_ref
    world.deliver(answer_to(world, question, "The invoice is G000000001.", thread=False,
                            subject=f"Our payment ({case_ref})"))
    world.run()
    assert world.allocations() == [("PY00000001", "G000000001", 10000)]


def test_an_answer_that_is_still_wrong_asks_again_and_replaces_the_item(world):
    asked, question = first_cycle(world)
    world.deliver(answer_to(world, question, "Oh, it is G000000004."))
    world.run()
    answer = world.rows(InboundMessage)[-1]
    assert (answer.status, answer.reasons) == ("needs_info", "unknown_invoice")
    assert world.allocations() == []
    assert item_of(world, asked.id).resolution == "superseded"
    assert item_of(world, answer.id).status == "waiting"  # one open item, the newest: its question is out

    world.deliver(answer_to(world, world.outbox_messages()[-1], "Right one: G000000001"))
    world.run()
    assert world.allocations() == [("PY00000001", "G000000001", 10000)]
    assert item_of(world, answer.id).resolution == "completed"


def test_cancel_closes_the_open_request_and_tells_the_partner(world):
    asked, question = first_cycle(world)
    world.deliver(answer_to(world, question, "Please cancel this request, we will sort it out ourselves."))
    world.run()
    answer = world.rows(InboundMessage)[-1]
    assert answer.status == "cancelled" and world.allocations() == []
    assert item_of(world, asked.id).resolution == "cancelled"
    reply = world.outbox_messages()[-1]
    assert reply["To"].addresses[0].addr_spec == ANN and reply["In-Reply-To"] == answer.message_id
    assert "cancelled" in body_text(reply) and item_of(world, asked.id).case_ref in body_text(reply)


def test_a_negated_cancel_is_not_a_cancel(world):
    asked, question = first_cycle(world)
    world.deliver(answer_to(world, question, "Please do not cancel it, I will send the invoice number soon."))
    world.run()
    assert world.rows(InboundMessage)[-1].status != "cancelled"
    assert item_of(world, asked.id).resolution != "cancelled"


def test_nobody_else_can_answer_or_cancel_anns_request(world):
    asked, question = first_cycle(world)
    world.deliver(answer_to(world, question, "It is G000000001.", sender=TOM, name="Tom Seller"))  # sales contact of A1
    world.deliver(answer_to(world, question, "Please cancel.", sender=OLA, name="Ola Nordmann"))  # admin of A2
    world.deliver(answer_to(world, question, "It is G000000001.", sender="mallory@evil.example", name="Ann Admin"))
    world.run()
    assert world.allocations() == []
    assert (item_of(world, asked.id).status, item_of(world, asked.id).resolution) == ("waiting", "")
    assert {r.status for r in world.rows(InboundMessage)[1:]} <= {"review", "needs_info"}


def test_an_answer_after_a_person_closed_the_request_stands_on_its_own(world):
    asked, question = first_cycle(world)
    from sqlmodel import Session

    with Session(world.app.engine) as session:
        item = session.get(ReviewItem, item_of(world, asked.id).id)
        item.status, item.resolution, item.closed_by = "closed", "dismissed", "ops@billing.example"
        session.add(item)
        session.commit()
    world.deliver(answer_to(world, question, "It is G000000001."))
    world.run()
    assert world.allocations() == []  # the answer alone names no payment: nothing is completed
    assert item_of(world, asked.id).resolution == "dismissed"


def test_a_thank_you_for_a_confirmation_moves_nothing(world):
    world.deliver(request_mail(message_id="<ok@bluepeak.example>"))
    world.run()
    assert world.allocations() == [("PY00000001", "G000000001", 10000)]
    world.deliver(answer_to(world, world.outbox_messages()[-1], "Thanks, cancel nothing, all good!"))
    world.run()
    assert world.allocations() == [("PY00000001", "G000000001", 10000)]
    assert world.rows(InboundMessage)[-1].status not in ("applied", "cancelled")
