"""The sample corpus end to end with Tryton as the system of record, on PostgreSQL.

The corpus' ledger is entered into a Tryton database as its users enter it; allocbot is given
nothing else. `allocbot run --once` reads the ledger from Tryton, decides the corpus' mail, posts
what it applies to Tryton and confirms what Tryton shows. Then Tryton itself is queried: every
applied allocation is there exactly once, nothing else is, and every invoice's amount to pay and
every payment's open credit are the ledger's figures less exactly the applied allocations.

On PostgreSQL only, as Tryton runs in production. Tryton on SQLite is covered by every other
test in this folder (posting, syncing, crashes, the demo); the whole corpus on it as well cost
four minutes of the suite's two workers and found nothing the PostgreSQL run does not."""
from __future__ import annotations

import csv
import itertools
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from bot.tryton.building import drop_database
from bot.tryton.connection import TrytonURL
from tests.integration.conftest import IN_CI, REPO, SHARED, allocbot_command, unavailable
from tests.integration.test_corpus_billing import scorer

CORPUS = SHARED / "corpus" / "sample"
_names = itertools.count(1)

# Run in a process of its own: trytond takes one configuration per process, and the test
# process may hold the SQLite tests' one. Prints Tryton's figures and how many moves carry each key.
READ_TRYTON = """
import json, sys
from pathlib import Path
from bot.tryton.connection import parse_tryton_url, transaction
from bot.tryton.posting import TrytonBilling
url, into = sys.argv[1], Path(sys.argv[2])
TrytonBilling(url).read_ledger(into, since=None)
with transaction(parse_tryton_url(url)) as pool:
    moves = pool.get("account.move").search([("description", "like", "alloc-%")])
    keys = {}
    for move in moves:
        keys[move.description] = keys.get(move.description, 0) + 1
print(json.dumps(keys))
"""


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(params=["postgresql"])
def corpus_tryton(request, tmp_path: Path):
    """A Tryton database on PostgreSQL holding the sample corpus' ledger, built by a process of
    its own (it needs no session base: the test may run on a worker that never builds one)."""
    if not (CORPUS / "expected.jsonl").is_file():
        unavailable("the shared sample corpus is missing (../shared/corpus/sample)")
    config = tmp_path / "trytond-pg.conf"
    config.write_text("[database]\nuri = postgresql://127.0.0.1:5432/\n", encoding="utf-8")
    url = TrytonURL(f"allocbot_tryton_{os.getpid()}_{next(_names)}", config)
    built = subprocess.run([sys.executable, "-m", "bot.tryton.building", f"tryton:///{url.database}?config={config}",
                            "--ledger", str(CORPUS / "ledger")], cwd=REPO, capture_output=True, text=True, timeout=900)
    if built.returncode != 0 and "connection" in built.stderr.lower() and not IN_CI:
        pytest.skip(f"PostgreSQL is not reachable for Tryton: {built.stderr[-300:]}")
    assert built.returncode == 0, built.stderr[-3000:]
    try:
        yield f"tryton:///{url.database}?config={config}"
    finally:
        drop_database(url)


def test_sample_corpus_posted_to_tryton_exactly_once_with_tryton_s_figures(corpus_tryton, tmp_path):
    maildir = tmp_path / "mailbox"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for i, eml in enumerate(sorted((CORPUS / "mail").glob("*.eml"))):
        shutil.copy(eml, maildir / "new" / f"{1700000000 + i}.{i}.corpus-{eml.stem}")
    env = {k: v for k, v in os.environ.items() if not (k.startswith("ALLOCBOT_") or k == "DATABASE_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'allocbot.db'}", ALLOCBOT_MAILBOX=f"maildir:{maildir}",
               ALLOCBOT_OUTBOX=f"file:{tmp_path / 'outbox'}", ALLOCBOT_BILLING=corpus_tryton)

    def cli(*args: str) -> str:
        done = subprocess.run(allocbot_command() + list(args), cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=900)
        assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    def tryton(into: Path) -> dict[str, int]:
        done = subprocess.run([sys.executable, "-c", READ_TRYTON, corpus_tryton, str(into)], cwd=REPO,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    summary = cli("run", "--once")  # no ledger import: the cycle reads the ledger from Tryton
    exported = cli("requests", "export", "--format", "jsonl")
    sent = [f.read_bytes() for f in (tmp_path / "outbox").rglob("*.eml")]
    tally, problems = scorer().evaluate(CORPUS, exported, sent)
    assert tally["wrong"] == 0 and tally["misdirected"] == 0, problems
    assert tally["applied_ok"] >= 100, (summary, problems)
    assert tally["confirmed"] == tally["applied_ok"]  # each confirmed once Tryton had the posting
    records = [json.loads(line) for line in exported.splitlines() if line.startswith("{")]
    applied = [r for r in records if r["status"] == "applied"]
    assert {p["state"] for r in applied for p in r["postings"]} == {"reflected"}

    keys = tryton(tmp_path / "after")
    mine = [p["key"] for r in applied for p in r["postings"]]
    allocated = Counter((a["payment_id"], a["invoice_number"], Decimal(a["amount"])) for r in applied
                        for a in r["allocations"])
    assert keys == {key: 1 for key in mine}  # every applied allocation in Tryton exactly once, nothing else
    shown = rows(tmp_path / "after" / "allocations.csv")
    assert sorted(a["reference"] for a in shown) == sorted(mine)
    assert Counter((a["payment_id"], a["invoice_number"], Decimal(a["amount"])) for a in shown) == allocated

    spent = Counter()
    for (payment_id, invoice_number, amount), times in allocated.items():
        spent[payment_id] += amount * times
        spent[invoice_number] += amount * times
    ledger = CORPUS / "ledger"
    want = {r["invoice_number"]: Decimal(r["open_amount"]) - spent[r["invoice_number"]]
            for r in rows(ledger / "invoices.csv")}
    want |= {r["payment_id"]: Decimal(r["unallocated_amount"]) - spent[r["payment_id"]]
             for r in rows(ledger / "payments.csv")}
    got = {r["invoice_number"]: Decimal(r["open_amount"]) for r in rows(tmp_path / "after" / "invoices.csv")
           if not r["invoice_number"].startswith("PRIOR-")}
    got |= {r["payment_id"]: Decimal(r["unallocated_amount"]) for r in rows(tmp_path / "after" / "payments.csv")}
    assert {k: v for k, v in got.items() if v != want.get(k)} == {}
    assert set(got) >= {k for k, v in want.items() if v > 0}  # nothing open is missing from Tryton

    again = cli("run", "--once")  # nothing posted again, nobody confirmed twice
    synced = cli("ledger", "sync", "--full")
    assert tryton(tmp_path / "again") == keys and "discrepancies: 0" in synced, (again, synced)
    assert len(list((tmp_path / "outbox").rglob("*.eml"))) == len(sent)
    print(f"tryton corpus: {tally['applied_ok']} applied, {len(keys)} postings in Tryton, wrong={tally['wrong']}")
