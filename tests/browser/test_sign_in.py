"""In a real browser: signing in, and what the security headers mean for a page."""
from __future__ import annotations

import pytest

from tests.browser.conftest import ADMIN

pytestmark = pytest.mark.browser


def test_a_user_signs_in_and_out_in_the_browser(site, browser_page):
    page = browser_page
    page.goto(f"{site.url}/")
    assert page.url.startswith(f"{site.url}/login")
    site.sign_in(page, ADMIN)
    assert "Dashboard" in page.inner_text("h1")
    cookie = next(c for c in page.context.cookies() if c["name"] == "allocbot_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.click("text=Sign out")
    page.wait_for_url(f"{site.url}/login")
    page.goto(f"{site.url}/")
    assert page.url.startswith(f"{site.url}/login")


def test_a_login_form_posted_without_its_csrf_token_is_refused(site, browser_page):
    page = browser_page
    page.goto(f"{site.url}/login")  # the browser has a session cookie now, as a victim would
    response = page.request.post(f"{site.url}/login", form={"email": ADMIN, "password": "correct horse battery staple"})
    assert response.status == 403
    page.goto(f"{site.url}/")
    assert page.url.startswith(f"{site.url}/login")  # not signed in
