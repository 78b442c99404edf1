"""Time and memory of reading the hostile inputs of tests/unit/reading/test_hostile.py.

    .venv/bin/python tests/bench/bench_hostile_reading.py [--repeat 3]

The unit tests assert what is read and the memory bounds; this prints how long each input
takes (best of --repeat) and its tracemalloc peak, so a path that turns quadratic again shows
here as seconds, not as a flaky assertion. Not collected by pytest.
"""
from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bot.reading.extract import read_request  # noqa: E402
from tests.unit.reading.test_hostile import GOLDEN_REQUEST, REQUEST, mixed, nested, read  # noqa: E402


def inputs() -> dict[str, tuple]:
    """name -> (function, argument): the inputs that were slow or large before their limits."""
    sentence_line = "A. " * 66_666 + REQUEST.decode()
    return {
        "50 levels of nested multiparts": (read, nested(50)),
        "400,000 empty parts": (read, mixed(*([b""] * 400_000))),
        "2,000,000 short lines": (read, b"Subject: s\n\n" + REQUEST + b"a\n" * 2_000_000),
        "1 MB Subject": (read, b"From: ann@bluepeak.example\nSubject: " + b"ab " * 350_000 + b"\n\n" + REQUEST),
        "900,000 header fields": (read, b"".join(b"X-%d: v\n" % i for i in range(900_000)) + b"Subject: s\n\n" + REQUEST),
        "one 11 MB line": (read, b"Subject: s\n\n" + REQUEST + b"PY40028173 " * 1_000_000 + b"\n"),
        "200,000 characters of 'A. '": (lambda text: read_request(subject="", body=text, extra_lines=[],
                                                                  invoice_pattern=r"G\d{9}", payment_pattern=r"PY\d{8}"),
                                        sentence_line),
    }


def measure(fn, arg, repeat: int) -> tuple[float, int]:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn(arg)
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    try:
        fn(arg)
        return best, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    read(GOLDEN_REQUEST)  # word lists and patterns load once per process
    print(f"{'input':<34} {'seconds':>8} {'peak MB':>8}")
    for name, (fn, arg) in inputs().items():
        seconds, peak = measure(fn, arg, args.repeat)
        print(f"{name:<34} {seconds:>8.2f} {peak / 1e6:>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
