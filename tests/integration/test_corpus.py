"""End to end on the shared accuracy corpora, scored by ../shared/tools/score_corpus.py exactly as
the project is measured: the CLI on a fresh database, Maildir and file outbox."""
from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys

from tests.integration.conftest import REPO, SHARED, allocbot_command
from tests.integration.corpus_needs import need

SCORER = SHARED / "tools" / "score_corpus.py"


def score(corpus_name: str) -> tuple[dict[str, tuple[int, int | None]], str]:
    """Run the scorer: ({figure: (count, total or None)} from its last line, its whole report)."""
    corpus = SHARED / "corpus" / corpus_name
    need(SCORER, corpus / "expected.jsonl")
    proc = subprocess.run([sys.executable, str(SCORER), str(corpus), "--cmd", shlex.join(allocbot_command()), "-v"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), f"the scorer could not run the CLI ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    last = proc.stdout.strip().splitlines()[-1]
    figures = {name: (int(count), int(total) if total else None)
               for name, count, total in re.findall(r"(\w+)=(\d+)(?:/(\d+))?", last)}
    return figures, proc.stdout


def test_sample_corpus_no_wrong_allocation_no_loop_and_nearly_everything_applied():
    figures, report = score("sample")

    assert figures["wrong"][0] == 0, report
    assert figures["loop_replies"][0] == 0, report
    assert figures["misdirected"][0] == 0, report
    assert figures["missing"][0] == 0, report
    applied_ok, applied_total = figures["applied"]
    assert applied_total and applied_ok / applied_total >= 0.95, report
    assert figures["confirmed"][0] == applied_ok, report  # every applied request is confirmed
    assert figures["ignored"][0] == figures["ignored"][1], report


def test_external_corpus_machine_mail_ignored_and_nothing_moves_money():
    figures, report = score("external")
    expected = [json.loads(line) for line in (SHARED / "corpus" / "external" / "expected.jsonl")
                .read_text(encoding="utf-8").splitlines() if line.strip()]

    assert figures["wrong"][0] == 0, report
    assert figures["loop_replies"][0] == 0, report
    assert figures["missing"][0] == 0, report  # every message got an outcome
    ignored_ok, ignored_total = figures["ignored"]
    assert ignored_total == sum(case["expect"] == "ignored" for case in expected) > 0, report
    assert ignored_ok == ignored_total, report
    assert figures["none"][0] == figures["none"][1], report
