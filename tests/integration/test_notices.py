"""The proactive notice of old unallocated payments (issue 6), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.ledger.tables import AuditEvent, OutboundMessage
from bot.replies.notices import queue_notices
from bot.settings import load_settings
from bot.worker import Worker
from tests.integration.conftest import (
    ANN, OLA, TOM, account, body_text, contact, invoice, payment, write_ledger,
)

TODAY = datetime.now(UTC).date()


def ledger(root):
    old = (TODAY - timedelta(days=20)).isoformat()
    return write_ledger(
        root / "ledger",
        accounts=[account("A1", "Bluepeak Cloud Inc.", "en", "USD"), account("A2", "Nordvik IT AB", "sv-SE", "SEK"),
                  account("A3", "Quiet Ltd", "en", "USD")],
        contacts=[contact(ANN, "A1", "billing_admin", "Ann Admin"), contact(TOM, "A1", "sales", "Tom Seller"),
                  contact("acc@bluepeak.example", "A1", "account_admin", "Avery Account"),
                  contact(OLA, "A2", "billing_admin", "Ola Nordmann"), contact("q@quiet.example", "A3")],
        invoices=[invoice("G000000001", "100.00"), invoice("G000000002", "250.00"),
                  invoice("G000000009", "900.00", account_id="A2", currency="SEK")],
        payments=[payment("PY00000001", "100.00", received_date=old, reference="Rechnung G000000002"),
                  payment("PY00000002", "500.00", received_date=TODAY.isoformat(), reference="BLUEPEAK"),  # too recent
                  payment("PY00000009", "900.00", account_id="A2", currency="SEK", received_date=old, reference="NORDVIK"),
                  payment("PY00000030", "50.00", "0.00", account_id="A3", received_date=old)],  # fully allocated
    )


def notice_world(make_world, tmp_path, **settings):
    return make_world(ledger=ledger(tmp_path), unallocated_notice=True, unallocated_notice_days=14, **settings)


def notices(world) -> dict[str, str]:
    return {m["To"].addresses[0].addr_spec: body_text(m) for m in world.outbox_messages()}


def test_each_admin_gets_the_accounts_old_unallocated_payments_in_its_language(make_world, tmp_path):
    world = notice_world(make_world, tmp_path)
    report = queue_notices(world.app)
    world.run()  # sends the outbox

    assert (report.accounts, report.messages, report.payments) == (2, 3, 2)
    sent = notices(world)
    assert set(sent) == {ANN, "acc@bluepeak.example", OLA}  # not the sales contact, not the account with nothing open
    assert "PY00000001" in sent[ANN] and "PY00000002" not in sent[ANN]
    assert "Its bank reference names invoice G000000002" in sent[ANN]  # the hint: an open invoice of the account
    assert "$100.00" in sent[ANN] and "Hello Ann Admin" in sent[ANN]
    assert "PY00000009" in sent[OLA] and "ofördelade" in sent[OLA].lower() and "900,00" in sent[OLA]
    subjects = {m["Subject"] for m in world.outbox_messages()}
    assert "Unallocated payments on your account Bluepeak Cloud Inc. (A1)" in subjects
    assert all(m["Auto-Submitted"] == "auto-generated" for m in world.outbox_messages())
    assert world.allocations() == []  # a notice never allocates anything, hint or not


def test_at_most_one_notice_per_payment_per_period(make_world, tmp_path):
    world = notice_world(make_world, tmp_path, unallocated_notice_period_days=30)
    queue_notices(world.app)
    assert queue_notices(world.app).messages == 0  # the same day: a second worker, or a restart
    world.later(days=10)
    assert queue_notices(world.app).messages == 0  # within the period
    world.later(days=21)
    again = queue_notices(world.app)
    assert (again.accounts, again.messages, again.payments) == (2, 3, 3)  # PY00000002 is old by now too
    noticed = [e.detail for e in world.rows(AuditEvent) if e.action == "payment_noticed"]
    assert len(noticed) == 5 and sum("PY00000001" in d for d in noticed) == 2


def test_a_payment_that_grows_old_later_is_noticed_on_its_own(make_world, tmp_path):
    world = notice_world(make_world, tmp_path)
    queue_notices(world.app)
    world.later(days=15)  # PY00000002 (received today) is now older than 14 days
    report = queue_notices(world.app)
    assert (report.payments, report.accounts) == (1, 1)
    latest = [r for r in world.rows(OutboundMessage) if r.to_addr == ANN][-1]
    assert b"PY00000002" in latest.raw and b"PY00000001" not in latest.raw


def test_an_address_whose_replies_bounce_gets_no_notice(make_world, tmp_path):
    world = notice_world(make_world, tmp_path, bounce_threshold=1)
    from sqlmodel import Session

    with Session(world.app.engine) as session:
        session.add(OutboundMessage(kind="confirmation", to_addr=ANN, message_id="<x@billing.example>", raw=b"x",
                                    status="bounced", created_at=world.now()))
        session.commit()
    report = queue_notices(world.app)
    assert report.skipped == 1 and ANN not in {r.to_addr for r in world.rows(OutboundMessage) if r.kind == "unallocated_notice"}


def test_the_notice_is_off_unless_configured(tmp_path):
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert settings.unallocated_notice is False
    from bot.bootstrap import bootstrap

    off = Worker(bootstrap(settings))._scheduler()
    on = Worker(bootstrap(load_settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", unallocated_notice=True,
                                        unallocated_notice_time="06:30")))._scheduler()
    assert "notice" not in {j.id for j in off.get_jobs()}
    job = on.get_job("notice")
    assert job is not None and str(job.trigger) == "cron[hour='6', minute='30']"


def test_allocbot_payments_notify_queues_the_notice_now(make_world, tmp_path):
    import os
    import subprocess

    from tests.integration.conftest import REPO, allocbot_command

    world = notice_world(make_world, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLOCBOT_")}
    env.update(DATABASE_URL=world.database_url, ALLOCBOT_UNALLOCATED_NOTICE_DAYS="14")
    done = subprocess.run(allocbot_command() + ["payments", "notify"], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "notices queued: 3 messages to the admins of 2 accounts, listing 2 payments" in done.stdout
    assert {r.to_addr for r in world.rows(OutboundMessage) if r.kind == "unallocated_notice"} == {ANN, "acc@bluepeak.example", OLA}
