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
