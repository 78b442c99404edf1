"""Several workers at once (DESIGN.md "Scale", promise 3): four real `allocbot worker`
processes on one Maildir and one PostgreSQL database store, decide and send every message
exactly once (the intake lease, row claims with SKIP LOCKED, unique keys); one worker on
SQLite keeps the same promises. Heavier versions: tests/bench/bench_crash_kill.py."""
from __future__ import annotations

import multiprocessing
import os

import pytest

from bot.intake.maildir import MaildirMailbox
from tests.reliability.harness import allocbot, check_invariants, make_backlog, many_workers_run, worker_env

SEED = int(os.environ.get("ALLOCBOT_RELIABILITY_SEED", "20261125"))


@pytest.mark.postgres
def test_four_workers_on_one_maildir_and_postgres_do_each_message_once(postgres_stage, smtp_server, capsys):
    # 400: each worker takes about a hundred, claiming against the others all along; the heavy
    # version (tests/bench/bench_crash_kill.py --many 1000) runs a thousand
    _run(postgres_stage, smtp_server, capsys, requests=400, workers=4)


def test_one_worker_on_sqlite_does_each_message_once(sqlite_stage, smtp_server, capsys):
    _run(sqlite_stage, smtp_server, capsys, requests=150, workers=1)


def _run(stage, smtp_server, capsys, *, requests: int, workers: int) -> None:
    smtp = smtp_server.start()
    backlog = make_backlog(requests, stage.root, seed=SEED)
    env = worker_env(database_url=stage.database_url, maildir=stage.maildir, smtp=smtp)
    allocbot(env, "ledger", "import", str(backlog.ledger_dir))

    figures = many_workers_run(env=env, engine=stage.engine, backlog=backlog, maildir=stage.maildir, logs=stage.logs,
                               workers=workers, seed=SEED, database=stage.database)
    seen = check_invariants(stage.engine, smtp, backlog, maildir=stage.maildir)
    figures.duplicates_sent, figures.replies = seen["duplicates_sent"], seen["replies"]
    with capsys.disabled():
        print(f"\nmany workers seed={SEED}: {figures.line()}")
    assert seen["duplicates_sent"] == 0  # nobody was killed: no reply may go out twice
    assert sum(figures.decided_by_worker.values()) == requests
    if workers > 1:  # they shared the work (each row claimed by one), not one worker doing it all
        assert sum(1 for n in figures.decided_by_worker.values() if n) > 1, figures.decided_by_worker


# --------------------------------------------------------------------------- the Maildir, shared

def _move_all(path: str, keys: list[str], start) -> None:
    box = MaildirMailbox(path)
    start.wait()
    for key in keys:
        box.stored(key)  # raises if the other reader's rename races ours


def test_two_readers_moving_the_same_maildir_files_never_fail(tmp_path):
    """Workers that read the same new/ (one that just lost the intake lease, one that just
    took it) may both call stored() for a message: whoever renames second finds it gone."""
    box = MaildirMailbox(tmp_path / "mailbox")
    keys = [f"{1_900_000_000 + n}.M{n}P9.host" for n in range(600)]
    for key in keys:
        (box.path / "new" / key).write_bytes(b"Subject: x\r\n\r\nx\r\n")
    context = multiprocessing.get_context("fork")
    start = context.Barrier(2)
    readers = [context.Process(target=_move_all, args=(str(box.path), keys, start)) for _ in range(2)]
    for p in readers:
        p.start()
    for p in readers:
        p.join(60)
    assert [p.exitcode for p in readers] == [0, 0]
    assert sorted(p.name for p in (box.path / "cur").iterdir()) == sorted(f"{k}:2,S" for k in keys)
    assert not list((box.path / "new").iterdir())
    box.stored(keys[0])  # already in cur/: nothing to do, no error


def test_stored_copes_when_another_reader_renames_the_file_between_look_and_rename(tmp_path, monkeypatch):
    """The exact race, made certain: the other reader's rename lands just before ours."""
    import bot.intake.maildir as maildir

    box = MaildirMailbox(tmp_path / "mailbox")
    key = "1900000001.M1P9.host"
    (box.path / "new" / key).write_bytes(b"Subject: x\r\n\r\nx\r\n")
    real_replace, raced = os.replace, []

    def other_reader_first(source, target):
        if not raced:  # the other worker's stored() for the same message wins by a microsecond
            raced.append(source)
            real_replace(source, target)
        real_replace(source, target)

    monkeypatch.setattr(maildir.os, "replace", other_reader_first)
    box.stored(key)
    assert raced and (box.path / "cur" / f"{key}:2,S").exists() and not (box.path / "new" / key).exists()


@pytest.mark.postgres
def test_workers_starting_together_on_a_fresh_database_all_run_their_first_jobs(postgres_stage):
    """Several workers started at once run each job for the first time together: each inserts
    the job's job-run row, and only one insert can win. The losers must still run the job."""
    import threading

    from sqlmodel import Session, select

    from bot.bootstrap import bootstrap
    from bot.ledger.tables import JobRun
    from bot.settings import load_settings
    from bot.worker import Worker

    app = bootstrap(load_settings(database_url=postgres_stage.database_url,
                                  mailbox=f"maildir:{postgres_stage.maildir}", outbox=f"file:{postgres_stage.root / 'out'}"))
    try:
        workers = [Worker(app) for _ in range(8)]
        start, ran, failed = threading.Barrier(len(workers)), [], []

        def first_tick(worker: Worker) -> None:
            start.wait()
            try:
                worker._record("outbox", started=True)
                ran.append(worker.holder)
            except Exception as exc:  # noqa: BLE001 - what a job would have failed with
                failed.append(exc)

        threads = [threading.Thread(target=first_tick, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert not failed, failed[:2]
        assert len(ran) == len(workers)
        with Session(app.engine) as session:
            assert [r.name for r in session.exec(select(JobRun))] == ["outbox"]
    finally:
        app.engine.dispose()
