#!/usr/bin/env python3
"""Score a corpus with ../shared/tools/score_corpus.py and give its figures per `kind`.

    python tests/corpus/score_by_kind.py tests/corpus/unseen_forms --cmd ".venv/bin/allocbot" [-v]

The scorer is run with -v; every case it lists is joined with expected.jsonl by file name, and
every case it does not list is right. Per kind: total, right, wrong (allocations that are not
the expected ones: must be 0), held (an applied case that was held instead), other (a held or
ignored case with another status, a reply to ignored mail, a message without a record). With -v,
each case that is not right, with its note and the scorer's reason.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCORER = REPO.parent / "shared" / "tools" / "score_corpus.py"
PROBLEM = re.compile(r"^\s+(\S+)\s+expect (\S+)\s+(.*)$")
COLUMNS = ("total", "right", "wrong", "held", "other")


def run_scorer(corpus: Path, cmd: str, scorer: Path = SCORER, cwd: Path | None = None) -> str:
    """The scorer's verbose report, the CLI run in `cwd` (default: this process's, as the scorer
    does: `python -m bot` imports the bot of that folder first); the CLI failing (exit 2) is an
    error, not a figure."""
    proc = subprocess.run([sys.executable, str(scorer), str(corpus.resolve()), "-v", "--cmd", cmd], cwd=cwd,
                          capture_output=True, text=True, timeout=900)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"the scorer could not run the CLI ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def summary(report: str) -> dict[str, tuple[int, int | None]]:
    """The scorer's last line: {figure: (count, total or None)}."""
    last = report.strip().splitlines()[-1]
    return {name: (int(count), int(total) if total else None)
            for name, count, total in re.findall(r"(\w+)=(\d+)(?:/(\d+))?", last)}


def problems(report: str) -> dict[str, list[str]]:
    """{file: the scorer's reasons} for every case it listed."""
    found: dict[str, list[str]] = {}
    for line in report.splitlines():
        if match := PROBLEM.match(line):
            found.setdefault(match[1], []).append(match[3])
    return found


def outcome(reasons: list[str]) -> str:
    """One column for a case from the scorer's reasons (none: right)."""
    if any(r.startswith("WRONG") for r in reasons):
        return "wrong"
    if any(r.startswith("held instead of applied") for r in reasons):
        return "held"
    if [r for r in reasons if not r.startswith("applied but no reply")]:
        return "other"  # a status other than expected, a reply to ignored mail, no record
    return "right"


def expected_cases(corpus: Path) -> list[dict]:
    return [json.loads(line) for line in (corpus / "expected.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def by_kind(cases: list[dict], found: dict[str, list[str]]) -> dict[str, Counter]:
    """{kind: Counter(total, right, wrong, held, other)}, kinds in the corpus' order."""
    tally: dict[str, Counter] = {}
    for case in cases:
        row = tally.setdefault(case.get("kind", "?"), Counter())
        row["total"] += 1
        row[outcome(found.get(case["file"], []))] += 1
    return tally


def table(tally: dict[str, Counter]) -> str:
    rows = [("kind", *COLUMNS)] + [(kind, *(str(row[c]) for c in COLUMNS)) for kind, row in tally.items()]
    rows.append(("all", *(str(sum(row[c] for row in tally.values())) for c in COLUMNS)))
    return "\n".join(f"{r[0]:<14}" + "".join(f"{cell:>7}" for cell in r[1:]) for r in rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--cmd", required=True, help="how to call the CLI, as score_corpus.py's --cmd")
    ap.add_argument("--scorer", type=Path, default=SCORER)
    ap.add_argument("-v", "--verbose", action="store_true", help="list every case that is not right")
    args = ap.parse_args()

    report = run_scorer(args.corpus, args.cmd, args.scorer)
    cases, found = expected_cases(args.corpus), problems(report)
    print(table(by_kind(cases, found)))
    if args.verbose:
        for case in cases:
            if (column := outcome(found.get(case["file"], []))) != "right":
                print(f"  {case['file']} {case.get('kind', '?'):<13} {column:<6} {case.get('note', '')}: "
                      f"{'; '.join(found[case['file']])}")
    print(report.strip().splitlines()[-1])
    return 1 if summary(report)["wrong"][0] else 0


if __name__ == "__main__":
    sys.exit(main())
