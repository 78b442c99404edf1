"""Where `run --once` spends its time on a backlog (issue 7): a pyinstrument profile, summed
into the few costs that explain the ratio to the floor.

    .venv/bin/python tests/bench/profile_backlog.py [--messages 2000] [--invoices 100000] [--html FILE]

Builds the same backlog as bench_backlog.py (Maildir, SQLite, file outbox), runs one cycle
in this process under pyinstrument, and prints each step (intake, decide, file, send) and
each kind of work, by the innermost frame that names it: durable writes (SQLite commits,
the file outbox's fsync), SQL through SQLAlchemy, parsing the MIME, reading the request,
classifying and deciding, and rendering and composing the reply. Also the SQL statements
and commits per message. `--html` keeps the whole profile to look at. Not collected by pytest.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pyinstrument import Profiler  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bot.bootstrap import bootstrap  # noqa: E402
from bot.service import run_cycle  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from tests.bench.bench_backlog import build  # noqa: E402

STEPS = {"intake": "intake", "decide_stored": "decide", "file_decided": "file", "send_outbox": "send"}
# (kind of work, does a frame belong to it?) — the innermost match on a sample's stack wins
KINDS = (
    ("durable writes (commit, fsync)", lambda f: f.function in ("fsync", "commit") and "<built-in>" in (f.file_path or "")),
    ("SQL through SQLAlchemy", lambda f: re.search(r"site-packages/(sqlalchemy|sqlmodel)/", f.file_path or "") is not None),
    ("parsing the MIME", lambda f: f.function in ("parse_bytes", "parse_headers")),
    ("reading the request", lambda f: f.function == "read_message"),
    ("classifying, sender, deciding", lambda f: f.function in ("classify", "sender_of", "decide")),
    ("rendering and composing replies", lambda f: f.function in ("render_reply", "compose_reply")),
)


def summed(root) -> tuple[Counter, Counter]:
    """Seconds by step and by kind of work, from each frame's own time (not its children's)."""
    by_step, by_kind = Counter(), Counter()
    stack = [(root, "other", "other")]
    while stack:
        frame, step, kind = stack.pop()
        step = STEPS.get(frame.function, step)
        kind = next((name for name, test in KINDS if test(frame)), kind)
        own = frame.time - sum(child.time for child in frame.children)
        by_step[step] += own
        by_kind[kind] += own
        stack.extend((child, step, kind) for child in frame.children)
    return by_step, by_kind


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--html", type=Path, help="write the whole profile here")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="allocbot-profile-"))
    try:
        url, maildir, written = build(root, args.messages, args.invoices)
        app = bootstrap(load_settings(database_url=url, mailbox=f"maildir:{maildir}", outbox=f"file:{root / 'outbox'}"))
        statements = Counter()

        @event.listens_for(app.engine, "before_cursor_execute")
        def _count(conn, cursor, statement, params, context, executemany) -> None:
            statements["commit" if statement.startswith("COMMIT") else "statement"] += 1

        @event.listens_for(app.engine, "commit")
        def _commit(conn) -> None:
            statements["commit"] += 1

        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        profiler.start()
        report = run_cycle(app, holder="profile")
        profiler.stop()
        seconds = time.perf_counter() - started
        by_step, by_kind = summed(profiler.last_session.root_frame())
        total = sum(by_step.values())
        print(f"{written:,} messages in {seconds:.1f} s under the profiler ({seconds / written * 1000:.1f} ms/message): {report.summary()}")
        print(f"per message: {statements['statement'] / written:.1f} SQL statements, {statements['commit'] / written:.1f} commits")
        for title, table in (("step", by_step), ("kind of work", by_kind)):
            print(f"by {title}:")
            for name, value in table.most_common():
                print(f"  {name:<34} {value:7.1f} s  {value / total:6.1%}  {value / written * 1000:6.2f} ms/message")
        if args.html:
            args.html.write_text(profiler.output_html(), encoding="utf-8")
            print(f"profile: {args.html}")
        app.engine.dispose()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
