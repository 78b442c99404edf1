"""`allocbot status` with Tryton as the billing system: a database that is not there, or a
Tryton user that does not exist, is named and exits 1; a good one is reachable."""
from __future__ import annotations

import os
import subprocess

import pytest

from tests.integration.conftest import REPO, allocbot_command


@pytest.fixture
def status(tryton_url, tmp_path):
    for sub in ("new", "cur", "tmp"):
        (tmp_path / "mailbox" / sub).mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not (k.startswith("ALLOCBOT_") or k == "DATABASE_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'allocbot.db'}", ALLOCBOT_MAILBOX=f"maildir:{tmp_path / 'mailbox'}",
               ALLOCBOT_OUTBOX=f"file:{tmp_path / 'outbox'}")

    def run(database: str, query: str = ""):
        billing = f"tryton:///{database}?config={tryton_url.config}{query}"
        return subprocess.run(allocbot_command() + ["status"], cwd=REPO, env={**env, "ALLOCBOT_BILLING": billing},
                              capture_output=True, text=True, timeout=120)
    return run


def test_status_names_a_tryton_database_or_user_that_is_not_there_and_exits_1(status, tryton_url):
    missing = status("nosuchdb")
    assert missing.returncode == 1 and "tryton:///nosuchdb" in missing.stdout and "cannot open" in missing.stdout
    nobody = status(tryton_url.database, "&user=nobody")
    assert nobody.returncode == 1 and "no Tryton user 'nobody'" in nobody.stdout
    good = status(tryton_url.database)
    assert good.returncode == 0, good.stdout + good.stderr
    assert f"tryton:///{tryton_url.database}" in good.stdout
