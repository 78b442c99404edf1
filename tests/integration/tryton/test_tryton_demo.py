"""`allocbot demo --billing tryton`: the loop on a local Tryton with no other set-up. The first
run builds the Tryton database from the demo ledger; a reset starts from a copy of it."""
from __future__ import annotations

import os
import sqlite3
import subprocess

from tests.integration.conftest import REPO, allocbot_command


def demo(cwd, *args):
    env = {k: v for k, v in os.environ.items() if not (k.startswith("ALLOCBOT_") or k == "DATABASE_URL")}
    return subprocess.run(allocbot_command() + ["demo", "--billing", "tryton", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def tryton_shows(cwd) -> tuple[dict[str, tuple[str, str]], list[str]]:
    with sqlite3.connect(cwd / "var" / "tryton" / "db" / "demo.sqlite") as db:
        invoices = {n: (s, str(t)) for n, s, t in db.execute(
            "SELECT number, state, total_amount_cache FROM account_invoice WHERE number LIKE 'G%'")}
        moves = [d for (d,) in db.execute("SELECT description FROM account_move WHERE description LIKE 'alloc-%'")]
    return invoices, moves


def test_the_tryton_demo_posts_what_it_applies_and_starts_over_from_a_copy(tmp_path):
    first = demo(tmp_path, "--reset")
    assert first.returncode == 0, first.stderr[-3000:]
    assert "Tryton database built" in first.stdout and "Tryton: customer invoices" in first.stdout
    invoices, moves = tryton_shows(tmp_path)
    paid = sorted(n for n, (state, _) in invoices.items() if state == "paid")
    assert paid == ["G100000001", "G100000002", "G200000001", "G300000001"]  # the three applied requests
    assert invoices["G100000003"][0] == "posted" and len(moves) == 4 == len(set(moves))
    assert len(list((tmp_path / "var" / "outbox").rglob("*.eml"))) == 5

    again = demo(tmp_path)
    assert again.returncode == 1 and "already holds requests" in again.stdout

    reset = demo(tmp_path, "--reset")
    assert reset.returncode == 0, reset.stderr[-3000:]
    assert "Tryton database built" not in reset.stdout  # copied, not built again
    assert len(tryton_shows(tmp_path)[1]) == 4  # the same four moves, made again on a fresh copy
