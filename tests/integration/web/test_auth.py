"""Sign-in, sign-out, roles, sessions and CSRF."""
from __future__ import annotations

import pytest

from bot.ledger.tables import AuditEvent
from tests.integration.web.conftest import PASSWORD, USERS


@pytest.mark.parametrize("path", ["/", "/queue", "/billing", "/billing/A1", "/audit", "/audit.csv", "/items/1"])
def test_every_page_needs_sign_in(web, path):
    response = web.client(None).get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/login?next={path}"


def test_signing_in_leads_back_to_the_page_asked_for(web):
    client = web.client(None)
    token = client.csrf("/login?next=/queue")
    response = client.post_form("/login", {"email": USERS["admin"][0], "password": PASSWORD, "next": "/queue", "csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_sign_in_never_redirects_off_the_site(web, target):
    client = web.client(None)
    response = client.post_form("/login", {"email": USERS["admin"][0], "password": PASSWORD, "next": target})
    assert response.headers["location"] == "/"


def test_a_wrong_password_is_refused_the_same_way_as_an_unknown_user(web):
    client = web.client(None)
    wrong = client.post_form("/login", {"email": USERS["admin"][0], "password": "not the password"})
    unknown = client.post_form("/login", {"email": "nobody@billing.example", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert "do not match" in wrong.text and "do not match" in unknown.text
    assert client.get("/", follow_redirects=False).status_code == 303  # still not signed in
    assert [e.action for e in web.world.rows(AuditEvent)].count("sign_in_failed") == 2


def test_a_form_posted_without_its_csrf_token_is_refused(web):
    client = web.client(None)
    response = client.post_form("/login", {"email": USERS["admin"][0], "password": PASSWORD}, csrf=False)
    assert response.status_code == 403
    signed_in = web.client("admin")
    assert signed_in.post_form("/logout", {"csrf_token": "forged"}, csrf=False).status_code == 403
    assert signed_in.get("/", follow_redirects=False).status_code == 200  # the forged sign-out did nothing


def test_signing_in_starts_a_new_session_and_signing_out_ends_it(web):
    client = web.client(None)
    planted = client.csrf()  # the session (and token) the browser had before signing in
    client.post_form("/login", {"email": USERS["admin"][0], "password": PASSWORD, "csrf_token": planted})
    assert client.csrf("/") != planted
    old_cookie = client.cookies.get("allocbot_session")
    assert client.post_form("/logout").headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303
    replay = web.client(None)
    replay.cookies.set("allocbot_session", old_cookie)
    assert replay.get("/", follow_redirects=False).status_code == 303  # a copied cookie ends with the sign-out


def test_pages_forbid_scripts_and_framing(web):
    response = web.client("viewer").get("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy  # the site's own files only
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy  # nothing inline: a mail's script never runs
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY" and response.headers["x-content-type-options"] == "nosniff"
