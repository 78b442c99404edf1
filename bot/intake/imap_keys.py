"""Pure rules of the IMAP adapter: message keys, which UIDs to read next, server folder names.

No connection here, so each rule is tested as plain values (tests/unit/intake/test_imap_keys.py).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from bot.intake.mailbox import Checkpoint


@dataclass(frozen=True)
class MessageKey:
    folder: str
    uidvalidity: int
    uid: int


def message_key(folder: str, uidvalidity: int, uid: int) -> str:
    """`INBOX;UIDVALIDITY=1795581180;UID=42`: a message's name that survives restarts, in the
    style of RFC 5092 IMAP URLs. The folder is kept verbatim (it may hold ';' or spaces): the
    two fixed parts are read from the right."""
    if not folder:
        raise ValueError("a message key needs a folder")
    return f"{folder};UIDVALIDITY={int(uidvalidity)};UID={int(uid)}"


def parse_message_key(key: str) -> MessageKey:
    """The parts of a key made by `message_key`; ValueError for anything else (a Maildir key)."""
    parts = key.rsplit(";", 2)
    if len(parts) != 3 or not parts[0]:
        raise ValueError(f"not an IMAP message key: {key!r}")
    folder, validity, uid = parts
    return MessageKey(folder, _number(validity, "UIDVALIDITY", key), _number(uid, "UID", key))


def _number(part: str, name: str, key: str) -> int:
    label, _, digits = part.partition("=")
    if label.upper() != name or not digits.isdigit() or int(digits) <= 0:
        raise ValueError(f"not an IMAP message key ({name} is missing or not a positive number): {key!r}")
    return int(digits)


def resume_after(checkpoint: Checkpoint | None, folder: str, uidvalidity: int) -> int:
    """The last UID already read: the checkpoint's, unless it belongs to another folder or an
    older UIDVALIDITY (the server renumbered the folder), when reading starts again at 0."""
    if checkpoint is None or checkpoint.folder != folder or checkpoint.uidvalidity != uidvalidity:
        return 0
    return max(0, checkpoint.last_uid)


def uids_to_read(found: Iterable[int], after: int, limit: int) -> list[int]:
    """The oldest `limit` UIDs above `after`. `UID n:*` also answers the folder's last
    message when its UID is below n, so the filter is needed, not decoration."""
    return sorted(uid for uid in set(found) if uid > after)[:max(0, limit)]


def chunks(items: Sequence[int], size: int) -> Iterator[list[int]]:
    """Consecutive slices of at most `size`, so one FETCH never asks for a whole folder."""
    for start in range(0, len(items), max(1, size)):
        yield list(items[start:start + max(1, size)])


def server_folder(name: str, delimiter: str | None, prefix: str = "") -> str:
    """A configured folder name ("/" separated) as the server spells it: its hierarchy
    delimiter and its personal namespace prefix (e.g. "INBOX." on Cyrus and Courier).
    A part holding the server's delimiter cannot be expressed, so it is refused."""
    parts = [part for part in name.split("/") if part]
    if not parts:
        raise ValueError(f"empty folder name {name!r}")
    if delimiter and delimiter != "/":
        clashing = [part for part in parts if delimiter in part]
        if clashing:
            raise ValueError(f"folder {name!r}: {clashing[0]!r} holds the server's hierarchy delimiter {delimiter!r}")
    joined = (delimiter or "/").join(parts)
    if not prefix or joined.upper() == "INBOX" or joined.startswith(prefix):
        return joined
    return prefix + joined
