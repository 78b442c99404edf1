"""The Maildir mailbox: new mail in name (delivery) order, processed mail kept in cur/ as Seen."""
from __future__ import annotations

import os
from pathlib import Path

from bot.intake.maildir import MaildirMailbox


def deliver(root: Path, name: str, raw: bytes | None = None) -> bytes:
    raw = raw if raw is not None else f"Message-ID: <{name}@example>\r\nSubject: {name}\r\n\r\nbody of {name}\r\n".encode()
    for sub in ("new", "cur", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "tmp" / name).write_bytes(raw)
    os.replace(root / "tmp" / name, root / "new" / name)
    return raw


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_creates_the_maildir_folders(tmp_path):
    MaildirMailbox(tmp_path / "box")
    assert names(tmp_path / "box") == ["cur", "new", "tmp"]


def test_fetches_new_mail_in_name_order(tmp_path):
    for name in ("1700000300.M3P1.host", "1700000100.M1P1.host", "1700000200.M2P1.host"):
        deliver(tmp_path, name)
    box = MaildirMailbox(tmp_path)

    fetched = list(box.fetch(10))

    assert [m.key for m in fetched] == ["1700000100.M1P1.host", "1700000200.M2P1.host", "1700000300.M3P1.host"]
    assert fetched[0].raw == (tmp_path / "new" / "1700000100.M1P1.host").read_bytes()


def test_fetch_respects_the_limit_and_leaves_the_rest_for_later(tmp_path):
    for n in range(5):
        deliver(tmp_path, f"17000000{n}0.M{n}P1.host")
    box = MaildirMailbox(tmp_path)

    first = list(box.fetch(2))
    for m in first:
        box.stored(m.key)
    rest = list(box.fetch(10))

    assert [m.key for m in first] == ["1700000000.M0P1.host", "1700000010.M1P1.host"]
    assert [m.key for m in rest] == [f"17000000{n}0.M{n}P1.host" for n in (2, 3, 4)]


def test_fetch_without_mail_yields_nothing(tmp_path):
    assert list(MaildirMailbox(tmp_path).fetch(10)) == []


def test_stored_moves_the_message_to_cur_as_seen_with_its_bytes_untouched(tmp_path):
    raw = deliver(tmp_path, "1700000100.M1P1.host", b"Subject: =?utf-8?q?f=C3=B6r?=\n\nno CRLF, \xff raw byte\n")
    box = MaildirMailbox(tmp_path)
    [message] = box.fetch(10)

    box.stored(message.key)

    assert names(tmp_path / "new") == []
    assert names(tmp_path / "cur") == ["1700000100.M1P1.host:2,S"]
    assert (tmp_path / "cur" / "1700000100.M1P1.host:2,S").read_bytes() == raw == message.raw
    assert list(box.fetch(10)) == []  # not read again


def test_stored_finds_a_new_message_that_already_carries_an_info_suffix(tmp_path):
    raw = deliver(tmp_path, "1700000100.M1P1.host[1]:2,")  # some MDAs write an info part in new/ too
    box = MaildirMailbox(tmp_path)
    [message] = box.fetch(10)

    box.stored(message.key)

    assert message.key == "1700000100.M1P1.host[1]"
    assert names(tmp_path / "new") == []
    assert (tmp_path / "cur" / "1700000100.M1P1.host[1]:2,S").read_bytes() == raw


def test_stored_of_a_message_already_gone_does_nothing(tmp_path):
    deliver(tmp_path, "1700000100.M1P1.host")
    box = MaildirMailbox(tmp_path)
    box.stored("1700000999.M9P1.host")
    assert names(tmp_path / "new") == ["1700000100.M1P1.host"] and names(tmp_path / "cur") == []


def test_hidden_files_and_folders_in_new_are_not_mail(tmp_path):
    deliver(tmp_path, "1700000100.M1P1.host")
    (tmp_path / "new" / ".1700000050.partial").write_bytes(b"half a message")
    (tmp_path / "new" / ".DS_Store").write_bytes(b"\x00\x01")
    (tmp_path / "new" / "1700000060.subfolder").mkdir()

    assert [m.key for m in MaildirMailbox(tmp_path).fetch(10)] == ["1700000100.M1P1.host"]


def test_a_message_taken_by_someone_else_after_listing_is_skipped(tmp_path):
    for n in (1, 2, 3):
        deliver(tmp_path, f"170000010{n}.M{n}P1.host")
    box = MaildirMailbox(tmp_path)
    messages = box.fetch(10)

    first = next(messages)  # the folder is listed now
    os.replace(tmp_path / "new" / "1700000102.M2P1.host", tmp_path / "cur" / "1700000102.M2P1.host:2,S")  # another reader
    rest = list(messages)

    assert first.key == "1700000101.M1P1.host"
    assert [m.key for m in rest] == ["1700000103.M3P1.host"]


def test_cur_is_never_read_and_nothing_is_ever_deleted(tmp_path):
    deliver(tmp_path, "1700000100.M1P1.host")
    (tmp_path / "cur" / "1700000050.M0P1.host:2,S").write_bytes(b"Subject: old\r\n\r\nseen before\r\n")
    box = MaildirMailbox(tmp_path)

    for message in box.fetch(10):
        box.stored(message.key)

    assert names(tmp_path / "cur") == ["1700000050.M0P1.host:2,S", "1700000100.M1P1.host:2,S"]
    assert list(box.fetch(10)) == []
