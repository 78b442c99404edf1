"""One cycle end to end on a real database (SQLite and PostgreSQL), a real Maildir and a file
outbox: what partners and billing operations see after the bot has read its mailbox."""
from __future__ import annotations

import re
import threading
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

import bot.handling.judge
import bot.handling.record
import bot.service
from bot.replies.file import FileOutbox
from bot.replies.outbox import Connectionless, DeliveryError
from tests.integration.conftest import (
    choke_on_subject,
    ANN, BOT_ADDRESS, TOM, BotWorld, body_text, parse_mail, request_mail,
)

APPLY_PY1_G1 = "Please allocate payment PY00000001 to invoice G000000001."


def maildir_files(world: BotWorld, sub: str) -> list[Path]:
    return sorted(p for p in (world.maildir / sub).iterdir() if p.is_file())


# --------------------------------------------------------------------------- applied

def test_an_applied_request_moves_the_money_and_confirms_to_the_sender_only(world):
    raw = request_mail(body=APPLY_PY1_G1, message_id="<req-1@bluepeak.example>",
                       headers={"Reply-To": "someone-else@attacker.example", "Cc": "colleague@bluepeak.example"})
    delivered = world.deliver(raw)
    before = world.balances()

    report = world.run()

    assert report.decided == {"applied": 1} and report.sent == 1
    # the ledger: one allocation, both balances lowered by it
    assert world.allocations() == [("PY00000001", "G000000001", 100_00)]
    after = world.balances()
    assert after["PY00000001"] == before["PY00000001"] - 100_00 == 0
    assert after["G000000001"] == before["G000000001"] - 100_00 == 0
    assert after["PY00000002"] == before["PY00000002"] and after["G000000002"] == before["G000000002"]
    # the stored request
    inbound = world.inbound("<req-1@bluepeak.example>")
    assert (inbound.status, inbound.account_id, inbound.raw) == ("applied", "A1", raw)
    # exactly one reply, to the From address only, threaded and marked as machine mail
    [reply] = world.outbox_messages()
    assert [a.addr_spec for a in reply["To"].addresses] == [ANN]
    assert reply["Cc"] is None and reply["Bcc"] is None
    assert reply["In-Reply-To"] == "<req-1@bluepeak.example>"
    assert "<req-1@bluepeak.example>" in reply["References"]
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["X-Allocbot-Loop"] == BOT_ADDRESS
    assert reply["From"].addresses[0].addr_spec == BOT_ADDRESS
    assert "PY00000001" in body_text(reply) and "G000000001" in body_text(reply)
    [outbound] = world.outbound()
    assert (outbound.kind, outbound.status, outbound.to_addr) == ("confirmation", "sent", ANN)
    # the mail itself: moved to cur/ as Seen, bytes untouched, never deleted
    assert maildir_files(world, "new") == []
    [kept] = maildir_files(world, "cur")
    assert kept.name == f"{delivered.name}:2,S"
    assert kept.read_bytes() == raw


def test_the_same_mail_delivered_twice_is_applied_once(world):
    raw = request_mail(body=APPLY_PY1_G1.replace("PY00000001", "PY00000002"), message_id="<twice@bluepeak.example>")
    world.deliver(raw)
    world.deliver(raw)  # same bytes, second file (a redelivery)
    report = world.run()
    # ... and once more later, with other trace headers in front (a relay retried)
    world.deliver(b"Received: from relay2.example by mx.billing.example; Tue, 3 Nov 2026 10:00:00 +0000\r\n" + raw)
    later = world.run()

    assert (report.stored, report.duplicates, later.stored, later.duplicates) == (1, 1, 0, 1)
    assert world.allocations() == [("PY00000002", "G000000001", 100_00)]
    assert world.balances()["PY00000002"] == 400_00
    assert len(world.outbox_files()) == 1 and len(world.outbound()) == 1
    [record] = [r for r in world.export() if r["message_id"] == "<twice@bluepeak.example>"]
    assert len(record["allocations"]) == 1 and len(record["replies"]) == 1
    assert len(world.export()) == 1
    assert maildir_files(world, "new") == [] and len(maildir_files(world, "cur")) == 3  # every copy kept


def test_a_cycle_without_new_mail_changes_nothing(world):
    world.deliver(request_mail(body=APPLY_PY1_G1))
    world.deliver(request_mail(sender=TOM, sender_name="Tom Seller", body=APPLY_PY1_G1))
    world.run()
    counts, balances, export = world.table_counts(), world.balances(), world.export()
    files = {p.name: p.read_bytes() for p in world.outbox_files()}

    report = world.run()

    assert (report.stored, report.duplicates, sum(report.decided.values()), report.sent, report.failed) == (0, 0, 0, 0, 0)
    assert world.table_counts() == counts
    assert world.balances() == balances
    assert world.export() == export
    assert {p.name: p.read_bytes() for p in world.outbox_files()} == files


# --------------------------------------------------------------------------- machine mail

def auto_reply() -> bytes:
    return request_mail(subject="Automatic reply: Payment allocation", body="I am out of the office.\n\n> " + APPLY_PY1_G1,
                        headers={"Auto-Submitted": "auto-replied"})


def bounce() -> bytes:
    original = parse_mail(request_mail(sender=BOT_ADDRESS, body=APPLY_PY1_G1))
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = "Mail Delivery System <MAILER-DAEMON@mx.bluepeak.example>"
    msg["To"] = BOT_ADDRESS
    msg["Subject"] = "Undelivered Mail Returned to Sender"
    msg["Message-ID"] = "<bounce-1@mx.bluepeak.example>"
    msg.set_content("This is the mail system at host mx.bluepeak.example.\n\n" + APPLY_PY1_G1)
    msg.add_attachment(original)
    msg.replace_header("Content-Type", 'multipart/report; report-type=delivery-status; boundary="b1"')
    return msg.as_bytes()


def list_mail() -> bytes:
    return request_mail(body=APPLY_PY1_G1, headers={"List-Id": "Billing partners <partners.lists.bluepeak.example>",
                                                    "List-Unsubscribe": "<mailto:leave@lists.bluepeak.example>"})


@pytest.mark.parametrize(("make", "reason"), [(auto_reply, "auto_reply"), (bounce, "bounce"), (list_mail, "list_mail")])
def test_machine_mail_is_recorded_as_ignored_and_never_answered(world, make, reason):
    raw = make()
    world.deliver(raw)
    before = world.balances()

    report = world.run()

    assert report.decided == {"ignored": 1}
    [record] = world.export()
    assert record["status"] == "ignored" and reason in record["reasons"]
    assert record["allocations"] == [] and record["replies"] == []
    assert world.balances() == before
    assert world.outbox_files() == [] and world.outbound() == []
    assert len(maildir_files(world, "cur")) == 1


def test_our_own_reply_coming_back_is_ignored(world):
    world.deliver(request_mail(body=APPLY_PY1_G1))
    world.run()
    [reply_file] = world.outbox_files()
    world.deliver(reply_file.read_bytes())  # e.g. a partner's rule forwards it back unchanged

    report = world.run()

    assert report.decided == {"ignored": 1} and report.sent == 0
    assert len(world.outbox_files()) == 1 and len(world.outbound()) == 1
    assert world.export()[-1]["status"] == "ignored"


# --------------------------------------------------------------------------- failures

def test_a_message_the_parser_chokes_on_goes_to_review_and_the_cycle_goes_on(world, monkeypatch):
    choke_on_subject(monkeypatch)
    world.deliver(request_mail(subject="CHOKE on this", body=APPLY_PY1_G1, message_id="<choke@bluepeak.example>"))
    world.deliver(request_mail(body=APPLY_PY1_G1, message_id="<fine@bluepeak.example>"))

    report = world.run()

    assert report.decided == {"error": 1, "applied": 1}
    bad, good = world.inbound("<choke@bluepeak.example>"), world.inbound("<fine@bluepeak.example>")
    assert bad.status == "error" and "RecursionError" in bad.error
    assert [(item.inbound_id, item.status, item.case_ref) for item in world.review_items()] == [(bad.id, "open", f"ALC-{bad.id:06d}")]
    assert good.status == "applied"
    assert world.allocations() == [("PY00000001", "G000000001", 100_00)]
    assert [r.inbound_id for r in world.outbound()] == [good.id]
    assert maildir_files(world, "new") == []
    # the failed message is kept for a person, not retried on every cycle
    again = world.run()
    assert sum(again.decided.values()) == 0 and world.inbound("<choke@bluepeak.example>").status == "error"


def test_a_failure_after_applying_rolls_the_allocations_back(world, monkeypatch):
    """The allocations, the outcome and the reply are one transaction: a crash between them
    must leave the ledger as it was (else the next attempt could apply the money again)."""
    def broken_queue_reply(*args, **kwargs):
        raise RuntimeError("template store unavailable")

    monkeypatch.setattr(bot.handling.record, "queue_reply", broken_queue_reply)
    world.deliver(request_mail(body="Please allocate 40.00 USD of payment PY00000002 to invoice G000000002.",
                               message_id="<rollback@bluepeak.example>"))
    before = world.balances()

    report = world.run()

    assert report.decided == {"error": 1}
    assert world.allocations() == []
    assert world.balances() == before
    assert world.inbound("<rollback@bluepeak.example>").status == "error"
    assert world.outbound() == []


class FlakyOutbox(Connectionless):
    """A transport that refuses the first `failures` messages, then delivers to a folder."""

    name = "flaky"

    def __init__(self, folder: Path, *, failures: int = 1, permanent: bool = False) -> None:
        self.files = FileOutbox(folder)
        self.failures, self.permanent = failures, permanent
        self.attempts: list[str] = []

    def send(self, raw: bytes, *, to: str, message_id: str) -> None:
        self.attempts.append(message_id)
        if self.failures:
            self.failures -= 1
            raise DeliveryError("421 4.3.2 service not available, try later" if not self.permanent
                                else "550 5.1.1 mailbox unavailable", permanent=self.permanent)
        self.files.send(raw, to=to, message_id=message_id)


def test_a_reply_the_transport_refuses_for_now_is_sent_once_its_retry_time_has_come(make_world, tmp_path):
    outbox = FlakyOutbox(tmp_path / "outbox", failures=1)
    world = make_world(outbox=outbox, retry_base_seconds=60)
    world.deliver(request_mail(body=APPLY_PY1_G1))

    first = world.run()

    assert (first.decided, first.sent, first.failed, first.deferred) == ({"applied": 1}, 0, 0, 1)
    [row] = world.outbound()
    assert (row.status, row.attempts) == ("pending", 1) and "421" in row.last_error
    assert 54 <= (row.next_attempt_at - row.created_at).total_seconds() <= 61  # 60 s, less up to 10 % jitter
    assert world.outbox_files() == []
    assert world.allocations() == [("PY00000001", "G000000001", 100_00)]  # the money moved regardless
    assert world.run().sent == 0 and outbox.attempts == [row.message_id]  # not before its time

    world.later(seconds=61)
    second = world.run()

    assert (second.sent, second.failed) == (1, 0)
    [row] = world.outbound()
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(world.outbox_files()) == 1
    assert outbox.attempts == [row.message_id, row.message_id]
    assert world.run().sent == 0  # sent once, never again


def test_a_reply_the_transport_refuses_for_good_is_marked_failed_and_not_retried(make_world, tmp_path):
    outbox = FlakyOutbox(tmp_path / "outbox", failures=1, permanent=True)
    world = make_world(outbox=outbox)
    world.deliver(request_mail(body=APPLY_PY1_G1))

    first = world.run()
    world.later(hours=1)
    world.run()

    assert (first.failed, first.deferred) == (1, 0)
    [row] = world.outbound()
    assert (row.status, row.attempts) == ("failed", 1) and "550" in row.last_error
    assert outbox.attempts == [row.message_id]
    assert world.outbox_files() == []


def test_a_reply_refused_for_now_until_the_give_up_time_is_failed_and_visible(make_world, tmp_path):
    outbox = FlakyOutbox(tmp_path / "outbox", failures=100)
    world = make_world(outbox=outbox, retry_base_seconds=60, retry_cap_seconds=600, retry_give_up_hours=1)
    world.deliver(request_mail(body=APPLY_PY1_G1))

    world.run()
    waits = []
    for _ in range(20):
        [row] = world.outbound()
        if row.status != "pending":
            break
        waits.append(round((row.next_attempt_at - world.now()).total_seconds()))
        world.later(seconds=(row.next_attempt_at - world.now()).total_seconds() + 1)
        world.run()

    [row] = world.outbound()
    assert row.status == "failed" and "421" in row.last_error
    assert all(later >= 0.9 * earlier - 1 for earlier, later in zip(waits, waits[1:]))  # backing off (10 % jitter)
    assert waits[2] >= 1.5 * waits[0]
    assert max(waits) <= 600 and waits[0] <= 60
    assert len(outbox.attempts) == row.attempts >= 4


# --------------------------------------------------------------------------- who may ask

@pytest.mark.parametrize(("sender", "auth", "reason"), [
    ("stranger@elsewhere.example", "pass", "unknown_sender"),
    (ANN, "fail", "sender_auth_failed"),  # looks like the billing admin, but our server says it is not
])
def test_unverified_senders_go_to_review_and_get_no_reply(world, sender, auth, reason):
    world.deliver(request_mail(sender=sender, auth=auth, body=APPLY_PY1_G1, message_id="<who@elsewhere.example>"))
    before = world.balances()

    report = world.run()

    assert report.decided == {"review": 1} and report.sent == 0
    inbound = world.inbound("<who@elsewhere.example>")
    assert inbound.status == "review" and reason in inbound.reasons.split(",")
    assert [item.inbound_id for item in world.review_items()] == [inbound.id]
    assert world.balances() == before and world.allocations() == []
    assert world.outbound() == [] and world.outbox_files() == []


def test_another_accounts_payment_is_never_moved(world):
    world.deliver(request_mail(body="Please allocate payment PY00000009 to invoice G000000001.",
                               message_id="<cross@bluepeak.example>"))
    before = world.balances()

    world.run()

    record = world.export()[0]
    assert record["status"] in ("review", "needs_info") and record["allocations"] == []
    assert world.balances() == before


def test_an_unknown_invoice_gets_a_question_naming_it(world):
    world.deliver(request_mail(body="Please allocate payment PY00000002 to invoice G999999999.",
                               message_id="<unknown-inv@bluepeak.example>"))

    report = world.run()

    assert report.decided == {"needs_info": 1}
    inbound = world.inbound("<unknown-inv@bluepeak.example>")
    assert "unknown_invoice" in inbound.reasons.split(",")
    assert world.allocations() == []
    [reply] = world.outbox_messages()
    assert [a.addr_spec for a in reply["To"].addresses] == [ANN]
    assert reply["In-Reply-To"] == "<unknown-inv@bluepeak.example>"
    assert "G999999999" in body_text(reply)
    assert [r.kind for r in world.outbound()] == ["needs_info"]


def test_a_request_held_for_review_is_acknowledged_with_its_case_reference(world):
    world.deliver(request_mail(sender=TOM, sender_name="Tom Seller", body=APPLY_PY1_G1, message_id="<tom@bluepeak.example>"))

    report = world.run()

    assert report.decided == {"review": 1}
    inbound = world.inbound("<tom@bluepeak.example>")
    assert "sender_not_authorized" in inbound.reasons.split(",")
    [item] = world.review_items()
    assert item.inbound_id == inbound.id and re.fullmatch(r"ALC-\d{6}", item.case_ref)
    [reply] = world.outbox_messages()
    assert [a.addr_spec for a in reply["To"].addresses] == [TOM]
    assert item.case_ref in body_text(reply)
    assert [r.kind for r in world.outbound()] == ["review_ack"]
    assert world.allocations() == []


# --------------------------------------------------------------------------- two workers

def test_two_workers_deciding_the_same_stored_message_apply_it_once(make_world, monkeypatch):
    """Both workers find the message waiting; each would apply it if nothing stopped the second."""
    first = make_world()
    first.deliver(request_mail(body="Please allocate 40.00 USD of payment PY00000002 to invoice G000000002."))
    bot.service.intake(first.app, bot.service.CycleReport())  # stored, not yet decided
    second = BotWorld(root=first.root, database_url=first.database_url, engines=first.engines)

    both_deciding = threading.Barrier(2)
    real_decide = bot.handling.judge.decide

    def decide_together(*args, **kwargs):
        try:  # give the other worker every chance to be deciding at the same moment
            both_deciding.wait(timeout=1)
        except threading.BrokenBarrierError:
            pass
        return real_decide(*args, **kwargs)

    monkeypatch.setattr(bot.handling.judge, "decide", decide_together)
    reports = [bot.service.CycleReport(), bot.service.CycleReport()]
    errors: list[BaseException] = []

    def work(world: BotWorld, report: bot.service.CycleReport) -> None:
        try:
            bot.service.decide_stored(world.app, report)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    apps = [first.app, second.app]  # built (and migrated) before the race starts
    threads = [threading.Thread(target=work, args=(w, r)) for w, r in zip((first, second), reports)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == [] and apps
    assert sum(r.decided["applied"] for r in reports) == 1
    assert sum(r.decided["error"] for r in reports) == 0
    assert first.allocations() == [("PY00000002", "G000000002", 40_00)]
    assert first.balances()["PY00000002"] == 460_00
    assert [r.kind for r in first.outbound()] == ["confirmation"]


class RecordingOutbox(Connectionless):
    """Records what it was asked to send; `during_send` runs inside one send (another worker)."""

    name = "recording"

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.during_send = None

    def send(self, raw: bytes, *, to: str, message_id: str) -> None:
        self.sent.append(message_id)
        if self.during_send is not None and len(self.sent) == 2:
            hook, self.during_send = self.during_send, None
            hook()


@pytest.mark.postgres
def test_two_workers_sending_the_outbox_never_send_a_reply_twice(postgres_database_url, tmp_path, engines):
    """While one worker is handing a reply to the transport, another worker's outbox run must
    not pick that reply (or any other the first one has claimed) up again."""
    mine, theirs = RecordingOutbox(), RecordingOutbox()
    first = BotWorld(root=tmp_path, database_url=postgres_database_url, engines=engines, outbox_adapter=mine)
    first.import_ledger()
    second = BotWorld(root=tmp_path, database_url=postgres_database_url, engines=engines, outbox_adapter=theirs)
    for n in range(3):
        first.deliver(request_mail(body=f"Please allocate 10.00 USD of payment PY00000002 to invoice G000000002. ({n})"))
    bot.service.intake(first.app, bot.service.CycleReport())
    bot.service.decide_stored(first.app, bot.service.CycleReport())
    assert len(first.outbound()) == 3
    mine.during_send = lambda: bot.service.send_outbox(second.app, bot.service.CycleReport())

    bot.service.send_outbox(first.app, bot.service.CycleReport())

    sends = mine.sent + theirs.sent
    assert sorted(sends) == sorted(r.message_id for r in first.outbound())  # each reply exactly once
    assert {r.status for r in first.outbound()} == {"sent"}
    assert all(r.attempts == 1 for r in first.outbound())


def test_a_message_without_message_id_is_not_mistaken_for_the_mail_it_quotes(world):
    """Dedup reads the message's own header; a Message-ID inside an attached or quoted message
    belongs to that other mail (some ERP systems send without a Message-ID of their own)."""
    earlier = request_mail(body=APPLY_PY1_G1, message_id="<earlier@bluepeak.example>")
    world.deliver(earlier)
    world.run()
    follow_up = parse_mail(request_mail(body="Please allocate payment PY00000002 to invoice G000000002.\n"))
    del follow_up["Message-ID"]
    follow_up.add_attachment(parse_mail(earlier))  # the earlier request, forwarded as an attachment

    report_one = world.run()
    world.deliver(follow_up.as_bytes(policy=policy.SMTP))
    report = world.run()

    assert sum(report_one.decided.values()) == 0
    assert (report.stored, report.duplicates) == (1, 0)
    assert len(world.export()) == 2
    assert world.export()[1]["message_id"] == ""
    assert world.export()[1]["status"] == "applied"


def test_a_folded_message_id_still_recognises_the_second_delivery(world):
    raw = request_mail(body=APPLY_PY1_G1, message_id="<folded@bluepeak.example>")
    folded = raw.replace(b"Message-ID: <folded@", b"Message-ID:\r\n <folded@")
    assert folded != raw
    world.deliver(folded)
    world.deliver(b"Received: from relay2.example by mx.billing.example; Tue, 3 Nov 2026 10:00:00 +0000\r\n" + folded)

    report = world.run()

    assert (report.stored, report.duplicates) == (1, 1)
    assert world.allocations() == [("PY00000001", "G000000001", 100_00)]
    assert len(world.outbox_files()) == 1


# --------------------------------------------------------------------------- stopping

def test_a_stop_request_finishes_the_message_in_hand_and_leaves_the_rest_waiting(world, monkeypatch):
    """SIGTERM sets the guard's stop event: the message being decided is committed whole,
    the next ones stay stored as `received` for the next worker run."""
    from bot.cycle import Guard

    guard = Guard()
    real_decide = bot.handling.judge.decide

    def decide_then_get_stopped(*args, **kwargs):
        guard.stop.set()  # the signal arrives while the first message is being decided
        return real_decide(*args, **kwargs)

    monkeypatch.setattr(bot.handling.judge, "decide", decide_then_get_stopped)
    for n in range(3):
        world.deliver(request_mail(body=f"Please allocate {10 + n}.00 USD of payment PY00000002 to invoice G000000002."))
    bot.service.intake(world.app, bot.service.CycleReport())

    report = bot.service.CycleReport()
    bot.service.decide_stored(world.app, report, guard)

    assert report.decided == {"applied": 1} and report.stopped == "stop requested"
    assert sorted(r["status"] for r in world.export()) == ["applied", "received", "received"]
    assert world.allocations() == [("PY00000002", "G000000002", 10_00)]
    monkeypatch.setattr(bot.handling.judge, "decide", real_decide)
    assert world.run().decided == {"applied": 2}  # the next run takes them up


def test_a_job_past_its_deadline_takes_no_new_message(world):
    import time

    from bot.cycle import Guard

    world.deliver(request_mail(body=APPLY_PY1_G1))
    report = bot.service.run_cycle(world.app, Guard(deadline=time.monotonic() - 1))

    assert report.stopped == "deadline" and sum(report.decided.values()) == 0
    assert [r["status"] for r in world.export()] == ["received"]  # stored, waiting, not lost


def test_an_unreachable_smtp_server_backs_each_reply_off_and_gives_up_in_time(make_world):
    """No connection at all counts as a refusal for each due reply: attempts, a growing wait,
    and after the give-up time the reply is failed and visible, never retried every 15 s forever."""
    from bot.endpoints import parse_endpoint
    from bot.replies.smtp import SmtpOutbox
    from tests.integration.smtp_server import free_port

    unreachable = SmtpOutbox(parse_endpoint(f"smtp://127.0.0.1:{free_port()}?tls=off"), envelope_from=BOT_ADDRESS, timeout=2)
    world = make_world(outbox=unreachable, retry_base_seconds=60, retry_give_up_hours=1)
    world.deliver(request_mail(body=APPLY_PY1_G1))

    first = world.run()
    [row] = world.outbound()
    assert (first.sent, first.deferred) == (0, 1)
    assert (row.status, row.attempts) == ("pending", 1) and "127.0.0.1" in row.last_error
    assert world.run().deferred == 0  # not due yet: no new attempt at the next cycle

    world.later(hours=1, seconds=1)
    world.run()

    [row] = world.outbound()
    assert row.status == "failed" and row.attempts == 2
