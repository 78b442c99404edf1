"""The file outbox: one .eml per message id, written whole or not at all."""
from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from bot.replies.file import FileOutbox
from bot.replies.outbox import DeliveryError, Outbox

MSG_ID = "<allocbot.42.confirmation@billing.example>"


def raw_message(body: str = "Betalningen är fördelad") -> bytes:
    return f"Message-ID: {MSG_ID}\r\nSubject: Re: Betalning\r\n\r\n{body}\r\n".encode()


def send(outbox: Outbox, raw: bytes | None = None, message_id: str = MSG_ID) -> None:
    outbox.send(raw or raw_message(), to="asa@kund.example", message_id=message_id)


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_writes_one_eml_named_after_the_message_id(tmp_path):
    outbox = FileOutbox(tmp_path / "outbox")  # created on first send
    send(outbox)
    assert files(tmp_path / "outbox") == ["allocbot.42.confirmation@billing.example.eml"]
    assert (tmp_path / "outbox" / "allocbot.42.confirmation@billing.example.eml").read_bytes() == raw_message()


def test_sending_the_same_message_again_overwrites_instead_of_duplicating(tmp_path):
    outbox = FileOutbox(tmp_path)
    send(outbox, raw_message("first try"))
    send(outbox, raw_message("retry"))
    send(outbox, raw_message("retry"), message_id=MSG_ID.strip("<>"))  # same id, written without brackets
    assert files(tmp_path) == ["allocbot.42.confirmation@billing.example.eml"]
    assert b"retry" in (tmp_path / files(tmp_path)[0]).read_bytes()


def test_different_messages_get_different_files(tmp_path):
    outbox = FileOutbox(tmp_path)
    send(outbox, message_id="<allocbot.1.confirmation@billing.example>")
    send(outbox, message_id="<allocbot.1.needs_info@billing.example>")
    send(outbox, message_id="<a/b@x>")
    send(outbox, message_id="<a_b@x>")  # would clash with a/b if unsafe characters were just replaced
    assert len(files(tmp_path)) == 4


def test_unsafe_message_id_stays_inside_the_folder(tmp_path):
    outbox = FileOutbox(tmp_path / "out")
    send(outbox, message_id="<../../etc/passwd@evil>")
    [name] = files(tmp_path / "out")
    assert name.endswith(".eml") and "/" not in name and not name.startswith(".")
    assert files(tmp_path) == ["out"]


def test_folder_that_cannot_exist_raises_delivery_error(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(DeliveryError) as caught:
        send(FileOutbox(tmp_path / "a-file" / "outbox"))
    assert not caught.value.permanent  # an operator can fix the path; retrying then works


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_raises_delivery_error(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(DeliveryError):
            send(FileOutbox(tmp_path))
    finally:
        tmp_path.chmod(0o700)


def test_disk_full_raises_delivery_error_and_keeps_the_previous_copy(tmp_path, monkeypatch):
    outbox = FileOutbox(tmp_path)
    send(outbox, raw_message("first try"))

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(DeliveryError, match="No space left"):
        send(outbox, raw_message("retry"))
    assert files(tmp_path) == ["allocbot.42.confirmation@billing.example.eml"]  # no temp file left behind
    assert b"first try" in (tmp_path / files(tmp_path)[0]).read_bytes()


def test_message_without_id_is_refused_for_good(tmp_path):
    with pytest.raises(DeliveryError) as caught:
        send(FileOutbox(tmp_path), message_id="<>")
    assert caught.value.permanent
    assert files(tmp_path) == []
