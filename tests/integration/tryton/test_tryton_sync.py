"""The loop with Tryton as the system of record: Tryton's ledger synced into allocbot, a partner's
request applied and posted to Tryton, the sync then reflecting it, and the partner confirmed
with the figures Tryton shows."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bot.ledger.tables import Posting
from bot.tryton.entering import load_ledger
from bot.posting.syncing import sync_ledger
from tests.integration.conftest import ANN, OLA, TOM, request_mail, standard_ledger


def sync(world, url, *, full=True):
    return sync_ledger(world.app, full=full).imported


def test_sync_request_post_and_confirm_with_tryton_s_figures(make_world, tryton_url, tmp_path):
    load_ledger(tryton_url, standard_ledger(tmp_path / "ledger"))
    world = make_world(billing=f"tryton:///{tryton_url.database}?config={tryton_url.config}")
    first = sync(world, tryton_url)
    assert sum(first.counts["invoices"]) == 3 and sum(first.counts["payments"]) == 3
    assert world.balances()["G000000002"] == 250_00 and world.balances()["PY00000002"] == 500_00

    world.deliver(request_mail(ANN, "Please allocate payment PY00000002 to invoice G000000002."))
    report = world.run()

    assert report.decided.get("applied") == 1 and report.posted == {"reflected": 1}
    [posting] = world.rows(Posting)
    assert posting.state == "reflected"
    [reply] = world.outbound()
    assert reply.kind == "confirmation"
    again = sync(world, tryton_url)
    assert again.reconciliation.discrepancies == [] and again.reconciliation.reflected == 1
    assert world.balances()["G000000002"] == 0 and world.balances()["PY00000002"] == 250_00


def test_the_sync_command_reads_tryton_and_says_what_it_imported(tryton_url, tmp_path):
    import os
    import subprocess

    from tests.integration.conftest import REPO, allocbot_command

    load_ledger(tryton_url, standard_ledger(tmp_path / "ledger"))
    env = {k: v for k, v in os.environ.items() if not (k.startswith("ALLOCBOT_") or k == "DATABASE_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'allocbot.db'}",
               ALLOCBOT_BILLING=f"tryton:///{tryton_url.database}?config={tryton_url.config}")
    done = subprocess.run(allocbot_command() + ["ledger", "sync"], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    assert "invoices: 3 inserted, 0 updated" in done.stdout and "payments: 3 inserted, 0 updated" in done.stdout
    wrong = subprocess.run(allocbot_command() + ["ledger", "sync"], cwd=REPO, capture_output=True, text=True,
                           env={**env, "ALLOCBOT_BILLING": "builtin"}, timeout=60)
    assert wrong.returncode == 2 and "ledger sync reads a Tryton billing system" in wrong.stderr


def _by_hand(url, work):
    """A change made in Tryton itself, as its users make it, in one Tryton transaction."""
    from bot.tryton.entering import Book
    from bot.tryton.connection import run

    return run(url, lambda pool: work(pool, Book(pool)))


def entered_long_ago(url, *, hours: int = 2) -> None:
    """Every row of the Tryton database written and created `hours` earlier, as a ledger
    entered the day before looks to a sync."""
    import sqlite3

    with sqlite3.connect(url.config.parent / "db" / f"{url.database}.sqlite") as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = {c[1] for c in db.execute(f'PRAGMA table_info("{table}")')}
            for column in {"create_date", "write_date"} & columns:
                db.execute(f'UPDATE "{table}" SET {column} = datetime({column}, \'-{hours} hours\')'
                           f" WHERE {column} IS NOT NULL")


def test_a_cycle_reads_tryton_by_itself_and_later_syncs_read_only_what_changed(make_world, tryton_url, tmp_path):
    load_ledger(tryton_url, standard_ledger(tmp_path / "ledger"))
    entered_long_ago(tryton_url)
    world = make_world(billing=f"tryton:///{tryton_url.database}?config={tryton_url.config}")
    world.deliver(request_mail(ANN, "Please allocate payment PY00000001 to invoice G000000001."))
    first = world.run()  # no `ledger sync` before: the cycle's own sync brings the ledger in, then decides

    assert first.synced > 0 and first.decided.get("applied") == 1 and first.posted == {"reflected": 1}
    assert world.balances()["G000000001"] == 0 and world.balances()["G000000002"] == 250_00

    def pay_by_hand(pool, book):
        Invoice = pool.get("account.invoice")
        [invoice] = Invoice.search([("number", "=", "G000000002")])
        book.pay(invoice, Decimal("50.00"), "cheque 1234")
        [party] = pool.get("party.party").search([("code", "=", "A1")])
        book.payment({"payment_id": "PY00000077", "amount": "70.00", "unallocated_amount": "70.00",
                      "received_date": "2026-11-03", "reference": "WIRE 77", "currency": "USD"}, party)

    _by_hand(tryton_url, pay_by_hand)
    world.later(seconds=61)
    changed = sync(world, tryton_url, full=False)
    # G000000001 (allocbot's posting) and G000000002 (paid by hand); G000000009 did not change.
    assert changed.counts["invoices"] == (0, 2)
    assert changed.counts["payments"] == (1, 1)  # PY00000077 is new; PY00000001 was split by the posting
    assert changed.reconciliation.discrepancies == []
    assert world.balances()["G000000002"] == 200_00 and world.balances()["PY00000077"] == 70_00

    again = sync(world, tryton_url, full=False)  # nothing changed since: the overlap's rows at most
    assert sum(again.counts["invoices"]) <= 2 and again.reconciliation.discrepancies == []
    assert world.balances()["G000000002"] == 200_00 and world.balances()["G000000001"] == 0


def test_a_tryton_that_cannot_be_read_is_a_problem_of_the_cycle_not_its_end(make_world, tryton_url, tmp_path):
    world = make_world(billing=f"tryton:///nosuchdb?config={tryton_url.config}",
                       ledger=standard_ledger(tmp_path / "ledger"))
    world.deliver(request_mail(ANN, "Please allocate payment PY00000001 to invoice G000000001."))
    report = world.run()

    assert any("ledger sync" in p and "nosuchdb" in p for p in report.problems)
    assert report.stored == 1 and report.decided.get("applied") == 1  # decided on the figures it had
    assert report.posted.get("retry") == 1  # and the posting waits for Tryton


def test_an_invoice_paid_in_tryton_meanwhile_refuses_the_posting_and_the_request_goes_to_review(
        make_world, tryton_url, tmp_path):
    from bot.ledger.tables import Allocation

    load_ledger(tryton_url, standard_ledger(tmp_path / "ledger"))
    world = make_world(billing=f"tryton:///{tryton_url.database}?config={tryton_url.config}")
    sync(world, tryton_url)

    def pay_in_full(pool, book):
        [invoice] = pool.get("account.invoice").search([("number", "=", "G000000002")])
        book.pay(invoice, Decimal("250.00"), "wire from the partner's parent company")

    _by_hand(tryton_url, pay_in_full)  # allocbot has not read it yet: it still sees 250.00 open
    world.deliver(request_mail(ANN, "Please allocate payment PY00000002 to invoice G000000002."))
    report = world.run()

    assert report.decided.get("applied") == 1 and report.posted == {"rejected": 1}
    [posting] = world.rows(Posting)
    assert posting.state == "rejected" and "G000000002 is paid in Tryton" in posting.reason
    [request] = [r for r in world.export() if r["subject"] == "Payment allocation"]
    assert request["status"] == "review" and "billing_rejected" in request["reasons"]
    [allocation] = world.rows(Allocation)
    assert allocation.released_at is not None
    assert world.balances()["PY00000002"] == 500_00  # the money is free again
    assert "confirmation" not in [r.kind for r in world.outbound()]


def test_a_contact_taken_off_a_party_in_tryton_no_longer_moves_its_money(make_world, tryton_url, tmp_path):
    from bot.ledger.tables import Contact

    load_ledger(tryton_url, standard_ledger(tmp_path / "ledger"))
    entered_long_ago(tryton_url)
    world = make_world(billing=f"tryton:///{tryton_url.database}?config={tryton_url.config}")
    sync(world, tryton_url)
    assert ANN in {c.email for c in world.rows(Contact)}

    def take_ann_off_and_archive_ola(pool, _book):
        Party, Mechanism = pool.get("party.party"), pool.get("party.contact_mechanism")
        [party] = Party.search([("code", "=", "A1")])  # as Tryton's client does: the party written
        Party.write([party], {"contact_mechanisms": [("delete", [m.id for m in party.contact_mechanisms
                                                                 if m.value == ANN])]})
        Mechanism.write(Mechanism.search([("value", "=", OLA)]), {"active": False})  # archived: no party change

    _by_hand(tryton_url, take_ann_off_and_archive_ola)
    world.later(seconds=61)
    changed = sync(world, tryton_url, full=False)
    assert changed.contacts_removed == 2 and changed.counts["invoices"] == (0, 0)  # an incremental read
    assert {c.email for c in world.rows(Contact)} == {TOM}

    world.deliver(request_mail(ANN, "Please allocate payment PY00000001 to invoice G000000001."))
    report = world.run()
    assert report.decided.get("applied") is None and world.rows(Posting) == []


def test_ordinary_tryton_data_a_csv_would_not_have_is_read_not_refused(make_world, tryton_url, tmp_path):
    """A party without a language, an address entered twice with two roles, a receipt entered
    as a draft and posted later: none of it stops the sync, and none of it gives more say."""
    from bot.ledger.tables import Account, Contact
    from bot.tryton.entering import Receipt

    load_ledger(tryton_url, standard_ledger(tmp_path / "ledger"))

    def odd_data(pool, book):
        Party, Mechanism = pool.get("party.party"), pool.get("party.contact_mechanism")
        [a1] = Party.search([("code", "=", "A1")])
        [a2] = Party.search([("code", "=", "A2")])
        Party.write([a2], {"lang": None})
        Mechanism.create([{"party": a1.id, "type": "email", "value": TOM.upper(), "comment": "billing_admin"}])
        book.receipts([Receipt(a1, Decimal("88.00"), "USD", dt.date(2026, 11, 4), "PY00000088 LATE")],
                      post=False)  # entered, not yet posted

    _by_hand(tryton_url, odd_data)
    entered_long_ago(tryton_url)
    world = make_world(billing=f"tryton:///{tryton_url.database}?config={tryton_url.config}")
    first = sync(world, tryton_url)
    assert {a.account_id: a.locale for a in world.rows(Account)}["A2"] == "en"
    assert {(c.email, c.role) for c in world.rows(Contact) if c.email == TOM} == {(TOM, "sales")}
    assert "PY00000088" not in world.balances() and first.reconciliation.discrepancies == []

    def post_it(pool, _book):
        Move = pool.get("account.move")
        Move.post(Move.search([("description", "=", "PY00000088 LATE")]))

    _by_hand(tryton_url, post_it)
    world.later(seconds=61)
    sync(world, tryton_url, full=False)
    assert world.balances()["PY00000088"] == 88_00
