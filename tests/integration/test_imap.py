"""The IMAP mailbox against a real Dovecot: mail arrives by IMAP APPEND, the adapter reads it by
UID from a checkpoint without touching \\Seen, and files it into outcome folders without ever
removing mail it did not move."""
from __future__ import annotations

import logging
import ssl

import pytest

from bot.endpoints import parse_endpoint
from bot.intake.imap import ImapMailbox
from bot.intake.imap_keys import message_key
from bot.intake.mailbox import Checkpoint, Filing, MailboxError
from bot.settings import ImapFolders
from tests.integration.dovecot import VALID_TOKEN, free_port

pytestmark = pytest.mark.dovecot

SEEN, DELETED = b"\\Seen", b"\\Deleted"


def mail(name: str) -> bytes:
    return (f"From: Ann Admin <ann@bluepeak.example>\r\nTo: allocations@billing.example\r\n"
            f"Subject: request {name}\r\nMessage-ID: {message_id(name)}\r\n\r\nPlease allocate, {name}.\r\n").encode()


def message_id(name: str) -> str:
    return f"<{name}@bluepeak.example>"


def imap_commands(caplog) -> list[str]:
    """The commands the client sent, from imapclient's protocol log ("> b'TAG UID MOVE 1 ...'")."""
    sent = [r.getMessage() for r in caplog.records if r.name.startswith("imapclient") and r.getMessage().startswith("> b")]
    return [line[3:].strip("'").split(" ", 1)[1] for line in sent]


# ---------------------------------------------------------------------------- fetch

def test_fetch_returns_new_mail_oldest_first_with_keys_and_checkpoints_and_leaves_it_unseen(dovecot, imap_mailbox):
    raws = [mail(n) for n in ("one", "two", "three")]
    uids = [dovecot.append(raw) for raw in raws]
    uidvalidity = dovecot.uidvalidity()

    got = list(imap_mailbox(dovecot).fetch(10, checkpoint=None))

    assert [i.raw for i in got] == raws
    assert [i.key for i in got] == [message_key("INBOX", uidvalidity, uid) for uid in uids]
    assert got[0].key == f"INBOX;UIDVALIDITY={uidvalidity};UID={uids[0]}"
    assert [i.checkpoint for i in got] == [Checkpoint("INBOX", uidvalidity, uid) for uid in uids]
    assert all(SEEN not in flags for flags in dovecot.flags().values())
    assert dovecot.uids() == uids  # nothing moved or removed by reading


def test_fetch_after_a_checkpoint_returns_only_newer_mail(dovecot, imap_mailbox):
    for name in ("one", "two", "three"):
        dovecot.append(mail(name))
    mailbox = imap_mailbox(dovecot)
    first = list(mailbox.fetch(10, checkpoint=None))

    assert [i.raw for i in mailbox.fetch(10, checkpoint=first[1].checkpoint)] == [mail("three")]
    # `UID 4:*` answers the last message (UID 3) too: it must not come back
    assert list(mailbox.fetch(10, checkpoint=first[2].checkpoint)) == []
    dovecot.append(mail("four"))
    assert [i.raw for i in mailbox.fetch(10, checkpoint=first[2].checkpoint)] == [mail("four")]


def test_limit_bounds_a_batch_and_the_next_batch_continues_from_its_checkpoint(dovecot, imap_mailbox):
    names = [f"m{n}" for n in range(7)]
    for name in names:
        dovecot.append(mail(name))
    mailbox = imap_mailbox(dovecot)
    mailbox.chunk_size = 2  # several FETCH chunks per batch

    read, checkpoint = [], None
    for expected_size in (3, 3, 1, 0):
        batch = list(mailbox.fetch(3, checkpoint=checkpoint))
        assert len(batch) == expected_size
        read += batch
        checkpoint = batch[-1].checkpoint if batch else checkpoint
    assert [i.raw for i in read] == [mail(n) for n in names]


def test_a_changed_uidvalidity_reads_the_folder_again_from_the_start(dovecot, imap_mailbox, caplog):
    for name in ("one", "two"):
        dovecot.append(mail(name))
    mailbox = imap_mailbox(dovecot)
    last = list(mailbox.fetch(10, checkpoint=None))[-1].checkpoint
    mailbox.close()
    new_uidvalidity = dovecot.renumber()

    with caplog.at_level(logging.WARNING, "allocbot.imap"):
        again = list(mailbox.fetch(10, checkpoint=last))

    assert [i.raw for i in again] == [mail("one"), mail("two")]
    assert {i.checkpoint.uidvalidity for i in again} == {new_uidvalidity} != {last.uidvalidity}
    assert any(getattr(r, "event", "") == "imap_uidvalidity_changed" for r in caplog.records)


# ---------------------------------------------------------------------------- file

def test_file_moves_to_the_outcome_folder_created_with_the_servers_delimiter(dovecot, imap_mailbox, caplog):
    for name in ("one", "two", "three"):
        dovecot.append(mail(name))
    folders = ImapFolders(applied="Allocations/Applied", review="Allocations/Held for review")
    mailbox = imap_mailbox(dovecot, folders=folders)
    one, two, _three = mailbox.fetch(10, checkpoint=None)

    with caplog.at_level(logging.DEBUG, "imapclient"):
        mailbox.file(one.key, "applied", message_id=message_id("one"))
        mailbox.file(two.key, "review", message_id=message_id("two"))

    assert [c for c in imap_commands(caplog) if "MOVE" in c or "COPY" in c] == [
        f'UID MOVE {one.checkpoint.last_uid} "Allocations.Applied"',
        f'UID MOVE {two.checkpoint.last_uid} "Allocations.Held for review"']

    assert {"Allocations.Applied", "Allocations.Held for review"} <= set(dovecot.folders())
    assert not any("/" in name for name in dovecot.folders())
    assert dovecot.messages("Allocations.Applied") == [mail("one")]
    assert dovecot.messages("Allocations.Held for review") == [mail("two")]
    assert dovecot.messages("INBOX") == [mail("three")]


def test_file_many_moves_a_batch_with_one_uid_move_per_outcome(dovecot, imap_mailbox, caplog):
    names = ("a1", "r1", "a2", "r2", "a3", "gone", "left")
    for name in names:
        dovecot.append(mail(name))
    mailbox = imap_mailbox(dovecot)
    got = {i.raw: i for i in mailbox.fetch(10, checkpoint=None)}
    a1, r1, a2, r2, a3, gone, _left = (got[mail(n)] for n in names)
    mailbox.file(gone.key, "applied")  # filed before a crash: the batch finds it gone
    status = {a1: "applied", r1: "review", a2: "applied", r2: "review", a3: "applied", gone: "applied"}
    filings = [Filing(i.key, s, message_id(n)) for (i, s), n in zip(status.items(), ("a1", "r1", "a2", "r2", "a3", "gone"))]
    filings.append(Filing("1795581180.M1P1.host", "applied"))  # a Maildir key: not ours to move

    with caplog.at_level(logging.DEBUG, "imapclient"):
        result = mailbox.file_many(filings, give_up_after=3)

    uid = {i: i.checkpoint.last_uid for i in status}
    assert [c for c in imap_commands(caplog) if "MOVE" in c or "COPY" in c] == [
        f'UID MOVE {uid[a1]},{uid[a2]},{uid[a3]} "Allocations.Applied"',
        f'UID MOVE {uid[r1]},{uid[r2]} "Allocations.Review"']
    assert sorted(result.filed) == sorted(f.key for f in filings) and result.failed == [] and not result.gave_up
    assert dovecot.messages("Allocations.Applied") == [mail("gone"), mail("a1"), mail("a2"), mail("a3")]
    assert dovecot.messages("Allocations.Review") == [mail("r1"), mail("r2")]
    assert dovecot.messages("INBOX") == [mail("left")]


def test_file_many_falls_back_to_one_by_one_and_skips_only_the_message_the_server_refuses(dovecot, imap_mailbox):
    for name in ("one", "two", "three"):
        dovecot.append(mail(name))
    mailbox = imap_mailbox(dovecot)
    one, two, three = mailbox.fetch(10, checkpoint=None)
    real_move = mailbox._move

    def refuse_two(client, uids, target):
        if two.checkpoint.last_uid in uids:
            raise MailboxError("NO [SERVERBUG] cannot move that one")
        real_move(client, uids, target)

    mailbox._move = refuse_two
    result = mailbox.file_many([Filing(i.key, "applied") for i in (one, two, three)], give_up_after=3)

    assert result.filed == [one.key, three.key] and [f.key for f, _exc in result.failed] == [two.key]
    assert dovecot.messages("Allocations.Applied") == [mail("one"), mail("three")]
    assert dovecot.messages("INBOX") == [mail("two")]


def test_file_uses_an_existing_folder(dovecot, imap_mailbox):
    dovecot.append(mail("earlier"), folder="Allocations.Applied")
    dovecot.append(mail("one"))
    mailbox = imap_mailbox(dovecot)
    (one,) = mailbox.fetch(10, checkpoint=None)

    mailbox.file(one.key, "applied")

    assert dovecot.messages("Allocations.Applied") == [mail("earlier"), mail("one")]
    assert dovecot.folders().count("Allocations.Applied") == 1


def test_copy_fallback_expunges_only_the_filed_message(dovecot, imap_mailbox, caplog):
    uid = dovecot.append(mail("ours"))
    dovecot.append(mail("theirs"), flags=(DELETED,))  # someone else deleted it, not yet expunged
    mailbox = imap_mailbox(dovecot, use_move=False)
    ours = next(iter(mailbox.fetch(1, checkpoint=None)))

    with caplog.at_level(logging.DEBUG, "imapclient"):
        mailbox.file(ours.key, "applied")

    assert [c for c in imap_commands(caplog) if c.startswith(("UID MOVE", "UID COPY", "UID STORE", "UID EXPUNGE", "EXPUNGE"))] \
        == [f'UID COPY {uid} "Allocations.Applied"', f"UID STORE {uid} +FLAGS.SILENT (\\\\Deleted)", f"UID EXPUNGE {uid}"]

    assert dovecot.messages("Allocations.Applied") == [mail("ours")]
    assert dovecot.messages("INBOX") == [mail("theirs")]
    assert DELETED in next(iter(dovecot.flags().values()))


def test_without_move_and_uidplus_the_filed_message_is_only_flagged_deleted(start_dovecot, imap_mailbox, caplog):
    server = start_dovecot(imap_capability="IMAP4rev1 LITERAL+ IDLE")  # no MOVE, UIDPLUS or NAMESPACE
    ours = server.append(mail("ours"))
    theirs = server.append(mail("theirs"), flags=(DELETED,))
    mailbox = imap_mailbox(server)  # use_move=True, but the server does not offer it
    first = next(iter(mailbox.fetch(1, checkpoint=None)))

    with caplog.at_level(logging.DEBUG, "imapclient"):
        mailbox.file(first.key, "applied")

    assert not [c for c in imap_commands(caplog) if "MOVE" in c or "EXPUNGE" in c]

    assert server.messages("Allocations.Applied") == [mail("ours")]
    assert server.uids() == [ours, theirs]  # no EXPUNGE at all: it could remove "theirs"
    assert DELETED in server.flags()[ours]


def test_filing_a_message_already_filed_is_a_no_op(dovecot, imap_mailbox):
    dovecot.append(mail("one"))
    dovecot.append(mail("two"))
    mailbox = imap_mailbox(dovecot)
    one, _two = mailbox.fetch(10, checkpoint=None)
    mailbox.file(one.key, "applied", message_id=message_id("one"))

    mailbox.file(one.key, "applied", message_id=message_id("one"))  # a crash before the commit repeats it
    imap_mailbox(dovecot).file(one.key, "review", message_id=message_id("one"))  # and after a restart

    assert dovecot.messages("Allocations.Applied") == [mail("one")]
    assert "Allocations.Review" not in dovecot.folders()
    assert dovecot.messages("INBOX") == [mail("two")]


def test_after_a_uidvalidity_change_file_finds_the_message_by_message_id(dovecot, imap_mailbox, caplog):
    for name in ("zero", "one", "two"):
        dovecot.append(mail(name))
    mailbox = imap_mailbox(dovecot)
    _zero, one, two = mailbox.fetch(10, checkpoint=None)  # UIDs 1, 2, 3
    mailbox.close()
    with dovecot.client() as other:  # someone removes the first message ...
        other.select_folder("INBOX")
        other.delete_messages([1])
        other.uid_expunge([1])
    dovecot.renumber()  # ... and the server renumbers: "one" is UID 1 now, "two" UID 2 (one's old UID)

    mailbox.file(one.key, "applied", message_id=message_id("one"))

    assert dovecot.messages("Allocations.Applied") == [mail("one")]
    assert dovecot.messages("INBOX") == [mail("two")]

    with caplog.at_level(logging.WARNING, "allocbot.imap"):
        mailbox.file(two.key, "applied", message_id="<not-there@bluepeak.example>")
        mailbox.file(two.key, "applied")  # no Message-ID: nothing to tell the messages apart
    assert dovecot.messages("INBOX") == [mail("two")]  # never a wrong message moved
    assert [r.event for r in caplog.records].count("imap_file_not_found") == 2


def test_message_id_search_moves_only_an_exact_match(dovecot, imap_mailbox):
    dovecot.append(mail("one"))
    mailbox = imap_mailbox(dovecot)
    (one,) = mailbox.fetch(10, checkpoint=None)
    mailbox.close()
    dovecot.renumber()
    dovecot.append(mail("xone"))  # its Message-ID <xone@...> holds "one@..." as a substring

    mailbox.file(one.key, "applied", message_id="one@bluepeak.example>")

    assert dovecot.messages("INBOX") == [mail("one"), mail("xone")]


def test_a_key_from_another_adapter_is_left_alone(dovecot, imap_mailbox):
    dovecot.append(mail("one"))
    imap_mailbox(dovecot).file("1795581180.M1P1.host", "applied")
    assert dovecot.messages("INBOX") == [mail("one")]


# ---------------------------------------------------------------------------- connection

def test_a_server_going_away_raises_mailbox_error_and_the_next_call_reconnects(dovecot, imap_mailbox):
    dovecot.append(mail("one"))
    mailbox = imap_mailbox(dovecot)
    assert len(list(mailbox.fetch(10, checkpoint=None))) == 1

    dovecot.stop()
    with pytest.raises(MailboxError):
        list(mailbox.fetch(10, checkpoint=None))
    with pytest.raises(MailboxError, match="cannot connect"):
        mailbox.file(message_key("INBOX", 1, 1), "applied")
    dovecot.start()

    assert [i.raw for i in mailbox.fetch(10, checkpoint=None)] == [mail("one")]


def test_a_dropped_connection_fails_one_call_and_the_next_reconnects(dovecot, imap_mailbox):
    dovecot.append(mail("one"))
    mailbox = imap_mailbox(dovecot)
    list(mailbox.fetch(10, checkpoint=None))

    dovecot.kick()
    with pytest.raises(MailboxError):
        list(mailbox.fetch(10, checkpoint=None))
    assert len(list(mailbox.fetch(10, checkpoint=None))) == 1


def test_a_connection_unused_for_a_while_is_checked_before_reuse(dovecot, imap_mailbox):
    dovecot.append(mail("one"))
    mailbox = imap_mailbox(dovecot)
    mailbox.probe_after = 0  # check every time (30 s in service)
    list(mailbox.fetch(10, checkpoint=None))

    dovecot.kick()  # e.g. the server's idle timeout closed it between two cycles

    assert len(list(mailbox.fetch(10, checkpoint=None))) == 1


def test_health_reports_the_folder_or_the_error_without_raising(dovecot, imap_mailbox):
    dovecot.append(mail("one"))
    dovecot.append(mail("two"))

    health = imap_mailbox(dovecot).health()
    assert health.reachable
    assert health.detail == f"INBOX: 2 messages, UIDVALIDITY {dovecot.uidvalidity()}, IDLE supported"

    closed = imap_mailbox(dovecot, port=free_port()).health()
    assert not closed.reachable and "cannot connect" in closed.detail and "secret" not in closed.detail

    missing = imap_mailbox(dovecot, folder="No such folder").health()
    assert not missing.reachable and "No such folder" in missing.detail


# ---------------------------------------------------------------------------- TLS and login

def test_imaps_is_tls_from_the_first_byte(dovecot_tls, imap_mailbox):
    dovecot_tls.append(mail("one"))
    mailbox = imap_mailbox(dovecot_tls, tls="implicit")
    assert mailbox.name.startswith("imaps://bot@127.0.0.1:")
    assert [i.raw for i in mailbox.fetch(10, checkpoint=None)] == [mail("one")]


def test_starttls_upgrades_before_the_login(dovecot_tls, imap_mailbox):
    # this server refuses logins over plain text: success proves STARTTLS happened
    dovecot_tls.append(mail("one"))
    assert [i.raw for i in imap_mailbox(dovecot_tls, tls="starttls").fetch(10, checkpoint=None)] == [mail("one")]


def test_a_certificate_from_an_unknown_ca_is_refused(dovecot_tls, imap_mailbox):
    for tls in ("implicit", "starttls"):
        mailbox = imap_mailbox(dovecot_tls, tls=tls, ssl_context=ssl.create_default_context())
        with pytest.raises(MailboxError, match="CERTIFICATE_VERIFY_FAILED"):
            next(mailbox.fetch(1, checkpoint=None))


def test_starttls_is_required_unless_tls_is_off(dovecot, imap_mailbox):
    mailbox = imap_mailbox(dovecot, tls="starttls")
    with pytest.raises(MailboxError, match="does not offer STARTTLS; refusing to log in"):
        list(mailbox.fetch(10, checkpoint=None))
    assert not mailbox.health().reachable
    assert "Login: user=<bot>" not in dovecot.log()  # the password never went out


def test_a_wrong_password_is_a_clear_mailbox_error(dovecot):
    mailbox = ImapMailbox(parse_endpoint(dovecot.url().replace(":secret@", ":wrong@")), folders=ImapFolders())
    with pytest.raises(MailboxError, match=r"login to imap://bot@127\.0\.0\.1:\d+/INBOX \(password\) failed") as err:
        list(mailbox.fetch(10, checkpoint=None))
    assert "wrong" not in str(err.value)


def test_xoauth2_logs_in_with_the_token_and_a_wrong_token_is_refused(dovecot_oauth2, imap_mailbox):
    dovecot_oauth2.append(mail("one"))
    tokens: list[str] = []

    def token() -> str:
        tokens.append(VALID_TOKEN)
        return VALID_TOKEN

    good = imap_mailbox(dovecot_oauth2, auth="xoauth2", token=token)
    assert [i.raw for i in good.fetch(10, checkpoint=None)] == [mail("one")]
    assert tokens == [VALID_TOKEN]  # asked once per connection

    wrong = imap_mailbox(dovecot_oauth2, auth="xoauth2", token=lambda: "expired-token")
    with pytest.raises(MailboxError, match=r"\(xoauth2\) failed: .*AUTHENTICATIONFAILED") as err:
        list(wrong.fetch(10, checkpoint=None))
    assert "expired-token" not in str(err.value)

    with pytest.raises(MailboxError, match="no token source"):
        list(imap_mailbox(dovecot_oauth2, auth="xoauth2").fetch(10, checkpoint=None))
