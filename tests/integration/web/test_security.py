"""Web security (issue 5): sign-in on every route, CSRF on every POST, no session fixation,
no reading or acting across items, no stored or reflected script from any mail field, and
sign-in guessing limited.

The route tests walk `app.routes` of `create_app(...)`, so a route added later is covered
without editing this file (a route with a new path parameter needs a sample value below).
Pages are checked with `html.parser`: tags and attributes, not substrings."""
from __future__ import annotations

import base64
import csv
import io
import json
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from itsdangerous import TimestampSigner
from sqlmodel import Session, select
from starlette.routing import Mount, Route

from bot.ledger import signin_limits
from bot.ledger.tables import AuditEvent, ReviewItem, User
from bot.web.app import create_app
from bot.web.security import MIN_KEY_CHARS, safe_next, secret_key
from tests.integration.conftest import ANN, BOT_ADDRESS, request_mail
from tests.integration.web.conftest import PASSWORD, USERS, WebClient
from tests.integration.web.test_item import TWO_REQUESTS, hostile_mail, queue_item

ADMIN, VIEWER = USERS["admin"][0], USERS["viewer"][0]
# Reachable without signing in: the sign-in page itself, the health check, the stylesheets.
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/healthz")}
PUBLIC_MOUNTS = {"/static"}
ITEM_ACTIONS = ("approve", "edit", "ask", "reject", "dismiss")
# A form every action would accept: only the CSRF token decides in the tests below.
GOOD_FORM = {"note": "done", "reason": "no", "body": "Which invoice?", "payment_1": "PY00000001",
             "invoice_1": "G000000001", "amount_1": "100.00", "email": ADMIN, "password": PASSWORD, "next": "/"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --------------------------------------------------------------------------- the route walk

@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str  # "/items/{item_id}"
    params: tuple[str, ...]
    route: Route = field(compare=False, repr=False)

    def path(self, **values: object) -> str:
        missing = [p for p in self.params if p not in values]
        assert not missing, f"{self.method} {self.template}: add a sample value for {missing} to the route walk"
        return self.template.format(**{p: quote(str(values[p]), safe="") for p in self.params})


def flat_routes(routes, prefix: str = ""):
    """Routes with the prefix they are served under; included routers opened up (FastAPI keeps
    an included router as one entry of `app.routes`)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from flat_routes(included.routes, prefix + (route.include_context.prefix or ""))
        else:
            yield prefix, route


def endpoints(web_app) -> list[Endpoint]:
    """Every method of every route of the app, the static mount aside."""
    found = []
    for prefix, route in flat_routes(web_app.routes):
        if isinstance(route, Mount):
            assert prefix + route.path in PUBLIC_MOUNTS, f"an unexpected mount {route.path}: is it meant to be public?"
            continue
        assert isinstance(route, Route), f"an unexpected kind of route: {route!r}"
        params = tuple(route.param_convertors)
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                found.append(Endpoint(method, prefix + route.path, params, route))
    return found


def samples(item: ReviewItem) -> dict[str, object]:
    """A value for every path parameter of the app: an existing item, attachment, account, request;
    an allocation id (none exists yet: the checks come before the lookup)."""
    return {"item_id": item.id, "n": 1, "account_id": "A1", "inbound_id": item.inbound_id, "allocation_id": 1}


def open_item(web, raw: bytes | None = None) -> ReviewItem:
    return queue_item(web, raw or request_mail(body=TWO_REQUESTS))


def item_status(web, item_id: int) -> str:
    with Session(web.world.app.engine) as session:
        return session.get(ReviewItem, item_id).status


def test_the_route_walk_sees_every_page_and_action(web):
    walked = {(e.method, e.template) for e in endpoints(create_app(web.world.app))}
    expected = {("GET", "/"), ("GET", "/queue"), ("GET", "/items/{item_id}"), ("GET", "/items/{item_id}/attachments/{n}"),
                ("GET", "/billing"), ("GET", "/billing/{account_id}"), ("GET", "/audit"), ("GET", "/audit.csv"),
                ("POST", "/logout"), *PUBLIC, *{("POST", f"/items/{{item_id}}/{a}") for a in ITEM_ACTIONS}}
    assert expected <= walked, expected - walked


def test_every_route_but_sign_in_health_and_static_needs_a_session(web):
    item = open_item(web)
    web_app = create_app(web.world.app)
    anonymous = web.client(None)
    before = web.world.table_counts()
    checked = 0
    for endpoint in endpoints(web_app):
        if (endpoint.method, endpoint.template) in PUBLIC:
            continue
        path = endpoint.path(**samples(item))
        if endpoint.method == "GET":
            response = anonymous.get(path, follow_redirects=False)
            assert response.status_code == 303, (path, response.status_code)
            assert response.headers["location"] == f"/login?next={quote(path, safe='/')}", path
        else:
            # a visitor's session has a valid token too (read afresh: a refused page empties the
            # session): the token alone must not be enough
            for token in (None, anonymous.csrf("/login")):
                form = dict(GOOD_FORM) | ({"csrf_token": token} if token else {})
                response = anonymous.post(path, data=form, follow_redirects=False)
                refused = response.status_code in (401, 403) or (
                    response.status_code == 303 and response.headers["location"].startswith("/login"))
                assert refused, (endpoint, token is not None, response.status_code, response.headers.get("location"))
        checked += 1
    assert checked >= 14
    assert web.world.table_counts() == before  # nothing was done, and nothing signed anybody in
    assert item_status(web, item.id) == "waiting"  # as it was: the bot's question is out


def test_the_public_routes_give_nothing_away(web):
    anonymous = web.client(None)
    assert anonymous.get("/healthz").json() == {"status": "ok"}
    assert anonymous.get("/static/allocbot.css").status_code == 200
    for probe in ("/static/../../bot/settings.py", "/static/%2e%2e/%2e%2e/bot/settings.py", "/static/..%2f..%2fbot/settings.py"):
        response = anonymous.get(probe, follow_redirects=False)
        assert response.status_code in (303, 404), probe
        assert "web_secret_key" not in response.text


# --------------------------------------------------------------------------- CSRF

def test_every_post_route_refuses_a_missing_wrong_or_foreign_csrf_token(web):
    item = open_item(web)
    web_app = create_app(web.world.app)
    planted = web.client(None)
    planted_token = planted.csrf("/login")  # the token the browser had before its user signed in ...
    planted.sign_in(ADMIN)  # ... which signing in replaces
    admin = web.client("admin")
    own_token = admin.csrf("/")
    viewer_token = web.client("viewer").csrf("/")  # another user's valid token
    other_admin_token = web.client("admin").csrf("/")  # the same user's token from another browser
    stranger_token = web.client(None).csrf("/login")  # a visitor's token
    before = web.world.table_counts()
    posts = [e for e in endpoints(web_app) if e.method == "POST"]
    assert {e.template for e in posts} >= {"/login", "/logout", *(f"/items/{{item_id}}/{a}" for a in ITEM_ACTIONS)}
    for endpoint in posts:
        path = endpoint.path(**samples(item))
        for name, token in (("missing", None), ("empty", ""), ("forged", "forged-" + own_token[7:]),
                            ("another user's", viewer_token), ("another browser's", other_admin_token),
                            ("a visitor's", stranger_token), ("from before sign-in", planted_token)):
            form = dict(GOOD_FORM) | ({} if token is None else {"csrf_token": token})
            response = admin.post(path, data=form, follow_redirects=False)
            assert response.status_code == 403, (path, name, response.status_code)
            response = planted.post(path, data=form, follow_redirects=False)
            assert response.status_code == 403, (path, name, "planted", response.status_code)
        # the right token, but not in the form
        assert admin.post(path, json=GOOD_FORM | {"csrf_token": own_token}, follow_redirects=False).status_code == 403
        assert admin.post(f"{path}?csrf_token={own_token}", data=GOOD_FORM, follow_redirects=False).status_code == 403
        assert admin.post(path, data=GOOD_FORM, headers={"X-CSRF-Token": own_token},
                          follow_redirects=False).status_code == 403
    assert web.world.table_counts() == before
    assert item_status(web, item.id) == "waiting"  # as it was: the bot's question is out
    assert admin.get("/", follow_redirects=False).status_code == 200  # no forged sign-out either
    # the control: with its own token the same form does what it says
    response = admin.post(f"/items/{item.id}/dismiss", data=GOOD_FORM | {"csrf_token": own_token}, follow_redirects=False)
    assert response.status_code == 303 and item_status(web, item.id) == "closed"


def test_a_visitor_cannot_sign_in_with_another_browsers_token(web):
    victim, attacker = web.client(None), web.client(None)
    victim.csrf("/login")
    form = {"email": ADMIN, "password": PASSWORD, "csrf_token": attacker.csrf("/login")}
    assert victim.post("/login", data=form, follow_redirects=False).status_code == 403
    assert victim.get("/", follow_redirects=False).status_code == 303
    assert [e.action for e in web.world.rows(AuditEvent)] == []


# --------------------------------------------------------------------------- sessions

def forged_cookie(key: str, **session: object) -> str:
    """A session cookie as Starlette's SessionMiddleware signs it."""
    data = base64.b64encode(json.dumps(session).encode())
    return TimestampSigner(key).sign(data).decode()


def user_row(web, email: str) -> User:
    with Session(web.world.app.engine) as session:
        return session.exec(select(User).where(User.email == email)).one()


def test_a_cookie_planted_before_sign_in_is_not_the_session_after_it(web):
    victim = web.client(None)
    victim.get("/login")
    planted = victim.cookies.get("allocbot_session")
    assert planted  # the visitor's session (it holds the form's token)
    victim.sign_in(ADMIN)
    assert victim.cookies.get("allocbot_session") != planted
    attacker = web.client(None)
    attacker.cookies.set("allocbot_session", planted)
    assert attacker.get("/", follow_redirects=False).status_code == 303  # the planted cookie signs nobody in
    assert victim.get("/", follow_redirects=False).status_code == 200


def test_signing_out_ends_every_session_of_the_user_on_every_device(web):
    laptop, phone, colleague = web.client("admin"), web.client("admin"), web.client("viewer")
    copied = laptop.cookies.get("allocbot_session")
    assert laptop.post_form("/logout").status_code == 303
    assert laptop.get("/", follow_redirects=False).status_code == 303
    assert phone.get("/", follow_redirects=False).status_code == 303  # the other device is signed out too
    replay = web.client(None)
    replay.cookies.set("allocbot_session", copied)
    assert replay.get("/", follow_redirects=False).status_code == 303
    assert colleague.get("/", follow_redirects=False).status_code == 200  # other users are not affected
    # signing in again starts a new session; the old cookie stays dead
    laptop.sign_in(ADMIN)
    assert laptop.get("/", follow_redirects=False).status_code == 200
    assert laptop.cookies.get("allocbot_session") != copied
    assert replay.get("/", follow_redirects=False).status_code == 303


def test_a_session_cookie_cannot_be_forged_or_outlive_its_user(web):
    web.client("admin")  # creates the key file the app signs with
    key = secret_key(web.world.app.settings)
    admin = user_row(web, ADMIN)
    probe = web.client(None)

    def works(cookie: str) -> bool:
        probe.cookies.clear()
        probe.cookies.set("allocbot_session", cookie)
        return probe.get("/", follow_redirects=False).status_code == 200

    assert works(forged_cookie(key, uid=admin.id, ver=admin.session_version))  # the control: this is the format
    assert not works(forged_cookie("another installation's key " + "x" * 40, uid=admin.id, ver=admin.session_version))
    assert not works(forged_cookie(key, uid=admin.id, ver=admin.session_version + 1))
    assert not works(forged_cookie(key, uid=str(admin.id), ver=admin.session_version))
    assert not works(forged_cookie(key, uid=987654, ver=0))
    valid = forged_cookie(key, uid=admin.id, ver=admin.session_version)
    payload, _, rest = valid.partition(".")
    tampered = base64.b64encode(json.dumps({"uid": user_row(web, VIEWER).id, "ver": 0}).encode()).decode()
    assert not works(f"{tampered}.{rest}")  # someone else's id under this signature
    assert works(valid)
    with Session(web.world.app.engine) as session:  # a deactivated user is out at once
        row = session.get(User, admin.id)
        row.active = False
        session.add(row)
        session.commit()
    assert not works(valid)


def test_an_empty_or_short_kept_secret_is_replaced_not_used(web, tmp_path):
    settings = web.world.app.settings.model_copy(update={"web_secret_key": ""})
    kept = tmp_path / "keys" / "web-secret"
    kept.parent.mkdir()
    kept.write_text("")  # a crash between creating the file and writing it
    key = secret_key(settings, fallback=kept)
    assert len(key) >= MIN_KEY_CHARS and kept.read_text().strip() == key
    assert secret_key(settings, fallback=kept) == key  # kept, not made anew
    assert oct(kept.stat().st_mode & 0o777) == oct(0o600)
    kept.write_text("short")
    assert secret_key(settings, fallback=kept) not in ("short", key)
    fresh = tmp_path / "other" / "web-secret"
    assert len(secret_key(settings, fallback=fresh)) >= MIN_KEY_CHARS and fresh.exists()
    assert [p.name for p in fresh.parent.iterdir()] == ["web-secret"]  # no temporary file left behind


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\x00x", "/\x7f/x"])
def test_sign_in_never_redirects_through_control_characters(web, target):
    assert safe_next(target) == "/"
    client = web.client(None)
    response = client.post_form("/login", {"email": ADMIN, "password": PASSWORD, "next": target})
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_sign_in_still_returns_to_a_page_with_a_query():
    assert safe_next("/queue?q=G000000001 PY00000001&status=all") == "/queue?q=G000000001 PY00000001&status=all"


# --------------------------------------------------------------------------- IDOR

def one_attachment_mail() -> bytes:
    msg = EmailMessage()
    msg["Authentication-Results"] = ("mx.billing.example; spf=pass smtp.mailfrom=bluepeak.example; "
                                     "dkim=pass header.d=bluepeak.example; dmarc=pass header.from=bluepeak.example")
    msg["From"] = f"Ann <{ANN}>"
    msg["To"] = BOT_ADDRESS
    msg["Subject"] = "Item B's own request"
    msg["Message-ID"] = "<item-b.1@bluepeak.example>"
    msg.set_content(TWO_REQUESTS)
    msg.add_attachment(b"ITEM-B-ONLY", maintype="application", subtype="pdf", filename="b.pdf")
    return msg.as_bytes()


HUGE_IDS = (2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**30, -(10**30), -(2**63) - 1)


def test_ids_and_attachment_numbers_that_do_not_exist_are_404_and_never_another_items_data(web):
    a = open_item(web, hostile_mail())  # two attachments
    b = open_item(web, one_attachment_mail())  # one attachment
    reader = web.client("viewer")
    a_data = reader.get(f"/items/{a.id}/attachments/2").content
    assert reader.get(f"/items/{b.id}/attachments/1").content == b"ITEM-B-ONLY"
    assert reader.get(f"/items/{a.id}/attachments/1").content != b"ITEM-B-ONLY"
    # B has no second attachment, however many A has
    response = reader.get(f"/items/{b.id}/attachments/2")
    assert response.status_code == 404 and a_data not in response.content
    markers = (a.case_ref, b.case_ref, "Item B", "G000000077,100.00", "ITEM-B-ONLY", "remit")
    for item_id in (0, -1, b.id + 1, b.id + 1000, *HUGE_IDS):
        for path in (f"/items/{item_id}", f"/items/{item_id}/attachments/1"):
            response = reader.get(path)
            assert response.status_code == 404, (path, response.status_code)
            assert not any(m in response.text for m in markers), path
    for n in (0, -1, 3, 2**31, 2**63, 10**30):
        response = reader.get(f"/items/{a.id}/attachments/{n}")
        assert response.status_code == 404 and response.content != a_data, n
    for junk in ("abc", "1.5", "1e3", "0x1", "%00", "1;2", "1%2F2", "NaN", "inf"):
        for path in (f"/items/{junk}", f"/items/{a.id}/attachments/{junk}"):
            response = reader.get(path)
            assert response.status_code in (400, 404, 422), (path, response.status_code)
            assert not any(m in response.text for m in markers) and a_data not in response.content, path


def test_acting_on_an_item_that_does_not_exist_is_404_and_changes_nothing(web):
    item = open_item(web)
    admin = web.client("admin")
    before = web.world.table_counts()
    for item_id in (0, -1, item.id + 1, *HUGE_IDS):
        for action in ITEM_ACTIONS:
            response = admin.post_form(f"/items/{item_id}/{action}", GOOD_FORM)
            assert response.status_code == 404, (item_id, action, response.status_code)
    assert web.world.table_counts() == before and item_status(web, item.id) == "waiting"


def test_a_viewer_cannot_act_on_any_item_whichever_id(web):
    a = open_item(web)
    b = open_item(web, one_attachment_mail())
    viewer = web.client("viewer")
    before = web.world.table_counts()
    for item_id in (a.id, b.id, b.id + 1, 0, -1, *HUGE_IDS):
        for action in ITEM_ACTIONS:
            response = viewer.post_form(f"/items/{item_id}/{action}", GOOD_FORM)
            assert response.status_code == 403, (item_id, action, response.status_code)  # no hint which ids exist
            assert "can read but not act" in response.text  # refused for the role, not for a bad form
    assert web.world.table_counts() == before
    assert (item_status(web, a.id), item_status(web, b.id)) == (a.status, b.status)  # unchanged


def test_acting_on_one_item_leaves_the_others_alone(web):
    a = open_item(web)
    b = open_item(web, one_attachment_mail())
    admin = web.client("admin")
    assert admin.post_form(f"/items/{a.id}/dismiss", {"note": "duplicate"}).status_code == 303
    assert (item_status(web, a.id), item_status(web, b.id)) == ("closed", "open")


# --------------------------------------------------------------------------- XSS

BAD_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "img", "image", "base", "foreignobject",
            "animate", "set", "handler", "listener",
            "audio", "video", "source", "track", "template", "noscript", "style", "portal", "xmp", "plaintext"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset", "cite",
             "longdesc", "manifest", "ping", "codebase", "dynsrc", "lowsrc"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
TEMPLATE = "{{7*7}}"


def _own_script(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    """The site's own script file (its CSP runs nothing else): a src under /static/ and nothing more."""
    values = dict(attrs)
    return (tag == "script" and set(values) <= {"src", "defer"}
            and re.fullmatch(r"/static/[a-z]+\.js(\?v=[\w.-]+)?", values.get("src") or "") is not None)


class PageAudit(HTMLParser):
    """What a browser would run or load from a page: script tags, event handler attributes,
    script URLs, foreign forms, refreshes; and the page's text, unescaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)}>"
        if tag in BAD_TAGS and not _own_script(tag, attrs):
            self.problems.append(f"tag: {where}")
        for name, value in attrs:
            value = value or ""
            squeezed = re.sub(r"[\s\x00-\x1f]+", "", value).lower()
            if name.startswith("on") or name in ("style", "srcdoc", "http-equiv"):
                self.problems.append(f"attribute {name}: {where}")
            if name in URL_ATTRS and squeezed.startswith(BAD_SCHEMES):
                self.problems.append(f"script URL in {name}: {where}")
        values = dict(attrs)
        action = values.get("action") or "/"
        if tag == "form" and (not action.startswith("/") or action.startswith("//")):
            self.problems.append(f"a form posting elsewhere: {where}")
        if tag == "link" and not (values.get("href") or "").startswith("/static/"):
            self.problems.append(f"a foreign link: {where}")
        if tag == "meta" and set(values) - {"charset", "name", "content"}:
            self.problems.append(f"meta: {where}")

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def audit_page(html: str) -> PageAudit:
    checker = PageAudit()
    checker.feed(html)
    checker.close()
    return checker


def assert_safe(response, *, must_show: tuple[str, ...] = ()) -> str:
    """The page runs nothing from its data; returns the page's text for further checks."""
    assert response.status_code < 500, response.status_code
    if "html" not in response.headers.get("content-type", ""):
        assert response.headers["x-content-type-options"] == "nosniff"
        return response.text
    checker = audit_page(response.text)
    assert checker.problems == [], f"{response.url}: {checker.problems[:5]}"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    text = "".join(checker.text)
    assert "49[/" not in text and "49[/" not in response.text, f"{response.url}: a template ran"
    for shown in must_show:
        assert shown in text, f"{response.url}: {shown!r} is not on the page (as text)"
    return text


def test_the_page_audit_catches_what_it_is_meant_to():
    bad = ['<script>alert(1)</script>', '<p><img src=x onerror=alert(1)></p>', '<a href=" JaVa\tScRiPt:alert(1)">x</a>',
           '<a href="&#106;avascript:alert(1)">x</a>', '<div onmouseover="x">', '<form action="https://evil.example/">',
           '<svg><a xlink:href="javascript:alert(1)"></a></svg>', '<svg onload="alert(1)">',
           '<svg><foreignObject></foreignObject></svg>', '<meta http-equiv="refresh" content="0;url=https://e">',
           '<iframe srcdoc="x"></iframe>', '<p style="background:url(x)">', '<button formaction="javascript:alert(1)">',
           '<textarea></textarea><script>alert(2)</script>', '<link rel="stylesheet" href="https://evil.example/x.css">',
           '<form action="//evil.example/">']
    for html in bad:
        assert audit_page(html).problems, html
    good = ('<form method="post" action="/items/1/approve"><input type="hidden" name="csrf_token" value="x"></form>'
            '<p>&lt;script&gt;alert(1)&lt;/script&gt; &#34;&gt;&lt;img src=x onerror=alert(1)&gt; javascript:alert(1)</p>'
            '<textarea>&lt;/textarea&gt;&lt;script&gt;</textarea><a href="/items/1">x</a>'
            '<link rel="stylesheet" href="/static/a.css">'
            '<meta charset="utf-8"><a href="https://bluepeak.example/" rel="noopener">ok</a>')
    assert audit_page(good).problems == []


def payload(tag: str) -> str:
    """What an attacker puts in a mail field, tagged so the page can be searched for it."""
    return (f"[{tag}]<script>alert('{tag}')</script>\"><img src=x onerror=alert(1)> <a href=\"javascript:alert(1)\">j</a> "
            f"javascript:alert(1) </textarea><textarea> </title><svg onload=alert(1)> {TEMPLATE}[/{tag}]")


def encoded_word(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


HOSTILE_HTML = ('<p onclick="alert(1)">[html]</p><script>alert(1)</script><img src=x onerror=alert(1)>'
                '<a href="javascript:alert(1)">a</a><a href=" JaVaScRiPt:alert(1)">b</a><a href="&#106;avascript:alert(1)">c</a>'
                '<a href="java&#x09;script:alert(1)">d</a><a href="data:text/html,<script>alert(1)</script>">e</a>'
                '<form action="https://evil.example/"><input name="password">'
                '<button formaction="javascript:alert(1)">f</button></form>'
                '<svg><script>alert(1)</script><a xlink:href="javascript:alert(1)">g</a></svg>'
                '<math><mi xlink:href="javascript:alert(1)">h</mi></math>'
                '<iframe srcdoc="<script>alert(1)</script>"></iframe><object data="javascript:alert(1)"></object><embed src="x.swf">'
                '<meta http-equiv="refresh" content="0;url=javascript:alert(1)"><base href="https://evil.example/">'
                '<style>*{background:url(javascript:alert(1))}</style><div style="background:url(javascript:alert(1))">i</div>'
                '<textarea></textarea><script>alert(2)</script></textarea>'
                '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'
                f'</noscript><p>{TEMPLATE}[/html]</p><a href="https://bluepeak.example/">[html-link]</a>')


def xss_mail(message_id_tag: str = "msgid") -> bytes:
    """A request that lands in the queue (an unknown invoice beside a good line), with a
    payload in every field a person sees."""
    attachment_name = quote(payload("file") + ".csv", safe="")
    body = f"{TWO_REQUESTS}\n{payload('body')}\n"
    raw = "\r\n".join([
        "Authentication-Results: mx.billing.example; spf=pass smtp.mailfrom=bluepeak.example; "
        "dkim=pass header.d=bluepeak.example; dmarc=pass header.from=bluepeak.example",
        f"From: {encoded_word(payload('from'))} <{ANN}>",
        f"To: {encoded_word(payload('to'))} <{BOT_ADDRESS}>, {encoded_word(payload('cc'))} <someone@bluepeak.example>",
        f"Subject: {encoded_word(payload('subject'))}",
        "Date: Mon, 02 Nov 2026 09:30:00 +0000",
        f"Message-ID: <[{message_id_tag}]<script>alert('x')</script>\"><img src=x onerror=alert(1)>{TEMPLATE}[/{message_id_tag}]"
        "javascript:alert(1)@bluepeak.example>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="outer"',
        "",
        "--outer",
        'Content-Type: multipart/alternative; boundary="inner"',
        "",
        "--inner",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: base64",
        "",
        base64.b64encode(body.encode()).decode(),
        "--inner",
        "Content-Type: text/html; charset=utf-8",
        "Content-Transfer-Encoding: base64",
        "",
        base64.b64encode(HOSTILE_HTML.encode()).decode(),
        "--inner--",
        "--outer",
        f"Content-Type: text/html\"><script>alert('ctype')</script>; name*=utf-8''{attachment_name}",
        f"Content-Disposition: attachment; filename*=utf-8''{attachment_name}",
        "Content-Transfer-Encoding: base64",
        "",
        base64.b64encode(b"<html><script>alert('attachment')</script></html>").decode(),
        "--outer",
        f"Content-Type: application/x-'{TEMPLATE}'",
        f"Content-Disposition: attachment; filename=\"{TEMPLATE}.bin\"",
        "",
        "plain",
        "--outer--",
        "",
    ])
    return raw.encode()


def test_no_mail_field_can_put_script_on_any_page(web):
    item = open_item(web, xss_mail())
    admin, viewer = web.client("admin"), web.client("viewer")
    # a payload in a failed sign-in (anyone on the internet can write that into the audit log)
    # and in a note an admin copied from the mail
    attacker = web.client(None)
    assert attacker.post_form("/login", {"email": payload("login") + '=HYPERLINK("https://evil.example")',
                                         "password": "x"}).status_code == 401
    second = open_item(web, xss_mail("msgid2").replace(b"Mon, 02 Nov", b"Tue, 03 Nov"))
    assert second.id != item.id
    assert admin.post_form(f"/items/{second.id}/dismiss", {"note": payload("note")}).status_code == 303
    fields = ("[from]", "[subject]", "[to]", "[msgid]", "[body]", "[file]", "[html]")

    queue = admin.get("/queue")
    assert_safe(queue, must_show=("[subject]", f"{TEMPLATE}[/subject]", "[from]"))
    for client in (admin, viewer):  # with and without the action forms (the ask form quotes the mail)
        text = assert_safe(client.get(f"/items/{item.id}"), must_show=fields)
        assert f"{TEMPLATE}[/body]" in text and f"{TEMPLATE}[/html]" in text and f"{TEMPLATE}.bin" in text
        assert "[html-link]" in text
    page = admin.get(f"/items/{item.id}").text
    assert "application/x-&#39;{{7*7}}&#39;" in page or "application/x-'{{7*7}}'" in page  # the content type, as text

    assert admin.post_form(f"/items/{item.id}/approve").status_code == 303  # its allocation shows on the billing page
    assert_safe(admin.get(f"/items/{item.id}"), must_show=fields)
    assert_safe(admin.get("/queue?status=all"), must_show=("[subject]",))
    assert_safe(admin.get("/billing/A1"), must_show=("[subject]", f"{TEMPLATE}[/subject]"))
    assert_safe(admin.get("/billing?q=G000000001"))
    assert_safe(admin.get("/"))
    assert_safe(admin.get("/audit"), must_show=("[login]", "[note]", f"{TEMPLATE}[/note]"))

    export = admin.get("/audit.csv")
    assert export.headers["content-type"].startswith("text/csv")
    assert export.headers["content-disposition"].startswith("attachment;")
    assert export.headers["x-content-type-options"] == "nosniff"
    cells = [cell for row in csv.reader(io.StringIO(export.text)) for cell in row]
    assert any("[login]" in cell for cell in cells) and any("[note]" in cell for cell in cells)
    assert not [cell for cell in cells if cell.startswith(FORMULA_START)]  # no formula runs in a spreadsheet
    assert "49[/" not in export.text

    for reply in web.world.outbox_messages():  # the replies' templates did not run the mail's text either
        text = str(reply["Subject"]) + reply.get_body(("plain",)).get_content()
        assert "49[/" not in text


def test_an_attachment_download_cannot_inject_headers_or_be_shown_as_a_page(web):
    names = ['x.csv"\r\nSet-Cookie: allocbot_session=stolen\r\nX-Injected: 1\r\n\r\n<script>',
             'a"; filename*=UTF-8\'\'evil.html; x="', "..\\..\\windows\\system32\\evil.exe", "../../.ssh/authorized_keys",
             "évïl ünïcødé.pdf", "x" * 5000 + ".html", ".htaccess", "%0d%0aX-Injected:%201.txt", "a\x00b.html", "",
             "\u202egnp.exe"]
    lines = ["Authentication-Results: mx.billing.example; spf=pass smtp.mailfrom=bluepeak.example; "
             "dkim=pass header.d=bluepeak.example; dmarc=pass header.from=bluepeak.example",
             f"From: Ann <{ANN}>", f"To: {BOT_ADDRESS}", "Subject: attachments", "Date: Mon, 02 Nov 2026 09:30:00 +0000",
             "Message-ID: <attachments.1@bluepeak.example>", "MIME-Version: 1.0",
             'Content-Type: multipart/mixed; boundary="b"', "", "--b", "Content-Type: text/plain; charset=utf-8", "",
             TWO_REQUESTS]
    for n, name in enumerate(names):  # each name RFC 2231-encoded, so it may hold anything, CR LF and NUL included
        encoded = quote(name, safe="")
        lines += ["--b", f"Content-Type: text/html; name*=utf-8''{encoded}",
                  f"Content-Disposition: attachment; filename*=utf-8''{encoded}", "",
                  f"<script>alert({n})</script>"]
    lines += ["--b--", ""]
    raw = "\r\n".join(lines).encode()
    item = open_item(web, raw)
    client = web.client("viewer")
    page = client.get(f"/items/{item.id}")
    assert_safe(page)
    count = len(re.findall(rf'href="/items/{item.id}/attachments/(\d+)"', page.text))
    assert count == len(names)
    for n in range(1, count + 1):
        response = client.get(f"/items/{item.id}/attachments/{n}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/octet-stream"  # never text/html
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in response.headers["content-security-policy"]
        dispositions = response.headers.get_list("content-disposition")
        assert len(dispositions) == 1
        assert re.fullmatch(r"attachment; filename=\"[A-Za-z0-9._-]{1,120}\"; filename\*=UTF-8''[A-Za-z0-9._-]{1,120}",
                            dispositions[0]), dispositions[0]
        name = re.search(r'filename="([^"]*)"', dispositions[0]).group(1)
        assert not name.startswith(".") and ".." not in name
        assert "x-injected" not in response.headers
        assert all("stolen" not in c for c in response.headers.get_list("set-cookie"))
        for key, value in response.headers.multi_items():
            assert "\r" not in value and "\n" not in value, key


@pytest.mark.parametrize("value", ['"><script>alert(1)</script>', "javascript:alert(1)", "</textarea><svg onload=alert(1)>",
                                   "{{7*7}}[/q]", "' onmouseover='alert(1)"])
def test_no_address_or_query_parameter_is_reflected_as_markup(web, value):
    item = open_item(web)
    web_app = create_app(web.world.app)
    admin = web.client("admin")
    for endpoint in endpoints(web_app):
        if endpoint.method != "GET":
            continue
        dependant = getattr(endpoint.route, "dependant", None)
        names = [p.alias or p.name for p in (dependant.query_params if dependant else [])]
        query = {name: value for name in names}
        base = samples(item)
        paths = [endpoint.path(**base)]
        paths += [endpoint.path(**(base | {p: value})) for p in endpoint.params]  # the value in the path
        for path in paths:
            response = admin.get(path, params=query)
            assert_safe(response)
            assert "49[/" not in response.text


def test_a_nul_in_any_address_is_a_bad_request_not_a_server_error(web):
    """PostgreSQL cannot compare text with a NUL in it; no page may turn one into a 500."""
    item = open_item(web)
    web_app = create_app(web.world.app)
    admin = web.client("admin")
    checked = 0
    for endpoint in endpoints(web_app):
        if endpoint.method != "GET":
            continue
        dependant = getattr(endpoint.route, "dependant", None)
        base = samples(item)
        for name in [p.alias or p.name for p in (dependant.query_params if dependant else [])]:
            response = admin.get(endpoint.path(**base), params={name: "A1\x00x"})
            assert response.status_code == 400, (endpoint.template, name, response.status_code)
            checked += 1
        for name in endpoint.params:
            response = admin.get(endpoint.path(**(base | {name: "1\x00"})))
            assert response.status_code == 400, (endpoint.template, name, response.status_code)
            checked += 1
    assert checked >= 20
    assert admin.get("/queue", params={"q": "G000000001"}).status_code == 200  # the control


# --------------------------------------------------------------------------- sign-in limits

def browser(web, host: str) -> WebClient:
    client = WebClient(create_app(web.world.app), base_url="http://testserver", client=(host, 50000))
    web.clients.append(client)
    return client


def attempt(client: WebClient, email: str, password: str):
    return client.post_form("/login", {"email": email, "password": password, "next": "/"})


def events(web, action: str) -> list[AuditEvent]:
    return [e for e in web.world.rows(AuditEvent) if e.action == action]


def test_after_too_many_failures_for_an_email_even_the_right_password_is_refused(web):
    limit = web.world.app.settings.sign_in_attempts_per_15min
    assert limit == 10  # the documented default
    guesser = browser(web, "203.0.113.7")
    for _ in range(limit):
        assert attempt(guesser, ADMIN, "not the password").status_code == 401
    wrong = attempt(guesser, ADMIN, "still not it")
    right = attempt(guesser, ADMIN, PASSWORD)
    assert wrong.status_code == right.status_code == 429
    assert "Too many failed sign-ins" in right.text and 1 <= int(right.headers["retry-after"]) <= 900
    strip = re.compile(r'name="csrf_token" value="[^"]*"')
    assert strip.sub("", wrong.text) == strip.sub("", right.text)  # the answer says nothing about the password
    assert guesser.get("/", follow_redirects=False).status_code == 303
    # the e-mail is blocked from everywhere, with the right password too, in any spelling
    elsewhere = browser(web, "198.51.100.20")
    assert attempt(elsewhere, ADMIN, PASSWORD).status_code == 429
    assert attempt(elsewhere, "  Admin@Billing.Example ", PASSWORD).status_code == 429
    assert elsewhere.get("/", follow_redirects=False).status_code == 303
    blocked = events(web, "sign_in_blocked")
    assert len(blocked) == 4 and {e.actor for e in blocked} == {ADMIN}
    assert [json.loads(e.detail)["limited_by"] for e in blocked] == ["email"] * 4
    assert {json.loads(e.detail)["client"] for e in blocked} == {"203.0.113.7", "198.51.100.20"}
    assert len(events(web, "sign_in_failed")) == limit  # blocked attempts are not failures, and no password was checked
    # another user, from another client, signs in as usual
    assert attempt(browser(web, "192.0.2.50"), VIEWER, PASSWORD).status_code == 303
    # after 15 minutes the block is over
    web.world.later(minutes=15, seconds=1)
    assert attempt(elsewhere, ADMIN, PASSWORD).status_code == 303
    assert elsewhere.get("/", follow_redirects=False).status_code == 200


def test_one_client_cannot_try_many_emails(web):
    limit = web.world.app.settings.sign_in_attempts_per_ip_15min  # higher than an account's
    sprayer = browser(web, "203.0.113.9")
    for n in range(limit):
        assert attempt(sprayer, f"user{n}@billing.example", "Winter2026!").status_code == 401
    assert attempt(sprayer, "someone.else@billing.example", "Winter2026!").status_code == 429
    assert attempt(sprayer, ADMIN, PASSWORD).status_code == 429  # the right password from the blocked client: no
    assert [json.loads(e.detail)["limited_by"] for e in events(web, "sign_in_blocked")] == ["client", "client"]
    # the same people from other clients are not blocked
    assert attempt(browser(web, "203.0.113.10"), ADMIN, PASSWORD).status_code == 303
    assert attempt(browser(web, "198.51.100.3"), VIEWER, PASSWORD).status_code == 303


def test_an_ipv6_client_is_counted_by_its_64_network(web):
    limit = web.world.app.settings.sign_in_attempts_per_ip_15min  # higher than an account's
    for n in range(limit):  # a new address for every guess, all in one /64
        assert attempt(browser(web, f"2001:db8:1:2::{n + 1:x}"), f"user{n}@billing.example", "guess").status_code == 401
    assert attempt(browser(web, "2001:db8:1:2:ffff::1"), ADMIN, PASSWORD).status_code == 429
    assert attempt(browser(web, "2001:db8:1:3::1"), ADMIN, PASSWORD).status_code == 303  # the next /64 is another client
    assert signin_limits.client_key("::ffff:203.0.113.1") == "203.0.113.1"
    assert signin_limits.client_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64"


def test_failures_outside_the_window_or_before_a_success_do_not_count(web):
    limit = web.world.app.settings.sign_in_attempts_per_15min
    typist = browser(web, "203.0.113.11")
    for _ in range(limit - 1):
        assert attempt(typist, ADMIN, "typo").status_code == 401
    assert attempt(typist, ADMIN, PASSWORD).status_code == 303  # got in: the e-mail starts afresh
    typist.post_form("/logout")
    other = browser(web, "203.0.113.12")
    for _ in range(limit - 1):
        assert attempt(other, ADMIN, "typo").status_code == 401
    assert attempt(other, ADMIN, PASSWORD).status_code == 303  # 9 failures since the success: still in
    # failures older than 15 minutes have left the window
    third = browser(web, "203.0.113.13")
    for _ in range(limit):
        assert attempt(third, VIEWER, "typo").status_code == 401
    assert attempt(third, VIEWER, PASSWORD).status_code == 429
    web.world.later(minutes=10)
    assert attempt(third, VIEWER, PASSWORD).status_code == 429
    web.world.later(minutes=5, seconds=1)
    assert attempt(third, VIEWER, PASSWORD).status_code == 303


def test_a_nul_in_the_email_is_an_ordinary_failure(web):
    client = browser(web, "203.0.113.30")
    assert attempt(client, "admin\x00@billing.example", PASSWORD).status_code == 401
    assert [e.actor for e in events(web, "sign_in_failed")] == ["admin\ufffd@billing.example"]


def test_the_limit_is_the_setting(make_world, tmp_path, monkeypatch):
    from bot.ledger.users import add_user, hasher_for
    from tests.integration.web.conftest import Web

    monkeypatch.chdir(tmp_path)
    world = make_world(sign_in_attempts_per_15min=2)
    with Session(world.app.engine) as session:
        add_user(session, email=ADMIN, password=PASSWORD, role="billing_admin", now=world.now(), hasher=hasher_for(world.app.settings))
        session.commit()
    web = Web(world=world)
    try:
        client = browser(web, "203.0.113.20")
        assert [attempt(client, ADMIN, "wrong").status_code for _ in range(3)] == [401, 401, 429]
    finally:
        for c in web.clients:
            c.close()


def test_a_hash_made_with_other_argon2_parameters_still_signs_in(web):
    """The hash cost is a setting (tests lower it); a hash made at another cost (here argon2's
    defaults, as an installation makes them) verifies, and is re-made with the current one."""
    from argon2 import PasswordHasher, extract_parameters

    with Session(web.world.app.engine) as session:
        user = session.exec(select(User).where(User.email == ADMIN)).one()
        user.password_hash = PasswordHasher().hash(PASSWORD)
        session.add(user)
        session.commit()
    for _ in range(2):  # the second sign-in uses the re-made hash
        assert web.client(None).sign_in(ADMIN).status_code == 303
        with Session(web.world.app.engine) as session:
            params = extract_parameters(session.exec(select(User).where(User.email == ADMIN)).one().password_hash)
        assert (params.time_cost, params.memory_cost, params.parallelism) == (1, 8 * 1024, 1)
    assert web.client(None).sign_in(ADMIN, "not the password at all").status_code == 401
