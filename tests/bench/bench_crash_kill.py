"""Heavy versions of the reliability proofs (tests/reliability/), run on demand, printing figures.

    .venv/bin/python tests/bench/bench_crash_kill.py [--requests 500] [--kills 20] [--workers 4]
        [--many 1000] [--seed N] [--sqlite-only | --postgres-only] [--keep]

1. Crash/kill: one real `allocbot worker`, SIGKILLed at random (seeded) moments and restarted
   until every request is decided (at least --kills times), then a final clean run; on SQLite
   and on PostgreSQL.
2. Many workers: --workers processes at once on one Maildir and one PostgreSQL database with
   --many requests (and one worker on SQLite with the same backlog).

After each run every invariant of tests/reliability/harness.py:check_invariants is asserted,
then one line of figures is printed: kills survived, workers, messages, duplicate SMTP
deliveries (each explained by a kill between the server's acceptance and the commit), wall
time and messages per second. PostgreSQL is the test server (ALLOCBOT_TEST_POSTGRES, default
postgresql://postgres@127.0.0.1:5432/test); a throwaway database is created and dropped.
Not collected by pytest."""
from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import trustme  # noqa: E402
from sqlalchemy import Engine  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.ledger.database import make_engine, migrate  # noqa: E402
from tests.integration.conftest import PG_ADMIN_URL, _connect_admin  # noqa: E402
from tests.integration.smtp_server import SmtpServerFactory  # noqa: E402
from tests.reliability.harness import (  # noqa: E402
    RunFigures, allocbot, check_invariants, crash_run, make_backlog, many_workers_run, worker_env,
)


@contextmanager
def database(kind: str, root: Path) -> Iterator[tuple[str, Engine]]:
    """A fresh, migrated database: a SQLite file under root, or a throwaway PostgreSQL database."""
    if kind == "sqlite":
        url, name = f"sqlite:///{root / 'allocbot.db'}", None
    else:
        name = f"allocbot_bench_{secrets.token_hex(6)}"
        with _connect_admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        migrate(engine)
        yield url, engine
    finally:
        engine.dispose()
        if name:
            with _connect_admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(kind: str, scenario: str, args: argparse.Namespace, smtp_factory: SmtpServerFactory, base: Path) -> RunFigures:
    root = base / f"{scenario}-{kind}"
    root.mkdir(parents=True)
    smtp = smtp_factory.start()
    try:
        with database(kind, root) as (url, engine):
            requests = args.requests if scenario == "crash" else args.many
            backlog = make_backlog(requests, root, seed=args.seed)
            maildir, logs = root / "mailbox", root / "logs"
            logs.mkdir()
            env = worker_env(database_url=url, maildir=maildir, smtp=smtp)
            allocbot(env, "ledger", "import", str(backlog.ledger_dir))
            if scenario == "crash":
                figures = crash_run(env=env, engine=engine, smtp=smtp, backlog=backlog, maildir=maildir, logs=logs,
                                    min_kills=args.kills, seed=args.seed, database=kind)
                seen = check_invariants(engine, smtp, backlog, maildir=maildir, kills=figures.kills,
                                        kills_on_acceptance=figures.kills_on_acceptance,
                                        claims_left=figures.claims_left)
            else:
                workers = args.workers if kind == "postgres" else 1
                figures = many_workers_run(env=env, engine=engine, backlog=backlog, maildir=maildir, logs=logs,
                                           workers=workers, seed=args.seed, database=kind)
                seen = check_invariants(engine, smtp, backlog, maildir=maildir)
                assert seen["duplicates_sent"] == 0, "a reply went out twice although nobody was killed"
            figures.duplicates_sent, figures.replies = seen["duplicates_sent"], seen["replies"]
    finally:
        smtp.stop()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500, help="requests in the crash/kill backlog")
    parser.add_argument("--kills", type=int, default=20, help="at least this many SIGKILLs per crash run")
    parser.add_argument("--workers", type=int, default=4, help="worker processes at once on PostgreSQL")
    parser.add_argument("--many", type=int, default=1000, help="requests in the many-workers backlog")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 1_000_000)
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--sqlite-only", action="store_true")
    only.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the working folder (logs of every worker life)")
    args = parser.parse_args()
    kinds = ["sqlite"] if args.sqlite_only else ["postgres"] if args.postgres_only else ["sqlite", "postgres"]
    if "postgres" in kinds:
        try:
            _connect_admin().close()
        except Exception as exc:  # noqa: BLE001
            print(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}; use --sqlite-only", file=sys.stderr)
            return 2
    base = Path(tempfile.mkdtemp(prefix="allocbot-crash-bench-"))
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(base / "ca.pem"))
    smtp_factory = SmtpServerFactory(ca, base / "ca.pem")
    print(f"seed {args.seed}; working folder {base}", flush=True)
    failed = False
    try:
        for scenario in ("crash", "many"):
            for kind in kinds:
                try:
                    figures = run(kind, scenario, args, smtp_factory, base)
                except AssertionError as exc:
                    failed = True
                    print(f"{scenario} [{kind}] FAILED: {exc}", flush=True)
                    continue
                print(f"{scenario:5} {figures.line()}", flush=True)
    finally:
        smtp_factory.stop_all()
        if not args.keep and not failed:
            shutil.rmtree(base, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
