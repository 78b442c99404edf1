"""The loop with Tryton as the system of record: Tryton's ledger synced into allocbot, a partner's
request applied and posted to Tryton, the sync then reflecting it, and the partner confirmed
with the figures Tryton shows."""
from __future__ import annotations

from sqlmodel import Session

from bot.ledger.tables import Posting
from bot.tryton.building import load_ledger
from bot.tryton.sync import sync_ledger
from tests.integration.conftest import ANN, request_mail, standard_ledger


def sync(world, url):
    with Session(world.app.engine) as session:
        report = sync_ledger(session, url=url, payment_pattern=r"PY\d{8}", bank_payment_pattern=r"BK\d{8}",
                             now=world.now())
        session.commit()
    return report


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
