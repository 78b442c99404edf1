"""Adversarial review of two features: answers to open requests (bot/followups.py,
bot/deciding/conversation.py, bot/ledger/threads.py) and forwarded requests
(bot/reading/forwards.py), end to end on SQLite and PostgreSQL.

Each test states what a user relies on. A passing test is a defence that holds; a test
marked `xfail(strict=True)` demonstrates a defect (the reason says which promise it breaks)
and starts passing, loudly, once the defect is fixed.

The standard ledger (tests/integration/conftest.py): account A1 (USD) with Ann (billing
admin) and Tom (sales), invoices G000000001 (100.00) and G000000002 (250.00), payments
PY00000001 (100.00) and PY00000002 (500.00); account A2 (SEK) with Ola (billing admin),
invoice G000000009 and payment PY00000009 (900.00 each).
"""
from __future__ import annotations

import threading
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from sqlmodel import Session

import bot.followups
from bot.ledger import store
from bot.ledger.importer import import_ledger
from bot.ledger.tables import InboundMessage, ReviewItem
from bot.service import CycleReport, _decide_one, intake
from tests.integration.conftest import (ANN, BOT_ADDRESS, OLA, TOM, account, body_text, contact, request_mail,
                                        run_together, write_ledger)

LISA = "Lisa Berg <lisa@bluepeak.example>"  # Ann's colleague, not a registered contact
BEA = "bea@bluepeak.example"  # a second billing admin of A1 (only in the ledgers that add her)
PARTIAL = "Please allocate 50.00 USD of payment PY00000002 to invoice G000000002."  # may be applied more than once
PARTIAL_ONCE = [("PY00000002", "G000000002", 5000)]
TYPO = "Please allocate payment PY00000001 to invoice G000000003."  # G000000003 is nobody's invoice
UNTOUCHED = {"PY00000001": 10000, "PY00000002": 50000, "G000000001": 10000, "G000000002": 25000,
             "PY00000009": 90000, "G000000009": 90000}


# --------------------------------------------------------------------------- helpers

def quoted(text: str) -> str:
    return "\n".join("> " + line for line in text.splitlines())


def answer_to(reply: EmailMessage, body: str, *, sender: str = ANN, name: str = "Ann Admin", subject: str | None = None,
              thread: bool = True, message_id: str | None = None, auth: str = "pass") -> bytes:
    """The partner's answer to one of our replies, as a mail client writes it (the reply quoted)."""
    headers = {"In-Reply-To": reply["Message-ID"], "References": reply["Message-ID"]} if thread else {}
    return request_mail(sender, f"{body}\n\nOn Mon, 2 Nov 2026 the billing team wrote:\n{quoted(body_text(reply))}",
                        sender_name=name, subject=subject or f"Re: {reply['Subject']}", headers=headers,
                        message_id=message_id, auth=auth)


def ask(world, body: str = TYPO, *, sender: str = ANN, name: str = "Ann Admin", message_id: str | None = None):
    """A request that the bot answers with a question: (its stored row, the question we sent)."""
    world.deliver(request_mail(sender, body, sender_name=name, message_id=message_id))
    world.run()
    asked = world.rows(InboundMessage)[-1]
    assert asked.status == "needs_info", (asked.status, asked.reasons)
    question = world.outbox_messages()[-1]
    return asked, question


def applied(world, body: str = PARTIAL, *, message_id: str = "<r0@bluepeak.example>"):
    """A request the bot applies: (its stored row, our confirmation)."""
    world.deliver(request_mail(body=body, message_id=message_id))
    world.run()
    row = world.inbound(message_id)
    assert row.status == "applied", (row.status, row.reasons)
    return row, world.outbox_messages()[-1]


def item_of(world, inbound_id: int) -> ReviewItem:
    return next(i for i in world.review_items() if i.inbound_id == inbound_id)


def last(world) -> InboundMessage:
    return world.rows(InboundMessage)[-1]


def world_with_bea(make_world):
    """The standard ledger plus Bea, a second billing admin of A1 (contacts are upserted)."""
    world = make_world()
    with Session(world.app.engine) as session:
        import_ledger(session, write_ledger(world.root / "bea", accounts=[account("A1", "Bluepeak Cloud Inc.", "en", "USD")],
                                            contacts=[contact(ANN, "A1", "billing_admin", "Ann Admin"),
                                                      contact(BEA, "A1", "billing_admin", "Bea Admin"),
                                                      contact(TOM, "A1", "sales", "Tom Seller")]))
        session.commit()
    return world


def forward(note: str, separator_and_headers: str, forwarded_body: str, *, subject: str = "Fwd: Payment allocation",
            to: str = BOT_ADDRESS, sender: str = ANN, headers: dict[str, str] | None = None) -> bytes:
    """An inline forward: the sender's note, the client's separator and forwarded headers, the forwarded text."""
    return request_mail(sender, f"{note}\n\n{separator_and_headers}\n\n{forwarded_body}\n", subject=subject, to=to,
                        headers=headers)


def gmail_headers(frm: str, to: str, subject: str = "Payment allocation") -> str:
    return (f"---------- Forwarded message ---------\nFrom: {frm}\nDate: Mon, 2 Nov 2026 at 10:30\n"
            f"Subject: {subject}\nTo: {to}")


def html_mail(html: str, *, subject: str, sender: str = ANN, to: str = BOT_ADDRESS, headers: dict[str, str] | None = None) -> bytes:
    """request_mail with an HTML-only body."""
    msg = BytesParser(policy=policy.default).parsebytes(request_mail(sender, "x", subject=subject, to=to, headers=headers))
    msg.set_content(html, subtype="html")
    return msg.as_bytes()


def attach_message(outer: bytes, inner: bytes) -> bytes:
    """The outer message with `inner` attached as message/rfc822 (forward as attachment)."""
    msg = BytesParser(policy=policy.default).parsebytes(outer)
    msg.make_mixed()
    msg.add_attachment(BytesParser(policy=policy.default).parsebytes(inner))
    return msg.as_bytes()


# =========================================================================== answers

# ---- a reply that quotes an earlier, applied request ----------------------------------

QUOTE_STYLES = {
    "gmail_en": "On Mon, 2 Nov 2026 at 09:30, Ann Admin <ann@bluepeak.example> wrote:\n\n" + quoted(PARTIAL),
    "outlook_en_names_only": ("________________________________\nFrom: Ann Admin\nSent: Monday, November 2, 2026 9:30 AM\n"
                              "To: Billing allocations\nSubject: Payment allocation\n\n" + PARTIAL),
    "outlook_de_names_only": ("Von: Ann Admin\nGesendet: Montag, 2. November 2026 09:30\nAn: Billing allocations\n"
                              "Betreff: Payment allocation\n\n" + PARTIAL),
    "outlook_sv_names_only": ("Från: Ann Admin\nSkickat: den 2 november 2026 09:30\nTill: Billing allocations\n"
                              "Ämne: Payment allocation\n\n" + PARTIAL),
    "outlook_fr_names_only": ("De : Ann Admin\nEnvoyé : lundi 2 novembre 2026 09:30\nÀ : Billing allocations\n"
                              "Objet : Payment allocation\n\n" + PARTIAL),
    "outlook_es_names_only": ("De: Ann Admin\nEnviado: lunes, 2 de noviembre de 2026 09:30\nPara: Billing allocations\n"
                              "Asunto: Payment allocation\n\n" + PARTIAL),
    "outlook_nl_names_only": ("Van: Ann Admin\nVerzonden: maandag 2 november 2026 09:30\nAan: Billing allocations\n"
                              "Onderwerp: Payment allocation\n\n" + PARTIAL),
    "outlook_ja_with_addresses": ("差出人: Ann Admin <ann@bluepeak.example>\n送信日時: 2026年11月2日 9:30\n"
                                  "宛先: Billing allocations <allocations@billing.example>\n件名: Payment allocation\n\n" + PARTIAL),
    "outlook_ja_names_only": ("________________________________\n差出人: Ann Admin\n送信日時: 2026年11月2日 9:30\n"
                              "宛先: Billing allocations\n件名: Payment allocation\n\n" + PARTIAL),
}

@pytest.mark.parametrize("style", [
    *[s for s in QUOTE_STYLES if s != "outlook_ja_names_only"],
    "outlook_ja_names_only",
])
def test_a_chase_up_quoting_an_applied_request_never_applies_it_again(world, style):
    """A partner who replies to her own applied request ("any news?") in her mail client's
    language relies on the quoted request not being applied a second time."""
    r0, _ = applied(world)
    body = {"outlook_ja_names_only": "ご確認をお願いします。", "outlook_ja_with_addresses": "ご確認をお願いします。"}.get(
        style, "Any news on this one?")
    world.deliver(request_mail(body=f"{body}\n\n{QUOTE_STYLES[style]}\n", subject="RE: Payment allocation",
                               headers={"In-Reply-To": r0.message_id, "References": r0.message_id}))
    world.run()
    assert world.allocations() == PARTIAL_ONCE


def test_a_thank_you_to_a_confirmation_in_html_only_moves_nothing(world):
    """An HTML-only "thanks" quoting our confirmation (Outlook on the web's reply header)
    moves no money and does not claim anything was cancelled."""
    _, confirmation = applied(world)
    html = ("<html><body><p>Thanks a lot!</p><div id=\"divRplyFwdMsg\"><b>From:</b> Billing allocations<br>"
            "<b>Sent:</b> Monday, November 2, 2026<br><b>To:</b> Ann Admin<br><b>Subject:</b> Re: Payment allocation</div>"
            f"<div>{body_text(confirmation)}<br>{PARTIAL}</div></body></html>")
    world.deliver(html_mail(html, subject="RE: Payment allocation",
                            headers={"In-Reply-To": confirmation["Message-ID"], "References": confirmation["Message-ID"]}))
    world.run()
    assert world.allocations() == PARTIAL_ONCE and last(world).status not in ("applied", "cancelled")


def test_please_cancel_after_the_money_was_applied_is_not_reported_as_cancelled(world):
    """A partner who asks to cancel an allocation that was already applied must not be told
    it was cancelled (nothing open was there to cancel, and nothing was reversed)."""
    _, confirmation = applied(world)
    world.deliver(answer_to(confirmation, "Please cancel this, it was a mistake."))
    world.run()
    assert last(world).status != "cancelled"
    assert world.allocations() == PARTIAL_ONCE
    assert all(r.kind != "cancelled" for r in world.outbound())


# ---- what an answer says, read together with the request ------------------------------

def test_the_plain_correction_completes_the_request_once(world):
    """The happy path the rest of this file attacks: one answer, one allocation."""
    asked, question = ask(world)
    world.deliver(answer_to(question, "Sorry, it is G000000001."))
    world.run()
    assert world.allocations() == [("PY00000001", "G000000001", 10000)]
    assert item_of(world, asked.id).resolution == "completed"


def test_an_answer_ruling_an_invoice_out_does_not_apply_it(world):
    """"It is not G000000001, I will check" must never put the payment on G000000001."""
    ask(world)
    world.deliver(answer_to(world.outbox_messages()[-1],
                            "It is not G000000001, that one is settled. I will check with accounting and come back to you."))
    world.run()
    assert ("PY00000001", "G000000001", 10000) not in world.allocations()


def test_an_amount_stated_in_the_answer_is_not_dropped(world):
    """"It is G000000001, but only 40.00 of it" must not allocate 100.00."""
    ask(world)
    world.deliver(answer_to(world.outbox_messages()[-1], "It is G000000001, but please allocate only 40.00 USD to it."))
    world.run()
    assert world.allocations() in ([], [("PY00000001", "G000000001", 4000)])


def test_a_payment_named_in_the_answer_is_not_swapped_for_the_earlier_one(world):
    """"It is G000000001, paid from PY00000007" must not apply PY00000001 instead."""
    ask(world)
    world.deliver(answer_to(world.outbox_messages()[-1], "It is G000000001, paid from our payment PY00000007."))
    world.run()
    assert world.allocations() == []


def test_two_corrections_written_in_the_other_order_are_not_swapped(world):
    """Correcting two typos "in the other order" must not swap the amounts between the invoices."""
    ask(world, "Please allocate payment PY00000002 as follows:\nG000000003: 60.00 USD\nG000000004: 40.00 USD")
    world.deliver(answer_to(world.outbox_messages()[-1],
                            "Sorry: G000000004 should be G000000002, and G000000003 should be G000000001."))
    world.run()
    assert world.allocations() in ([], [("PY00000002", "G000000001", 6000), ("PY00000002", "G000000002", 4000)])


def test_a_new_request_in_the_thread_does_not_close_the_open_question_as_completed(world):
    """A partner who sends a different request in the same thread still expects her first
    request to be completed some day: it must stay in the queue."""
    asked, question = ask(world)
    world.deliver(answer_to(question, "I'll look the invoice up. Meanwhile please allocate payment PY00000002 "
                                      "to invoice G000000002."))
    world.run()
    assert world.allocations() == [("PY00000002", "G000000002", 25000)]
    assert item_of(world, asked.id).status == "waiting"  # still asked, still unanswered


def test_a_second_request_in_the_thread_is_not_merged_into_the_first(world):
    """Two requests in one thread, each with its own payment: each payment goes where its
    own request said, never the other's."""
    ask(world)
    world.deliver(answer_to(world.outbox_messages()[-1], "Also, please allocate payment PY00000002 to invoice G000000005."))
    world.run()
    world.deliver(answer_to(world.outbox_messages()[-1], "Sorry, G000000005 should be G000000002."))
    world.run()
    assert ("PY00000001", "G000000002", 10000) not in world.allocations()


def test_an_html_only_answer_completes_the_request_once(world):
    """An HTML-only answer (Gmail, our question in a gmail_quote block) completes the request,
    and the quoted question is not read."""
    asked, question = ask(world)
    html = ("<div dir=\"ltr\">Sorry, it is G000000001.</div><br><div class=\"gmail_quote\"><div class=\"gmail_attr\">"
            "On Mon, 2 Nov 2026 Billing allocations wrote:</div><blockquote class=\"gmail_quote\">"
            f"{body_text(question)}</blockquote></div>")
    world.deliver(html_mail(html, subject=f"Re: {question['Subject']}",
                            headers={"In-Reply-To": question["Message-ID"], "References": question["Message-ID"]}))
    world.run()
    assert world.allocations() == [("PY00000001", "G000000001", 10000)]
    assert item_of(world, asked.id).resolution == "completed"


def test_an_answer_to_a_forwarded_request_completes_it_once(world):
    """The open request was a forward (Lisa's text, read as Ann's): Ann's answer completes
    that forwarded request, once, with Ann's authority."""
    world.deliver(forward("Please handle the below.", gmail_headers(LISA, "Ann Admin <ann@bluepeak.example>"), TYPO))
    world.run()
    asked = last(world)
    assert asked.status == "needs_info"
    world.deliver(answer_to(world.outbox_messages()[-1], "It is G000000001."))
    world.deliver(answer_to(world.outbox_messages()[-1], "It is G000000001."))
    world.run()
    assert world.allocations() == [("PY00000001", "G000000001", 10000)]
    assert item_of(world, asked.id).resolution == "completed"


def test_an_answer_naming_another_accounts_invoice_moves_nothing(world):
    """Ann's answer naming A2's invoice completes her request, and the completed request is
    held: her payment never goes onto another account's invoice."""
    asked, question = ask(world)
    world.deliver(answer_to(question, "Sorry, it is G000000009."))
    world.run()
    assert world.allocations() == [] and world.balances() == UNTOUCHED
    assert last(world).status == "review" and "cross_account" in last(world).reasons


def test_an_answer_naming_another_accounts_payment_moves_nothing(world):
    """Ann's correction of an unknown payment id to A2's payment is held, never applied."""
    asked, question = ask(world, "Please put payment PY00000003 on invoice G000000002.")
    assert "unknown_payment" in asked.reasons
    world.deliver(answer_to(question, "Wrong id, use PY00000009."))
    world.run()
    assert world.allocations() == [] and world.balances() == UNTOUCHED
    assert last(world).status == "review"


# ---- who may answer ---------------------------------------------------------------------

@pytest.mark.parametrize("body", ["Please cancel this.", "It is G000000001.", "It is G000000009."])
def test_another_accounts_admin_naming_the_case_reference_changes_nothing(world, body):
    """Ola (A2) who writes Ann's case reference in the subject neither cancels nor completes
    Ann's request, and moves no money of either account."""
    asked, _ = ask(world)
    case_ref = item_of(world, asked.id).case_ref
    world.deliver(request_mail(OLA, body, sender_name="Ola Nordmann", subject=f"Re: {case_ref} payment allocation"))
    world.run()
    assert (item_of(world, asked.id).status, item_of(world, asked.id).resolution) == ("waiting", "")
    assert world.allocations() == [] and world.balances() == UNTOUCHED
    assert last(world).status != "cancelled"


def test_ann_cannot_use_the_case_reference_of_olas_request(world):
    """Ann naming the case reference of A2's open request neither cancels it nor moves A2's money."""
    olas, _ = ask(world, "Betala PY00000009 till faktura G000000008.", sender=OLA, name="Ola Nordmann")
    case_ref = item_of(world, olas.id).case_ref
    for body in ("Please cancel.", "It is G000000009."):
        world.deliver(request_mail(ANN, body, subject=f"Re: {case_ref}"))
    world.run()
    assert (item_of(world, olas.id).status, item_of(world, olas.id).resolution) == ("waiting", "")
    assert world.allocations() == [] and world.balances() == UNTOUCHED


def test_a_spoofed_answer_cannot_cancel_or_complete(world):
    """A message with Ann's From address that fails DMARC is nobody's answer: the request
    stays open and no reply goes to Ann's address about it."""
    asked, question = ask(world)
    before = len(world.outbound())
    world.deliver(answer_to(question, "Please cancel this request.", auth="fail"))
    world.deliver(answer_to(question, "It is G000000001.", auth="fail"))
    world.run()
    assert (item_of(world, asked.id).status, item_of(world, asked.id).resolution) == ("waiting", "")
    assert world.allocations() == [] and len(world.outbound()) == before


def test_another_admin_of_the_same_account_may_complete_it_and_only_she_hears_back(make_world):
    """Bea, a billing admin of A1 like Ann, may answer Ann's question (both may move A1's
    money); the confirmation goes to Bea, the verified sender, and to nobody else."""
    world = world_with_bea(make_world)
    asked, question = ask(world)
    world.deliver(answer_to(question, "Ann is away; it is G000000001.", sender=BEA, name="Bea Admin"))
    world.run()
    assert world.allocations() == [("PY00000001", "G000000001", 10000)]
    confirmation = world.outbound()[-1]
    assert (confirmation.kind, confirmation.to_addr) == ("confirmation", BEA)


def test_a_sales_contact_cannot_cancel_anns_request_by_case_reference(world):
    """Tom (sales at A1) writing "cancel" with Ann's case reference changes nothing."""
    asked, _ = ask(world)
    world.deliver(request_mail(TOM, "Please cancel.", sender_name="Tom Seller",
                               subject=f"Re: {item_of(world, asked.id).case_ref}"))
    world.run()
    assert (item_of(world, asked.id).status, item_of(world, asked.id).resolution) == ("waiting", "")


# ---- which request an answer answers -------------------------------------------------------

def test_an_answer_in_a_closed_thread_leaves_the_open_request_of_another_thread_alone(world):
    """Ann's reply in the thread of an applied request (closed) must not cancel or complete
    her other open request, asked in another thread."""
    _, confirmation = applied(world)
    asked, _ = ask(world)
    world.deliver(answer_to(confirmation, "Please cancel."))
    world.deliver(answer_to(confirmation, "It is G000000001."))
    world.run()
    assert (item_of(world, asked.id).status, item_of(world, asked.id).resolution) == ("waiting", "")
    assert world.allocations() == PARTIAL_ONCE


def test_chained_answers_apply_once_whatever_branch_of_the_thread_they_answer(world):
    """Ask, a still-wrong answer, then answers to both the old and the new question, each
    delivered twice: the payment is applied exactly once, to the invoice named last."""
    asked, q1 = ask(world, "Please allocate 50.00 USD of payment PY00000002 to invoice G000000003.")
    world.deliver(answer_to(q1, "Oh, it is G000000004."))
    world.run()
    first_answer = last(world)
    assert first_answer.status == "needs_info" and item_of(world, asked.id).resolution == "superseded"
    q2 = world.outbox_messages()[-1]
    world.deliver(answer_to(q1, "It is G000000002."))  # to the old question: its item is closed
    world.deliver(answer_to(q2, "It is G000000002."))
    world.deliver(answer_to(q2, "It is G000000002."))  # sent twice, another Message-ID
    world.run()
    assert world.allocations() == PARTIAL_ONCE
    assert item_of(world, first_answer.id).resolution == "completed"


def test_the_same_answer_delivered_twice_with_one_message_id_applies_once(world):
    """The same answer delivered two and three times (one Message-ID) is stored and decided once."""
    asked, question = ask(world)
    raw = answer_to(question, "It is G000000001.", message_id="<answer-1@bluepeak.example>")
    world.deliver(raw)
    world.deliver(raw)
    world.run()
    world.deliver(raw)
    world.run()
    assert world.allocations() == [("PY00000001", "G000000001", 10000)]
    assert len(world.rows(InboundMessage)) == 2


def test_a_correction_sent_twice_with_two_message_ids_applies_once(world):
    """The partner sends the same short correction twice (phone and desktop): the second
    finds the request closed and, alone, names no payment: nothing more moves."""
    ask(world, "Please allocate 50.00 USD of payment PY00000002 to invoice G000000003.")
    question = world.outbox_messages()[-1]
    world.deliver(answer_to(question, "It is G000000002."))
    world.run()
    world.deliver(answer_to(question, "It is G000000002."))
    world.run()
    assert world.allocations() == PARTIAL_ONCE


def test_a_restating_answer_sent_twice_with_two_message_ids_applies_once(world):
    """A partner who sends her restated answer twice (phone, then desktop) pays once."""
    ask(world, "Please allocate 50.00 USD of payment PY00000002 to invoice G000000003.")
    question = world.outbox_messages()[-1]
    for _ in range(2):
        world.deliver(answer_to(question, "Sorry! Please allocate 50.00 USD of payment PY00000002 to invoice G000000002."))
        world.run()
    assert world.allocations() == PARTIAL_ONCE


def test_two_answers_decided_at_the_same_moment_apply_once(world, monkeypatch):
    """Two workers deciding two different answers to one open question at once: the item is
    claimed by one of them; the other answer stands alone and moves nothing."""
    ask(world, "Please allocate 50.00 USD of payment PY00000002 to invoice G000000003.")
    question = world.outbox_messages()[-1]
    world.deliver(answer_to(question, "It is G000000002."))
    world.deliver(answer_to(question, "Sorry, it is G000000001."))
    intake(world.app, CycleReport())
    with Session(world.app.engine) as session:
        waiting = store.received_ids(session, limit=10)
    assert len(waiting) == 2
    concurrent = world.database_url.startswith("postgresql")
    barrier = threading.Barrier(2, timeout=20)
    real_claim = bot.followups._claim

    def claim_together(session, item, app):
        if concurrent:  # both answers found the open item before either claims it
            barrier.wait()
        return real_claim(session, item, app)

    monkeypatch.setattr(bot.followups, "_claim", claim_together)

    def decide(inbound_id: int) -> None:
        with Session(world.app.engine) as session:
            row = store.claim_inbound(session, inbound_id=inbound_id)
            assert row is not None
            _decide_one(session, world.app, row)
            session.commit()

    assert run_together(decide, waiting) == []
    allocations = world.allocations()
    assert allocations in (PARTIAL_ONCE, [("PY00000002", "G000000001", 5000)])
    assert sorted(r.status for r in world.rows(InboundMessage)[1:]).count("applied") == 1


# ---- cancel ------------------------------------------------------------------------------

def test_a_disclaimer_in_the_signature_is_not_a_cancel(world):
    """A partner's usual confidentiality footer never cancels her open request."""
    asked, question = ask(world)
    world.deliver(answer_to(question, "Thanks, I'll check with accounting and come back to you.\n\n"
                                      "Ann\n--\nConfidential: if you received this e-mail by mistake, please disregard it."))
    world.run()
    assert last(world).status != "cancelled"
    assert item_of(world, asked.id).resolution != "cancelled"


def test_news_that_an_invoice_was_cancelled_is_not_a_cancel(world):
    """News about an invoice ("it was cancelled and reissued") is not a request to cancel."""
    asked, question = ask(world)
    world.deliver(answer_to(question, "That invoice was cancelled and reissued, I will send you the new number tomorrow."))
    world.run()
    assert item_of(world, asked.id).resolution != "cancelled"


@pytest.mark.parametrize("body", ["Sorry, please disregard the typo: it is G000000001.",
                                  "Please cancel the G000000003, it should be G000000001."])
def test_a_correction_worded_with_a_cancel_word_is_a_completion_not_a_cancel(world, body):
    """"Disregard the typo, it is G000000001" is the correction it says it is."""
    asked, question = ask(world)
    world.deliver(answer_to(question, body))
    world.run()
    assert item_of(world, asked.id).resolution != "cancelled"
    assert world.allocations() == [("PY00000001", "G000000001", 10000)]


def test_a_cancel_hidden_in_the_quoted_history_is_not_read(world):
    """The word "cancel" only in the quoted text (our question, an earlier mail) is history."""
    asked, question = ask(world)
    raw = request_mail(body="I will send the invoice number later.\n\nOn Sun, 1 Nov 2026 Ann Admin wrote:\n"
                            "> Please cancel everything from last week.\n" + quoted(body_text(question)),
                       subject=f"Re: {question['Subject']}",
                       headers={"In-Reply-To": question["Message-ID"], "References": question["Message-ID"]})
    world.deliver(raw)
    world.run()
    assert item_of(world, asked.id).resolution != "cancelled" and last(world).status != "cancelled"


# =========================================================================== forwards

def test_a_forwarded_colleagues_request_is_proposed_and_held_never_applied_by_itself(world):
    """The happy path: Ann hands on Lisa's request; it is read as Ann's, applied once, and
    the evidence names Lisa."""
    world.deliver(forward("Please handle the below.", gmail_headers(LISA, "Ann Admin <ann@bluepeak.example>"), PARTIAL))
    world.run()
    assert world.allocations() == [] and last(world).reasons == "forwarded_request"  # a person approves it
    assert "lisa@bluepeak.example" in last(world).evidence


def test_a_forward_of_a_request_already_sent_to_the_mailbox_is_not_applied_again(world):
    """Ann chases up her own request by forwarding it ("please handle the below"): the
    forwarded headers name the mailbox, so it is history the bot has read."""
    applied(world)
    world.deliver(forward("Please handle the below.", gmail_headers("Ann Admin <ann@bluepeak.example>",
                                                                    "Billing allocations <allocations@billing.example>"),
                          PARTIAL))
    world.run()
    assert world.allocations() == PARTIAL_ONCE


def test_an_outlook_names_only_forward_of_an_applied_request_is_not_applied_again(world):
    """Ann chases up her applied request with an Outlook forward that shows names only."""
    applied(world)
    world.deliver(forward("Please process the below, thanks.",
                          "________________________________\nFrom: Ann Admin\nSent: Monday, November 2, 2026 9:30 AM\n"
                          "To: Allocations mailbox\nSubject: Payment allocation", PARTIAL, subject="FW: Payment allocation"))
    world.run()
    assert world.allocations() == PARTIAL_ONCE


def test_a_bcc_forward_of_a_request_to_the_mailbox_is_not_applied_again(world):
    """Ann forwards her applied request to Lisa with the mailbox in Bcc: it must not pay twice."""
    applied(world)
    world.deliver(forward("Please handle the below.", gmail_headers("Ann Admin <ann@bluepeak.example>",
                                                                    "Billing allocations <allocations@billing.example>"),
                          PARTIAL, to=LISA))  # the mailbox got it by Bcc
    world.run()
    assert world.allocations() == PARTIAL_ONCE


def test_an_attached_copy_of_a_stored_request_is_not_applied_again(world):
    """A request the bot already stored, attached again (mailbox in Bcc), is not paid twice."""
    applied(world, message_id="<r0@bluepeak.example>")
    original = request_mail(body=PARTIAL, message_id="<r0@bluepeak.example>")
    world.deliver(attach_message(request_mail(body="Please take care of the attached request.", to=LISA,
                                              subject="Payment allocation"), original))
    world.run()
    assert world.allocations() == PARTIAL_ONCE


def test_an_attached_copy_of_a_stored_request_sent_to_the_mailbox_is_not_applied_again(world):
    """The same, addressed to the mailbox: the attached message's To names it."""
    applied(world, message_id="<r0@bluepeak.example>")
    original = request_mail(body=PARTIAL, message_id="<r0@bluepeak.example>")
    world.deliver(attach_message(request_mail(body="Please take care of the attached request.", subject="Payment allocation"),
                                 original))
    world.run()
    assert world.allocations() == PARTIAL_ONCE


def test_a_forward_of_our_confirmation_is_not_read_as_a_request(world):
    """Ann forwards our confirmation back ("please handle the below"): our own text is never
    read as a new request."""
    _, confirmation = applied(world)
    world.deliver(forward("Please handle the below.", gmail_headers("Billing allocations <allocations@billing.example>",
                                                                    "Ann Admin <ann@bluepeak.example>", "Re: Payment allocation"),
                          body_text(confirmation)))
    world.run()
    assert world.allocations() == PARTIAL_ONCE


def test_a_forward_of_a_forward_that_was_applied_is_not_applied_again(world):
    """Lars forwarded Lisa's request to the mailbox (applied); Ann forwards Lars's forward:
    the inner forward names the mailbox, and a forward inside a forward is history anyway."""
    lars_forward = gmail_headers(LISA, "Lars <lars@bluepeak.example>") + "\n\n" + PARTIAL
    world.deliver(forward("Please handle the below.", gmail_headers(LISA, "Ann Admin <ann@bluepeak.example>"), PARTIAL))
    world.run()
    assert world.allocations() == []  # a forward is held for a person
    world.deliver(forward("Please handle the below.",
                          gmail_headers("Ann Admin <ann@bluepeak.example>", "Billing allocations <allocations@billing.example>",
                                        "Fwd: Payment allocation"),
                          "Please handle the below.\n\n" + lars_forward, subject="Fwd: Fwd: Payment allocation"))
    world.deliver(forward("Please handle the below.", gmail_headers("Lars <lars@bluepeak.example>", "Ann Admin <ann@bluepeak.example>",
                                                                    "Fwd: Payment allocation"),
                          "FYI\n\n" + lars_forward, subject="Fwd: Fwd: Payment allocation"))
    world.run()
    assert world.allocations() == []


def test_fwd_over_a_reply_body_reads_no_quoted_request(world):
    """"Fwd:" in the subject of what is really a reply quoting an applied request: the
    quoted request is history, never a forwarded request."""
    applied(world)
    world.deliver(request_mail(body="Please handle.\n\nOn Mon, 2 Nov 2026 at 09:30, Ann Admin <ann@bluepeak.example> wrote:\n"
                                    + quoted(PARTIAL), subject="Fwd: Re: Payment allocation"))
    world.run()
    assert world.allocations() == PARTIAL_ONCE


LOCALIZED = {  # (subject prefix, note, separator and headers naming Lisa and Ann)
    "de_outlook": ("WG:", "Bitte erledigen.", "-----Ursprüngliche Nachricht-----\nVon: Lisa Berg <lisa@bluepeak.example>\n"
                   "Gesendet: Montag, 2. November 2026 09:30\nAn: Ann Admin <ann@bluepeak.example>\nBetreff: Zahlung"),
    "sv_outlook": ("VB:", "Kan ni ta hand om nedanstående?", "Från: Lisa Berg <lisa@bluepeak.example>\n"
                   "Skickat: den 2 november 2026 09:30\nTill: Ann Admin <ann@bluepeak.example>\nÄmne: Betalning"),
    "fr_gmail": ("TR :", "Merci de traiter.", "---------- Message transféré ---------\nDe : Lisa Berg <lisa@bluepeak.example>\n"
                 "Date: lun. 2 nov. 2026 à 09:30\nSubject: Paiement\nTo: Ann Admin <ann@bluepeak.example>"),
    "es_outlook": ("RV:", "Por favor, gestionadlo.", "-----Mensaje original-----\nDe: Lisa Berg <lisa@bluepeak.example>\n"
                   "Enviado: lunes, 2 de noviembre de 2026 09:30\nPara: Ann Admin <ann@bluepeak.example>\nAsunto: Pago"),
    "nl_apple": ("Doorst:", "Graag verwerken.", "Begin doorgestuurd bericht:\n\nVan: Lisa Berg <lisa@bluepeak.example>\n"
                 "Onderwerp: Betaling\nDatum: 2 november 2026 om 09:30:00 CET\nAan: Ann Admin <ann@bluepeak.example>"),
    "ja_outlook": ("転送:", "よろしくお願いします。", "-----Original Message-----\n差出人: Lisa Berg <lisa@bluepeak.example>\n"
                   "送信日時: 2026年11月2日 9:30\n宛先: Ann Admin <ann@bluepeak.example>\n件名: お支払い"),
}


@pytest.mark.parametrize("client", sorted(LOCALIZED))
def test_a_localized_forward_is_read_and_held_and_its_copy_to_the_mailbox_never_applied(world, client):
    """Forwards written by German, Swedish, French, Spanish, Dutch and Japanese clients: a
    colleague's request is applied once; the same forward sent again (a new Message-ID) does
    not apply it twice: the payment is spent, or the invoice lacks the money."""
    prefix, note, headers = LOCALIZED[client]
    world.deliver(forward(note, headers, PARTIAL, subject=f"{prefix} Payment"))
    world.run()
    assert world.allocations() == [] and last(world).reasons == "forwarded_request", last(world).reasons  # read, held
    to_mailbox = headers.replace("Ann Admin <ann@bluepeak.example>", "Billing allocations <allocations@billing.example>")
    world.deliver(forward(note, to_mailbox, PARTIAL, subject=f"{prefix} Payment"))
    world.run()
    assert world.allocations() == []


MAILBOX_IN_CC = {  # the forwarded message had the mailbox in Cc, as each client writes that line
    "sv_outlook_kopia": "Från: Lisa Berg <lisa@bluepeak.example>\nSkickat: den 2 november 2026 09:30\n"
                        "Till: Ann Admin <ann@bluepeak.example>\nKopia: Billing allocations <allocations@billing.example>\n"
                        "Ämne: Betalning",
    "de_apple_kopie": "Anfang der weitergeleiteten Nachricht:\n\nVon: Lisa Berg <lisa@bluepeak.example>\nBetreff: Zahlung\n"
                      "Datum: 2. November 2026 um 09:30:00 MEZ\nAn: Ann Admin <ann@bluepeak.example>\n"
                      "Kopie: Billing allocations <allocations@billing.example>",
    "fr_outlook_wrapped_to": "De : Lisa Berg <lisa@bluepeak.example>\nEnvoyé : lundi 2 novembre 2026 09:30\n"
                             "À : Ann Admin <ann@bluepeak.example>; Bo <bo@bluepeak.example>;\n"
                             " Billing allocations <allocations@billing.example>\nObjet : Paiement",
    "es_outlook_cc": "De: Lisa Berg <lisa@bluepeak.example>\nEnviado: lunes, 2 de noviembre de 2026 09:30\n"
                     "Para: Ann Admin <ann@bluepeak.example>\nCC: Billing allocations <allocations@billing.example>\nAsunto: Pago",
    "nl_outlook_cc": "-----Oorspronkelijk bericht-----\nVan: Lisa Berg <lisa@bluepeak.example>\nVerzonden: maandag 2 november 2026\n"
                     "Aan: Ann Admin <ann@bluepeak.example>\nCC: allocations@billing.example\nOnderwerp: Betaling",
    "ja_apple_cc": "転送されたメッセージ:\n\n差出人: Lisa Berg <lisa@bluepeak.example>\n件名: お支払い\n"
                   "日付: 2026年11月2日 9:30:00 JST\n宛先: Ann Admin <ann@bluepeak.example>\n"
                   "Cc: Billing allocations <allocations@billing.example>",
}


@pytest.mark.parametrize("client", sorted(MAILBOX_IN_CC))
def test_a_forward_of_a_request_that_copied_the_mailbox_is_not_applied_again(world, client):
    """Lisa's request went to Ann with the mailbox in Cc (or at the end of a wrapped To line)
    and was read then; Ann's forward of it is history, in every client's language."""
    applied(world)
    world.deliver(forward("Please handle the below.", MAILBOX_IN_CC[client], PARTIAL))
    world.run()
    assert world.allocations() == PARTIAL_ONCE


def test_an_html_only_forward_is_held_not_guessed(world):
    """An HTML-only Gmail forward: the forwarded part sits in a gmail_quote block, which is
    cut as quoted history, so nothing is applied (the request is asked again, not guessed)."""
    html = ("<div dir=\"ltr\">Please handle the below.</div><br><div class=\"gmail_quote\"><div dir=\"ltr\" "
            "class=\"gmail_attr\">---------- Forwarded message ---------<br>From: <strong>Lisa Berg</strong> "
            "&lt;lisa@bluepeak.example&gt;<br>Date: Mon, 2 Nov 2026 at 09:30<br>Subject: Payment allocation<br>"
            f"To: Ann Admin &lt;ann@bluepeak.example&gt;<br></div><br><div dir=\"ltr\">{PARTIAL}</div></div>")
    world.deliver(html_mail(html, subject="Fwd: Payment allocation"))
    world.run()
    assert world.allocations() == [] and last(world).status in ("needs_info", "review")


def test_an_html_only_outlook_forward_of_a_request_to_the_mailbox_is_not_applied_again(world):
    """An HTML-only Outlook forward (names only) of an applied request: the forwarded part is
    cut as quoted history (divRplyFwdMsg), so it is not paid twice."""
    applied(world)
    html = ("<p>Please process the below.</p><div id=\"divRplyFwdMsg\"><b>From:</b> Ann Admin<br><b>Sent:</b> Monday, "
            "November 2, 2026 9:30 AM<br><b>To:</b> Billing allocations<br><b>Subject:</b> Payment allocation</div>"
            f"<div><p>{PARTIAL}</p></div>")
    world.deliver(html_mail(html, subject="FW: Payment allocation"))
    world.run()
    assert world.allocations() == PARTIAL_ONCE


def test_a_forwarded_request_about_another_accounts_money_is_held(world):
    """Ann forwards Ola's request about A2's payment and invoice: read as Ann's, and Ann may
    not move A2's money."""
    world.deliver(forward("Please handle the below.", gmail_headers("Ola Nordmann <ola@nordvik.example>",
                                                                    "Ann Admin <ann@bluepeak.example>"),
                          "Please allocate payment PY00000009 to invoice G000000009."))
    world.run()
    assert world.allocations() == [] and world.balances() == UNTOUCHED
    assert last(world).status == "review"


def test_a_forward_by_a_sales_contact_moves_nothing(world):
    """Tom (sales) forwarding Ann's request does not borrow Ann's authority."""
    world.deliver(forward("Please handle the below.", gmail_headers("Ann Admin <ann@bluepeak.example>",
                                                                    "Tom Seller <tom@bluepeak.example>"), PARTIAL,
                          sender=TOM))
    world.run()
    assert world.allocations() == [] and last(world).status == "review"


def test_an_inbox_rule_forwarding_an_outsiders_mail_moves_no_money(world):
    """An outsider who mails Ann, whose inbox rule forwards to the mailbox, moves no money."""
    world.deliver(forward("", gmail_headers("Accounts <mallory@evil.example>", "Ann Admin <ann@bluepeak.example>"), PARTIAL,
                          subject="FW: Payment allocation",
                          headers={"X-MS-Exchange-Inbox-Rules-Loop": ANN}))
    world.run()
    assert world.allocations() == []


def test_a_forward_in_an_open_thread_with_a_case_reference_of_another_account_moves_nothing(world):
    """Ann forwards Lisa's request with the case reference of Ola's (A2's) open request in
    the subject: Ola's request is untouched, and A2's money never moves."""
    olas, _ = ask(world, "Betala PY00000009 till faktura G000000008.", sender=OLA, name="Ola Nordmann")
    case_ref = item_of(world, olas.id).case_ref
    world.deliver(forward("Please handle the below.", gmail_headers(LISA, "Ann Admin <ann@bluepeak.example>"),
                          "Please cancel. It is G000000009.", subject=f"Fwd: {case_ref}"))
    world.run()
    assert (item_of(world, olas.id).status, item_of(world, olas.id).resolution) == ("waiting", "")
    assert world.allocations() == [] and world.balances() == UNTOUCHED
