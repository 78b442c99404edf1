"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium, installed by the
README's test command; Playwright never downloads a browser here) against `allocbot web`
served by uvicorn on a loopback port, over the bot's world on a SQLite file.

Screenshots go to var/test-artifacts/ (kept after the run for people to look at).
"""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from sqlmodel import Session

from bot.ledger.users import add_user, hasher_for
from bot.web.app import create_app
from tests.integration.conftest import REPO, BotWorld, engines, unavailable  # noqa: F401 - engines is a fixture

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "var" / "test-artifacts"
PASSWORD = "correct horse battery staple"
ADMIN, VIEWER = "admin@billing.example", "viewer@billing.example"
# As root in a sandbox without a display or a network beyond loopback.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Site:
    url: str
    world: BotWorld

    def sign_in(self, page, email: str, password: str = PASSWORD) -> None:
        page.goto(f"{self.url}/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{self.url}/")

    def screenshot(self, page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def site(tmp_path, engines, monkeypatch) -> Iterator[Site]:
    """The standard ledger on a SQLite file, two users, and the web app on a loopback port."""
    monkeypatch.chdir(tmp_path)  # the session secret falls back to var/web-secret here
    world = BotWorld(root=tmp_path, database_url=f"sqlite:///{tmp_path}/bot.db", engines=engines)
    world.import_ledger()
    with Session(world.app.engine) as session:
        add_user(session, email=ADMIN, password=PASSWORD, role="billing_admin", now=world.now(), hasher=hasher_for(world.app.settings))
        add_user(session, email=VIEWER, password=PASSWORD, role="viewer", now=world.now(), hasher=hasher_for(world.app.settings))
        session.commit()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(world.app), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield Site(url=f"http://127.0.0.1:{port}", world=world)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    """One browser per test module. Not per session: a running sync_playwright marks the main
    thread's event loop as running, and the SMTP outbox (asyncio.Runner) of the tests collected
    after the browser tests could not run while it lasted."""
    if not os.path.exists(CHROMIUM):
        unavailable("Chromium is not installed (scripts/services.sh installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium) -> Iterator:
    """A fresh browser context (no cookies) and page; fails the test on any script dialog."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()
