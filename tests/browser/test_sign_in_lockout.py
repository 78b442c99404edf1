"""In a real browser, from one office address: the operator's wrong passwords lock the
operator out and the page says until when, the viewer at the next desk still signs in, and
`allocbot users unlock` (the real command, as a shell runs it) lets the operator back in."""
from __future__ import annotations

import os
import re
import subprocess

import pytest

from tests.browser.conftest import ADMIN, PASSWORD, VIEWER
from tests.integration.conftest import CHEAP_PASSWORD_HASHES, allocbot_command

pytestmark = pytest.mark.browser


def allocbot(site, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not (k.startswith("ALLOCBOT_") or k == "DATABASE_URL")}
    env.update({"DATABASE_URL": site.world.database_url, "ALLOCBOT_MAILBOX": f"maildir:{site.world.maildir}",
                "ALLOCBOT_OUTBOX": f"file:{site.world.outbox_dir}"})
    env.update({f"ALLOCBOT_{k.upper()}": str(v) for k, v in CHEAP_PASSWORD_HASHES.items()})
    return subprocess.run(allocbot_command() + list(args), cwd=site.world.root, env=env, capture_output=True,
                          text=True, timeout=120)


def try_password(site, page, email: str, password: str) -> str:
    page.goto(f"{site.url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page.inner_text("#sign-in-error") if page.locator("#sign-in-error").count() else ""


def test_the_operators_typos_lock_the_operator_not_the_viewer_until_unlocked(site, chromium):
    operator_desk, viewer_desk = (chromium.new_context(viewport={"width": 1280, "height": 900})
                                  for _ in range(2))
    try:
        operator, viewer = operator_desk.new_page(), viewer_desk.new_page()
        for _ in range(site.world.app.settings.sign_in_attempts_per_15min):
            try_password(site, operator, ADMIN, "correct horse battery stable")
        message = try_password(site, operator, ADMIN, PASSWORD)  # now the right one: still refused
        until = re.search(r"locked until (\d\d:\d\d) UTC", message)
        assert until, message
        assert operator.url.startswith(f"{site.url}/login")
        assert operator.input_value("input[name=email]") == ADMIN  # typed again for them
        site.screenshot(operator, "sign-in-locked")

        site.sign_in(viewer, VIEWER)  # same address, own account: in
        assert "Dashboard" in viewer.inner_text("h1")

        listed = allocbot(site, "users", "list")
        assert listed.returncode == 0, listed.stderr
        line = f"{ADMIN}\tbilling_admin\tactive\tlocked until {until.group(1)} UTC"
        assert line in listed.stdout.splitlines()
        unlocked = allocbot(site, "users", "unlock", ADMIN)
        assert unlocked.returncode == 0, unlocked.stderr
        site.sign_in(operator, ADMIN)
        assert "Dashboard" in operator.inner_text("h1")
    finally:
        operator_desk.close()
        viewer_desk.close()
