"""The IMAP adapter's pure rules: message keys, where reading resumes, server folder names,
and which IDLE responses mean new mail."""
from __future__ import annotations

import pytest

from bot.intake.idle import reports_new_mail, says_goodbye
from bot.intake.imap_keys import (MessageKey, chunks, message_key, parse_message_key, resume_after, server_folder,
                                  uids_to_read)
from bot.intake.mailbox import Checkpoint


@pytest.mark.parametrize("folder", ["INBOX", "Allocations/Inbox", "Partner mail", "odd;name", "a;UID=1", "Ünïcode"])
def test_a_key_names_folder_uidvalidity_and_uid_and_reads_back(folder):
    key = message_key(folder, 1795581180, 42)
    assert key == f"{folder};UIDVALIDITY=1795581180;UID=42"
    assert parse_message_key(key) == MessageKey(folder, 1795581180, 42)


@pytest.mark.parametrize("key", ["1700000000.M1P1.host", "", ";UIDVALIDITY=1;UID=2", "INBOX;UIDVALIDITY=x;UID=2",
                                 "INBOX;UIDVALIDITY=1;UID=", "INBOX;UID=2;UIDVALIDITY=1", "INBOX;UIDVALIDITY=1;UID=0",
                                 "INBOX;UIDVALIDITY=1;UID=-3"])
def test_anything_else_is_not_a_key(key):
    with pytest.raises(ValueError):
        parse_message_key(key)


def test_a_key_needs_a_folder():
    with pytest.raises(ValueError):
        message_key("", 1, 1)


def test_reading_resumes_after_the_checkpoint_of_the_same_folder_and_uidvalidity():
    assert resume_after(Checkpoint("INBOX", 7, 41), "INBOX", 7) == 41


@pytest.mark.parametrize("checkpoint", [None, Checkpoint("INBOX", 6, 41), Checkpoint("Other", 7, 41)],
                         ids=["none", "uidvalidity changed", "another folder"])
def test_reading_starts_again_without_a_valid_checkpoint(checkpoint):
    assert resume_after(checkpoint, "INBOX", 7) == 0


def test_only_uids_above_the_checkpoint_are_read_oldest_first_and_bounded():
    # `UID 43:*` answers the last message (UID 41) even though 41 < 43
    assert uids_to_read([41], 42, 10) == []
    assert uids_to_read([50, 43, 44, 41, 43], 42, 10) == [43, 44, 50]
    assert uids_to_read([5, 3, 4, 1, 2], 0, 3) == [1, 2, 3]
    assert uids_to_read([1, 2], 0, 0) == []


def test_chunks_cover_every_uid_in_order_and_are_bounded():
    assert list(chunks([1, 2, 3, 4, 5], 2)) == [[1, 2], [3, 4], [5]]
    assert list(chunks([], 50)) == []


@pytest.mark.parametrize("name, delimiter, prefix, expected", [
    ("Allocations/Applied", ".", "", "Allocations.Applied"),
    ("Allocations/Applied", "/", "", "Allocations/Applied"),
    ("Allocations/Applied", None, "", "Allocations/Applied"),
    ("/Allocations//Applied/", ".", "", "Allocations.Applied"),
    ("Allocations/Applied", ".", "INBOX.", "INBOX.Allocations.Applied"),
    ("INBOX/Allocations", ".", "INBOX.", "INBOX.Allocations"),
    ("INBOX", ".", "INBOX.", "INBOX"),
    ("Allocations/Needs info", ".", "", "Allocations.Needs info"),
])
def test_configured_folder_names_become_the_servers_spelling(name, delimiter, prefix, expected):
    assert server_folder(name, delimiter, prefix) == expected


@pytest.mark.parametrize("name", ["Allocations/v1.0", "", "/"])
def test_a_name_the_server_cannot_express_is_refused(name):
    with pytest.raises(ValueError):
        server_folder(name, ".")


@pytest.mark.parametrize("responses, expected", [
    ([(3, b"EXISTS")], True),
    ([(1, b"RECENT")], True),
    ([(0, b"RECENT")], False),
    ([(2, b"EXPUNGE")], False),
    ([(1, b"FETCH", (b"FLAGS", (b"\\Seen",)))], False),
    ([(b"OK", b"Still here")], False),
    ([], False),
])
def test_only_exists_or_recent_mean_new_mail(responses, expected):
    assert reports_new_mail(responses) is expected


def test_bye_means_the_server_is_closing_the_connection():
    assert says_goodbye([(b"BYE", b"Server", b"shutting", b"down.")])
    assert not says_goodbye([(1, b"EXISTS"), (b"OK", b"Still here")])
