"""The sample corpus end to end with a billing system behind a webhook (issue 13): scored by
../shared/tools/score_corpus.py as the project is measured, with ALLOCBOT_BILLING pointing at
a loopback receiver that checks every signature. Nothing is confirmed before the billing
system shows it; the export that reflects the postings gets every applied request confirmed."""
from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from tests.integration.billing_receiver import SECRET, BillingReceiver
from tests.integration.conftest import REPO, SHARED, allocbot_command
from tests.integration.corpus_needs import need

SCORER = SHARED / "tools" / "score_corpus.py"
CORPUS = SHARED / "corpus" / "sample"


def scorer():
    spec = importlib.util.spec_from_file_location("score_corpus", SCORER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reflecting_export(ledger: Path, taken: list[dict], into: Path) -> Path:
    """The corpus ledger as the billing system exports it after applying what it was posted:
    lower figures, and allocations.csv naming allocbot's keys."""
    shutil.copytree(ledger, into)
    spent = Counter()
    for p in taken:
        spent[p["payment_id"]] += Decimal(p["amount"])
        spent[p["invoice_number"]] += Decimal(p["amount"])
    for stem, key, column in (("payments", "payment_id", "unallocated_amount"), ("invoices", "invoice_number", "open_amount")):
        with (into / f"{stem}.csv").open(encoding="utf-8") as f:
            reader = csv.DictReader(f)
            fields, rows = reader.fieldnames, list(reader)
        for row in rows:
            row[column] = str(Decimal(row[column]) - spent[row[key]])
        with (into / f"{stem}.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fields)
            writer.writeheader()
            writer.writerows(rows)
    with (into / "allocations.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["payment_id", "invoice_number", "amount", "currency", "reference"])
        for p in taken:
            writer.writerow([p["payment_id"], p["invoice_number"], p["amount"], p["currency"], p["key"]])
    return into


@pytest.fixture
def receiver():
    r = BillingReceiver().start()
    yield r
    r.stop()


def test_sample_corpus_posted_once_by_key_and_confirmed_only_once_reflected(receiver, tmp_path):
    need(SCORER, CORPUS / "expected.jsonl")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ALLOCBOT_")},
           "ALLOCBOT_BILLING": receiver.url, "ALLOCBOT_BILLING_SECRET": SECRET}
    proc = subprocess.run([sys.executable, str(SCORER), str(CORPUS), "--cmd", shlex.join(allocbot_command()), "-v",
                           "--keep"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    report = proc.stdout
    work = Path(re.search(r"work folder: (\S+)", report).group(1))
    try:
        figures = {n: int(c) for n, c in re.findall(r"(\w+)=(\d+)", report.strip().splitlines()[-1])}
        assert figures["wrong"] == 0 and figures["misdirected"] == 0 and figures["missing"] == 0, report
        assert figures["applied"] >= 100, report
        assert figures["confirmed"] == 0, report  # delivered, not reflected: nobody confirmed yet
        assert receiver.bad_signatures == 0
        keys = receiver.keys()
        assert len(keys) == len(set(keys)) and [s for _k, s in receiver.answers] == [200] * len(keys)

        run_env = {**env, "DATABASE_URL": f"sqlite:///{work / 'allocbot.db'}", "ALLOCBOT_MAILBOX": f"maildir:{work / 'mailbox'}",
                   "ALLOCBOT_OUTBOX": f"file:{work / 'outbox'}"}
        cli = lambda *args: subprocess.run(allocbot_command() + list(args), cwd=REPO, env=run_env,  # noqa: E731
                                           capture_output=True, text=True, timeout=300, check=True).stdout
        records = [json.loads(line) for line in cli("requests", "export", "--format", "jsonl").splitlines()]
        applied = [r for r in records if r["status"] == "applied"]
        posted = sorted(p["key"] for r in applied for p in r["postings"])
        assert posted == sorted(keys)  # every applied allocation delivered, exactly once
        assert {r["billing_status"] for r in applied} == {"awaiting_billing"}

        imported = cli("ledger", "import", str(reflecting_export(CORPUS / "ledger", receiver.taken, tmp_path / "export")))
        assert f"allocations: {len(keys)} postings reflected" in imported and "discrepancies: 0" in imported
        cli("run", "--once")

        exported = cli("requests", "export", "--format", "jsonl")
        sent = [f.read_bytes() for f in (work / "outbox").rglob("*") if f.is_file()]
        tally, _problems = scorer().evaluate(CORPUS, exported, sent)
        assert tally["wrong"] == 0 and tally["confirmed"] == tally["applied_ok"] == figures["applied"]
        assert len(receiver.answers) == len(keys)  # the import and the second run posted nothing again
    finally:
        shutil.rmtree(work, ignore_errors=True)
