"""A payment whose bank remittance names an open invoice is a hint in the confirmation, never
an allocation (issue 6; unallocated payments stay unallocated until somebody asks)."""
from __future__ import annotations

from tests.integration.conftest import ANN, body_text, request_mail, standard_ledger


def test_the_confirmation_shows_the_hint_for_another_unallocated_payment(make_world, tmp_path):
    ledger = standard_ledger(tmp_path / "ledger")
    payments = ledger / "payments.csv"
    payments.write_text(payments.read_text().replace("BLUEPEAK 20261020", "Rechnung G000000002"))
    world = make_world(ledger=ledger)
    world.deliver(request_mail(ANN, "Please allocate payment PY00000001 to invoice G000000001."))
    world.run()
    assert world.allocations() == [("PY00000001", "G000000001", 10000)]  # PY00000002 stays unallocated
    confirmation = body_text(world.outbox_messages()[-1])
    assert "payment PY00000002" in confirmation
    assert "Its bank reference names invoice G000000002, still open" in confirmation


def test_no_hint_when_the_named_invoice_is_paid_or_another_accounts(make_world, tmp_path):
    ledger = standard_ledger(tmp_path / "ledger")
    payments = ledger / "payments.csv"
    payments.write_text(payments.read_text().replace("BLUEPEAK 20261020", "Rechnung G000000009 G000000001"))
    world = make_world(ledger=ledger)  # G000000009 is A2's; G000000001 is paid by the request below
    world.deliver(request_mail(ANN, "Please allocate payment PY00000001 to invoice G000000001."))
    world.run()
    assert "bank reference names" not in body_text(world.outbox_messages()[-1])
