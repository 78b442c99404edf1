"""Fuzz the reader and the classifier with mutated real mail: no input may raise (issue 5).

    .venv/bin/python tests/bench/fuzz_parser.py [--inputs 100000] [--seed 1] [--big-every 500]

Seeds are every .eml in tests/golden/reading/ and in ../shared/corpus/{sample,external}/mail/.
Each input is a seed mutated 1-6 times (bytes flipped, truncated, a section duplicated or
dropped, hostile header lines and MIME tokens injected, boundaries repeated, line endings
changed); every `--big-every`th input also gets something large (a deep or wide MIME tree, an
overlong header or line, a big base64 attachment) so the limits are crossed too. Each goes
through `parse_bytes`, `classify` and `read_message` as the service calls them.

Prints inputs/s, the number of exceptions (must be 0), the slowest inputs and the peak RSS
(resource.getrusage). Inputs that raised are saved in var/fuzz-failures/ to reproduce.
Exit code 1 if anything raised. Not collected by pytest.
"""
from __future__ import annotations

import argparse
import base64
import random
import resource
import sys
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bot.intake.classify import classify  # noqa: E402
from bot.reading.parsing import parse_bytes  # noqa: E402
from bot.reading.read import read_message  # noqa: E402

SEED_DIRS = [REPO / "tests" / "golden" / "reading", REPO.parent / "shared" / "corpus" / "sample" / "mail",
             REPO.parent / "shared" / "corpus" / "external" / "mail"]

HOSTILE_HEADERS = [
    b"Content-Type: multipart/mixed; boundary=\"x\"", b"Content-Type: multipart/alternative",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=r", b"Content-Type: message/rfc822",
    b"Content-Type: text/plain; charset=\"x-unknown\"; format=flowed; delsp=yes", b"Content-Type: text/html; charset=utf-16",
    b"Content-Type: text/csv; name*0*=utf-8''%E2%82; name*1=x", b"Content-Transfer-Encoding: base64",
    b"Content-Transfer-Encoding: quoted-printable", b"Content-Transfer-Encoding: x-uuencode",
    b"Content-Disposition: attachment; filename=\"=?utf-8?b?%%%?=.csv\"",
    b"Subject: =?utf-8?b?R0gxMjM=?= =?x?q?=ZZ?= =?utf-8?b?====?=",
    b"From: \"=?utf-8?q?ann=40bluepeak.example?=\" <evil@x.example>", b"From: a@b.example, c@d.example",
    b"From: (((((<<<>>>\"", b"Date: Mon, 99 Foo 99999 99:99:99 +9999", b"Auto-Submitted: auto-replied",
    b"Authentication-Results: mx; dmarc=fail", b"Subject: \x00\xff\xfe\x80 caf\xe9", b"\x00: \x00",
    b" continuation first", b"From nobody Mon Jan 1 00:00:00 2024", b"Precedence: bulk", b"Return-Path: <>",
]
TOKENS = [b"\n", b"\r", b"\r\n", b"\n\n", b"--", b"=?utf-8?b?", b"?=", b"=\n", b"=ZZ", b"\x00", b"\xff\xfe", b"\xc3",
          b"begin 644 f\n", b"<html><table><tr><td>", b"</td></tr>", b"> ", b"PY40028173", b"G012345678",
          b"1.234,56 EUR", b"From: a@b\nSent: x\nTo: y\n", b"-- \n", b"A. " * 40, b"\xef\xb7\xba" * 20,
          b"<div class=\"gmail_quote\">", b"invoice;amount\n"]


def boundaries(raw: bytes) -> list[bytes]:
    found = []
    for token in raw.split(b"boundary=")[1:4]:
        value = token.split(b";")[0].split(b"\n")[0].strip().strip(b'"')
        if value:
            found.append(b"--" + value)
    return found


def mutate(raw: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 6)):
        op = rng.choice(("flip", "flip", "truncate", "duplicate", "drop", "header", "insert", "insert", "boundary", "newlines"))
        size = len(raw)
        at = rng.randint(0, size)
        if op == "flip" and size:
            at = min(at, size - 1)
            raw = raw[:at] + bytes([rng.randrange(256)]) + raw[at + 1:]
        elif op == "truncate":
            raw = raw[:at]
        elif op == "duplicate":
            end = rng.randint(at, min(size, at + 4000))
            raw = raw[:end] + raw[at:end] * rng.randint(1, 3) + raw[end:]
        elif op == "drop":
            raw = raw[:at] + raw[rng.randint(at, size):]
        elif op == "header":
            cut = raw.find(b"\n", at) + 1 if rng.random() < 0.5 else 0
            raw = raw[:cut] + rng.choice(HOSTILE_HEADERS) + b"\n" + raw[cut:]
        elif op == "insert":
            token = rng.choice(TOKENS) if rng.random() < 0.8 else rng.randbytes(rng.randint(1, 40))
            raw = raw[:at] + token + raw[at:]
        elif op == "boundary" and (found := boundaries(raw)):
            raw = raw[:at] + b"\n" + rng.choice(found) + rng.choice((b"\n", b"--\n", b"")) + raw[at:]
        elif op == "newlines":
            raw = rng.choice((raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), raw.replace(b"\n", b"\r"),
                              raw.replace(b"\r\n", b"\n")))
    return raw


def big(raw: bytes, rng: random.Random) -> bytes:
    """Something over a limit, or near one."""
    kind = rng.choice(("deep", "wide", "header", "line", "attachment", "csv"))
    if kind == "deep":
        levels = rng.choice((19, 21, 60, 1500))
        opening = b"".join(b"--z%d\nContent-Type: multipart/mixed; boundary=z%d\n\n" % (i, i + 1) for i in range(levels - 1))
        return b"Content-Type: multipart/mixed; boundary=z0\n\n" + opening + b"--z%d\n" % (levels - 1) + raw
    if kind == "wide":
        return (b"Content-Type: multipart/mixed; boundary=w\n\n" + b"--w\n\n" * rng.choice((150, 199, 201, 5000))
                + b"--w\n" + raw + b"\n--w--\n")
    if kind == "header":
        return b"Subject: " + b"=?utf-8?b?R0g=?= " * rng.choice((1000, 2000, 3000)) + b"\n" + raw
    if kind == "line":
        return raw + b"\n" + rng.choice((b"x", b"A. ", b"1 ", b"PY", b"\xef\xb7\xba")) * rng.choice((100_000, 700_000))
    data = rng.randbytes(rng.choice((100_000, 3_000_000))) if kind == "attachment" else b"G012345678;1,00\n" * 150_000
    return (b"Content-Type: multipart/mixed; boundary=a\n\n--a\n" + raw + b"\n--a\nContent-Type: "
            + (b"application/pdf" if kind == "attachment" else b"text/csv")
            + b"\nContent-Disposition: attachment; filename=x\nContent-Transfer-Encoding: base64\n\n"
            + base64.encodebytes(data) + b"--a--\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--big-every", type=int, default=500, help="every Nth input also gets something large (0: never)")
    args = parser.parse_args()

    seeds = [p.read_bytes() for d in SEED_DIRS if d.is_dir() for p in sorted(d.glob("*.eml"))]
    rng = random.Random(args.seed)
    failures = REPO / "var" / "fuzz-failures"
    own = frozenset({"allocations@billing.example"})
    errors: dict[str, int] = {}
    slowest: list[tuple[float, int, int]] = []
    total_bytes = 0
    print(f"{len(seeds)} seed messages; {args.inputs:,} inputs, one in {args.big_every or 'none'} large", flush=True)
    started = time.perf_counter()
    for n in range(1, args.inputs + 1):
        raw = mutate(rng.choice(seeds), rng)
        if args.big_every and n % args.big_every == 0:
            raw = big(raw, rng)
        total_bytes += len(raw)
        t0 = time.perf_counter()
        try:
            msg = parse_bytes(raw)
            classify(msg, own_addresses=own, loop_header="X-Allocbot-Loop")
            read_message(msg, invoice_pattern=r"G\d{9}", payment_pattern=r"PY\d{8}", month_first=n % 7 == 0)
        except Exception as exc:  # noqa: BLE001 - counting them is the point
            key = f"{type(exc).__name__}: {str(exc)[:120]}"
            errors[key] = errors.get(key, 0) + 1
            if errors[key] <= 3:
                failures.mkdir(parents=True, exist_ok=True)
                (failures / f"input-{n}.eml").write_bytes(raw)
                print(f"input {n} raised {key}\n{traceback.format_exc()}", flush=True)
        elapsed = time.perf_counter() - t0
        slowest = sorted(slowest + [(elapsed, n, len(raw))], reverse=True)[:5]
        if n % 10_000 == 0:
            rate = n / (time.perf_counter() - started)
            print(f"  {n:,} inputs, {rate:,.0f}/s, {sum(errors.values())} exceptions", flush=True)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"\ninputs          {args.inputs:,} ({total_bytes / 1e6:,.1f} MB) in {seconds:,.1f} s: {args.inputs / seconds:,.0f} inputs/s")
    print(f"exceptions      {sum(errors.values())}")
    for key, count in sorted(errors.items(), key=lambda kv: -kv[1]):
        print(f"  {count:6}  {key}")
    print("slowest         " + ", ".join(f"#{n} {s:.2f} s ({size / 1e6:.2f} MB)" for s, n, size in slowest))
    print(f"peak RSS        {peak_kib / 1024:,.0f} MiB")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
