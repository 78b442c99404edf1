"""How long `allocbot` takes before it does anything: measured, not asserted.

    .venv/bin/python tests/bench/cli_startup.py [--runs 5] [--importtime]

Every command pays the start-up (the imports of bot.cli and what it pulls in) before its own
work; the test suite spawns the CLI hundreds of times and an operator types it. Times the
installed entry point (.venv/bin/allocbot) as a new process, wall clock, for `--version`,
`--help` and `status --help`, none of which touch the database, and prints the median and the
range of --runs runs each. With --importtime it also prints the slowest top-level imports of
`import bot.cli` (python -X importtime), to say where the time goes. Not collected by pytest."""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ALLOCBOT = REPO / ".venv" / "bin" / "allocbot"
COMMANDS = (("--version",), ("--help",), ("status", "--help"))


def timed(args: tuple[str, ...], runs: int) -> list[float]:
    """Seconds per run of `allocbot ARGS` in a fresh process; a failing run stops the bench, as a
    fast command that prints an error would be no figure at all."""
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([str(ALLOCBOT), *args], cwd=REPO, capture_output=True, text=True)
        seconds.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"allocbot {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return seconds


def slowest_imports(count: int = 12) -> list[tuple[float, str]]:
    """The `count` slowest imports directly under bot.cli (cumulative ms), from -X importtime."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import bot.cli"], cwd=REPO,
                          capture_output=True, text=True, check=True)
    rows = []
    for line in done.stderr.splitlines():
        if m := re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line):
            if len(m[2]) <= 4:  # bot.cli itself and what it (or site) imports directly
                rows.append((int(m[1]) / 1000, " " * (len(m[2]) - 1) + m[3]))
    return sorted(rows, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--importtime", action="store_true", help="also print the slowest imports")
    options = parser.parse_args()
    print(f"allocbot start-up, {options.runs} runs each, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}")
    for args in COMMANDS:
        seconds = timed(args, options.runs)
        print(f"  allocbot {' '.join(args):<15} median {statistics.median(seconds):.3f} s"
              f"  (min {min(seconds):.3f}, max {max(seconds):.3f})")
    if options.importtime:
        print("slowest imports of `import bot.cli` (cumulative):")
        for ms, name in slowest_imports():
            print(f"  {ms:8.1f} ms  {name}")


if __name__ == "__main__":
    main()
