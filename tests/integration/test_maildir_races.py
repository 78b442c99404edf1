"""Several processes reading one Maildir at once, some SIGKILLed: each delivered message ends in
cur/ exactly once, as NAME:2,S with its bytes, and new/ ends empty (promise 3 on the mailbox).

Why: a crash-takeover run once counted 67 files in cur/ for 61 deliveries. The cause was the
test delivering six mails twice; these tests show the mailbox itself never makes a copy, even
when readers race on the same file or die in the middle of moving it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.intake.maildir import MaildirMailbox

REPO = Path(__file__).resolve().parents[2]
# A reader as intake is one: list new/, read each file, mark it stored; until new/ is empty.
# It starts when the go file appears, so every reader races from the first message.
READER = """
import os, sys, time
from pathlib import Path
from bot.intake.maildir import MaildirMailbox
root, go = Path(sys.argv[1]), Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
box = MaildirMailbox(root)
while batch := list(box.fetch(5)):
    for incoming in batch:
        time.sleep(0.001)  # the storing transaction, which commits before the mailbox hears of it
        box.stored(incoming.key)
"""


def deliver(root: Path, count: int, *, suffix: str = "") -> dict[str, bytes]:
    """`count` mails into new/ by tmp/ then rename, as an MDA does; their bytes by base name."""
    box = MaildirMailbox(root)
    sent = {}
    for n in range(count):
        name = f"{1_700_000_000 + n}.M{n}P{os.getpid()}.host"
        raw = f"Message-ID: <{n}@example>\r\nSubject: {n}\r\n\r\nbody {n}\r\n".encode()
        (box.path / "tmp" / name).write_bytes(raw)
        os.replace(box.path / "tmp" / name, box.path / "new" / f"{name}{suffix}")
        sent[name] = raw
    return sent


def readers(root: Path, go: Path, count: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", READER, str(root), str(go)], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(count)]


def assert_each_once_in_cur(root: Path, sent: dict[str, bytes]) -> None:
    cur = sorted(os.listdir(root / "cur"))
    assert sorted(os.listdir(root / "new")) == []
    assert cur == sorted(f"{name}:2,S" for name in sent), set(cur) ^ {f"{name}:2,S" for name in sent}
    assert all((root / "cur" / f"{name}:2,S").read_bytes() == raw for name, raw in sent.items())


def test_four_readers_at_once_move_each_message_to_cur_once(tmp_path):
    sent = deliver(tmp_path / "box", 300)
    procs = readers(tmp_path / "box", tmp_path / "go", 4)
    (tmp_path / "go").touch()

    results = [(p.wait(timeout=120), p.stderr.read().decode()) for p in procs]

    assert results == [(0, "")] * 4  # a reader that lost a race to another is no error
    assert_each_once_in_cur(tmp_path / "box", sent)


def test_names_with_an_info_part_in_new_race_the_same_way(tmp_path):
    """The glob path of stored(): new/NAME:2, (some MDAs write it) is still moved once."""
    sent = deliver(tmp_path / "box", 150, suffix=":2,")
    procs = readers(tmp_path / "box", tmp_path / "go", 3)
    (tmp_path / "go").touch()

    assert [(p.wait(timeout=120), p.stderr.read().decode()) for p in procs] == [(0, "")] * 3
    assert_each_once_in_cur(tmp_path / "box", sent)


def test_readers_killed_midway_leave_no_copy_and_a_later_reader_finishes(tmp_path):
    sent = deliver(tmp_path / "box", 600)
    procs = readers(tmp_path / "box", tmp_path / "go", 3)
    (tmp_path / "go").touch()
    deadline = time.monotonic() + 60
    while len(os.listdir(tmp_path / "box" / "cur")) < 20 and time.monotonic() < deadline:
        time.sleep(0.001)

    for p in procs[:2]:  # two die in the middle of their work, at whatever step they are
        p.send_signal(signal.SIGKILL)
    codes = [p.wait(timeout=120) for p in procs]
    [last] = readers(tmp_path / "box", tmp_path / "go", 1)

    assert codes[:2] == [-signal.SIGKILL] * 2 and codes[2] == 0 and last.wait(timeout=120) == 0
    assert_each_once_in_cur(tmp_path / "box", sent)
