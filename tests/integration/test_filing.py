"""Filing outcomes in the mailbox: done after the outcome commits, retried until it succeeds,
and one message the server will not move never holds up the others."""
from __future__ import annotations

from bot.bootstrap import bootstrap
from bot.intake.maildir import MaildirMailbox
from bot.intake.testing import RecordingMailbox
from bot.ledger.tables import InboundMessage
from bot.service import run_cycle
from bot.settings import load_settings
from tests.integration.conftest import BotWorld, request_mail


def world_with(mailbox_factory, database_url, tmp_path, engines) -> tuple[BotWorld, RecordingMailbox]:
    world = BotWorld(root=tmp_path, database_url=database_url, engines=engines)
    mailbox = mailbox_factory(MaildirMailbox(world.maildir))
    settings = load_settings(database_url=database_url, mailbox=f"maildir:{world.maildir}", outbox=f"file:{world.outbox_dir}")
    world._app = bootstrap(settings, mailbox=mailbox, clock=world.now)
    engines.append(world._app.engine)
    world.import_ledger()
    return world, mailbox


def unfiled(world: BotWorld) -> list[str]:
    return sorted(r.message_id for r in world.rows(InboundMessage) if r.filed_at is None)


def test_a_message_the_server_will_not_file_is_skipped_and_filed_once_it_can_be(database_url, tmp_path, engines):
    odd = {"bad": True}
    world, mailbox = world_with(lambda inner: RecordingMailbox(inner, refuse_filing=lambda key: odd["bad"] and key.startswith("0002")),
                                database_url, tmp_path, engines)
    for n in (1, 2, 3):
        world.deliver(request_mail(message_id=f"<m{n}@bluepeak.example>"), name=f"000{n}.test")

    first = run_cycle(world.app)

    assert first.filed == 2 and mailbox.refused == ["0002.test"]
    assert [k for k, _ in mailbox.filed] == ["0001.test", "0003.test"]
    assert unfiled(world) == ["<m2@bluepeak.example>"]

    odd["bad"] = False
    second = run_cycle(world.app)

    assert second.filed == 1 and mailbox.filed[-1] == ("0002.test", "review")  # its committed outcome
    assert unfiled(world) == []
    assert run_cycle(world.app).filed == 0  # filed once, never again


def test_a_mailbox_that_refuses_every_move_stops_filing_after_three_tries(database_url, tmp_path, engines):
    world, mailbox = world_with(lambda inner: RecordingMailbox(inner, refuse_filing=lambda key: True), database_url, tmp_path, engines)
    for n in range(1, 7):
        world.deliver(request_mail(message_id=f"<d{n}@bluepeak.example>"), name=f"000{n}.test")

    report = run_cycle(world.app)

    assert report.filed == 0 and len(mailbox.refused) == 3 and report.stopped == "mailbox refused filing"
    assert sum(report.decided.values()) == 6  # deciding and replying went on regardless
    assert len(unfiled(world)) == 6
