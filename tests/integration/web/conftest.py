"""Web UI fixtures: the bot's world (real database, both SQLite and PostgreSQL) with the web
app in FastAPI's test client and two users.

    def test_something(web):
        web.world.deliver(request_mail(...)); web.world.run()     # make queue items
        admin = web.client("admin")                                 # signed in as billing_admin
        page = admin.get("/queue")
        admin.post_form("/items/1/dismiss", {"note": "spam"})       # adds the CSRF token itself
        web.client("viewer"), web.client(None)                      # a viewer; nobody signed in
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from bot.ledger.users import add_user, hasher_for
from bot.web.app import create_app
from tests.integration.conftest import BotWorld

PASSWORD = "correct horse battery staple"
USERS = {"admin": ("admin@billing.example", "billing_admin"), "viewer": ("viewer@billing.example", "viewer")}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class WebClient(TestClient):
    def csrf(self, path: str = "/login") -> str:
        """The session's CSRF token, read from a page's form as a browser would."""
        match = _CSRF.search(self.get(path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post_form(self, url: str, data: dict | None = None, *, csrf: bool = True, **kwargs):
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf())
        kwargs.setdefault("follow_redirects", False)
        return self.post(url, data=form, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD):
        return self.post_form("/login", {"email": email, "password": password, "next": "/"})


@dataclass
class Web:
    world: BotWorld
    clients: list[WebClient] = field(default_factory=list)

    def client(self, who: str | None = "admin") -> WebClient:
        """A browser: signed in as "admin" (billing_admin) or "viewer", or nobody (None)."""
        client = WebClient(create_app(self.world.app), base_url="http://testserver")
        self.clients.append(client)
        if who is not None:
            response = client.sign_in(USERS[who][0])
            assert response.status_code == 303, response.text
        return client


def serve(world: BotWorld, tmp_path, monkeypatch):
    """The web app on `world` with the two users; closes its clients at the end (a generator
    for fixtures to `yield from`)."""
    monkeypatch.chdir(tmp_path)  # the session secret falls back to var/web-secret here
    with Session(world.app.engine) as session:
        for email, role in USERS.values():
            add_user(session, email=email, password=PASSWORD, role=role, now=world.now(), hasher=hasher_for(world.app.settings))
        session.commit()
    w = Web(world=world)
    yield w
    for client in w.clients:
        client.close()


@pytest.fixture
def web(world: BotWorld, tmp_path, monkeypatch) -> Web:
    yield from serve(world, tmp_path, monkeypatch)
