"""The exception queue page: which requests it lists and in what order, filters, search,
counts per reason, ageing badges and keyset paging, on SQLite and PostgreSQL."""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.ledger.journal import case_reference
from bot.ledger.tables import InboundMessage, ReviewItem
from bot.ledger.users import add_user, hasher_for
from tests.integration.conftest import ANN, TOM, request_mail
from tests.integration.web.conftest import PASSWORD, USERS, Web

APPLY_PY1_G1 = "Please allocate payment PY00000001 to invoice G000000001."
UNKNOWN_INVOICE = "Please allocate payment PY00000002 to invoice G999999999."
STRANGER = "stranger@elsewhere.example"

_ROW = re.compile(r'<td class="case"><a href="/items/(\d+)">(ALC-\d+)</a></td>\s*<td><span class="badge (\w+)"')
_COUNT = re.compile(r'data-reason="([a-z_]+)"[^>]*>[^<]+ <span class="count">(\d+)</span>')


# --------------------------------------------------------------------------- helpers

def decide(world, raw: bytes) -> str:
    """Deliver one mail, run the bot, and return the case reference of its review item (if any)."""
    world.deliver(raw)
    world.run()
    with Session(world.app.engine) as session:
        inbound = session.exec(select(InboundMessage).order_by(InboundMessage.id.desc())).first()
        return case_reference(inbound.id)


def review_by_tom(subject: str = "Payment allocation") -> bytes:
    return request_mail(sender=TOM, sender_name="Tom Seller", body=APPLY_PY1_G1, subject=subject)


def needs_info() -> bytes:
    return request_mail(body=UNKNOWN_INVOICE, subject="Invoice G999999999")


def from_stranger() -> bytes:
    return request_mail(sender=STRANGER, sender_name="", body="Please allocate payment PY00000002 to invoice G000000002.")


def refs(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [m.group(2) for m in _ROW.finditer(response.text)]


def badges(response) -> dict[str, str]:
    return {m.group(2): m.group(3) for m in _ROW.finditer(response.text)}


def reason_counts(response) -> dict[str, int]:
    return {code: int(n) for code, n in _COUNT.findall(response.text)}


def link(response, rel: str) -> str | None:
    match = re.search(rf'<a href="([^"]+)" rel="{rel}">', response.text)
    return html.unescape(match.group(1)) if match else None


def set_item_status(world, case_ref: str, status: str) -> None:
    with Session(world.app.engine) as session:
        item = session.exec(select(ReviewItem).where(ReviewItem.case_ref == case_ref)).one()
        item.status = status
        session.add(item)
        session.commit()


@pytest.fixture
def mixed(web):
    """Five requests decided one after another: three in the queue, one applied, one ignored."""
    world = web.world
    cases = {"tom": decide(world, review_by_tom(subject="<script>alert(1)</script>")), "unknown_invoice": decide(world, needs_info())}
    decide(world, request_mail(sender=ANN, body=APPLY_PY1_G1))  # applied: not in the queue
    decide(world, request_mail(subject="Automatic reply", body="Out of office.", headers={"Auto-Submitted": "auto-replied"}))
    cases["stranger"] = decide(world, from_stranger())
    return cases


# --------------------------------------------------------------------------- what is listed

def test_the_queue_lists_held_requests_newest_first_and_oldest_first_on_request(web, mixed):
    client = web.client("viewer")

    newest = client.get("/queue")
    assert refs(newest) == [mixed["stranger"], mixed["unknown_invoice"], mixed["tom"]]
    assert refs(client.get("/queue?sort=oldest")) == [mixed["tom"], mixed["unknown_invoice"], mixed["stranger"]]
    row = newest.text[newest.text.index(mixed["unknown_invoice"]):].split("</tr>")[0]
    assert "ann@bluepeak.example" in row and "Invoice G999999999" in row and '<a href="/billing/A1">A1</a>' in row
    assert '<span class="status needs_info" title="needs_info">asked the partner</span>' in row
    assert 'data-reason="unknown_invoice" title="unknown_invoice: ' in row and '>unknown invoice</span>' in row
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in newest.text and "<script>" not in newest.text  # a subject is text


def test_closed_and_waiting_items_follow_the_status_filter(web, mixed):
    set_item_status(web.world, mixed["tom"], "closed")
    set_item_status(web.world, mixed["stranger"], "waiting")
    set_item_status(web.world, mixed["unknown_invoice"], "open")  # as if the bot's question had not gone out
    client = web.client("admin")

    assert refs(client.get("/queue")) == [mixed["stranger"], mixed["unknown_invoice"]]  # open and waiting
    assert refs(client.get("/queue?status=open")) == [mixed["unknown_invoice"]]
    assert refs(client.get("/queue?status=waiting")) == [mixed["stranger"]]
    assert refs(client.get("/queue?status=closed")) == [mixed["tom"]]
    assert refs(client.get("/queue?status=all")) == [mixed["stranger"], mixed["unknown_invoice"], mixed["tom"]]


def test_reason_and_account_filters_narrow_the_list(web, mixed):
    client = web.client("admin")

    assert refs(client.get("/queue?reason=unknown_sender")) == [mixed["stranger"]]
    assert refs(client.get("/queue?reason=sender_not_authorized")) == [mixed["tom"]]
    assert refs(client.get("/queue?reason=unknown")) == []  # a code is matched whole, never a prefix
    assert refs(client.get("/queue?account=A1")) == [mixed["unknown_invoice"], mixed["tom"]]
    assert refs(client.get("/queue?account=A2")) == []
    page = client.get("/queue?account=A1&reason=unknown_invoice&sort=oldest")
    assert refs(page) == [mixed["unknown_invoice"]]
    assert 'name="account" value="A1"' in page.text and '<option value="unknown_invoice" selected>' in page.text
    assert '<option value="oldest" selected>' in page.text  # the form keeps what was asked
    nonsense = client.get("/queue?status=bogus&older_than=soon&after=not-a-cursor&reason=%3Cb%3E")
    assert refs(nonsense) == [mixed["stranger"], mixed["unknown_invoice"], mixed["tom"]]  # read as no filter


SEARCHES = [
    ("g999999999", ["unknown_invoice"]),  # an invoice number, in any case
    ("PY00000002", ["stranger", "unknown_invoice"]),  # a payment id
    ("STRANGER@elsewhere", ["stranger"]),  # the sender
    ("tom@bluepeak", ["tom"]),
    ("invoice g999", ["unknown_invoice"]),  # words of the subject
    ("PY99999999", []),
    ("%", []),  # LIKE wildcards are searched for literally
]


def test_search_finds_invoice_numbers_payment_ids_and_senders(web, mixed):
    client = web.client("viewer")
    for q, who in SEARCHES:
        response = client.get("/queue", params={"q": q})
        assert refs(response) == [mixed[w] for w in who], q
        assert f'name="q" value="{html.escape(q)}"' in response.text


def test_counts_per_reason_follow_every_filter_but_the_reason_itself(web, mixed):
    decide(web.world, review_by_tom(subject="Second request"))
    client = web.client("viewer")

    everything = client.get("/queue")
    assert reason_counts(everything) == {"sender_not_authorized": 2, "unknown_invoice": 1, "unknown_sender": 1}
    one_reason = client.get("/queue?reason=unknown_sender")
    assert refs(one_reason) == [mixed["stranger"]]
    assert reason_counts(one_reason) == reason_counts(everything)  # the other reasons stay reachable
    assert reason_counts(client.get("/queue?account=A1")) == {"sender_not_authorized": 2, "unknown_invoice": 1}

    followed = client.get(link_for_reason(everything, "sender_not_authorized"))
    assert len(refs(followed)) == 2 and all(r != mixed["stranger"] for r in refs(followed))


def link_for_reason(response, code: str) -> str:
    return html.unescape(re.search(rf'<a href="([^"]+)" class="badge reason" data-reason="{code}"', response.text).group(1))


def test_ageing_badges_follow_the_app_clock(web):
    world = web.world
    old = decide(world, review_by_tom())
    world.later(days=2)
    middle = decide(world, needs_info())
    world.later(days=2)
    new = decide(world, from_stranger())

    response = web.client("viewer").get("/queue")

    assert badges(response) == {new: "fresh", middle: "old", old: "stale"}
    assert refs(web.client("viewer").get("/queue?older_than=1")) == [middle, old]
    assert refs(web.client("viewer").get("/queue?older_than=3")) == [old]
    assert refs(web.client("viewer").get("/queue?older_than=7")) == []


def test_every_page_needs_sign_in_and_both_roles_read_them(web):
    nobody, viewer, admin = web.client(None), web.client("viewer"), web.client("admin")
    for path in ("/", "/queue", "/audit", "/audit.csv"):
        response = nobody.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/login?next={path}"
        assert viewer.get(path).status_code == admin.get(path).status_code == 200, path


# --------------------------------------------------------------------------- paging

@pytest.fixture
def small_pages(make_world, monkeypatch, tmp_path) -> Web:
    """A world whose pages hold 5 rows (settings are fixed when the app is built)."""
    monkeypatch.chdir(tmp_path)
    world = make_world(web_page_size=5)
    with Session(world.app.engine) as session:
        for email, role in USERS.values():
            add_user(session, email=email, password=PASSWORD, role=role, now=world.now(), hasher=hasher_for(world.app.settings))
        session.commit()
    return Web(world=world)


def insert_items(world, created: list[datetime], *, reasons: str = "unknown_sender") -> list[str]:
    """Queue items straight into the database (for lists longer than a test should mail)."""
    with Session(world.app.engine) as session:
        refs_made = []
        for n, at in enumerate(created):
            inbound = InboundMessage(dedup_key=f"<bulk-{n}-{at.timestamp()}@example>", raw=b"", from_addr=STRANGER,
                                     subject=f"Bulk {n}", received_at=at, status="review", reasons=reasons, decided_at=at)
            session.add(inbound)
            session.flush()
            session.add(ReviewItem(inbound_id=inbound.id, case_ref=case_reference(inbound.id), reasons=reasons, created_at=at))
            refs_made.append(case_reference(inbound.id))
        session.commit()
    return refs_made


def walk(client, start: str, rel: str) -> list[list[str]]:
    pages, url = [], start
    while url:
        response = client.get(url)
        pages.append(refs(response))
        url = link(response, rel)
        assert len(pages) < 10, "paging does not end"
    return pages


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_paging_walks_every_item_once_in_both_directions(small_pages, sort):
    base = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    # Twelve items, four of them sharing one timestamp: the id breaks the tie.
    created = [base + timedelta(minutes=n) for n in range(8)] + [base + timedelta(minutes=30)] * 4
    made = insert_items(small_pages.world, created)
    expected = made if sort == "oldest" else made[::-1]
    client = small_pages.client("viewer")

    forward = walk(client, f"/queue?sort={sort}", "next")
    assert [len(p) for p in forward] == [5, 5, 2]
    assert [r for p in forward for r in p] == expected

    last = client.get(f"/queue?sort={sort}")
    for _ in range(2):
        last = client.get(link(last, "next"))
    assert link(last, "next") is None
    backward = walk(client, link(last, "prev"), "prev")
    assert backward == forward[:-1][::-1]  # the same pages, met in reverse
    assert link(client.get(f"/queue?sort={sort}"), "prev") is None


def test_paging_keeps_the_filter(small_pages):
    base = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    wanted = insert_items(small_pages.world, [base + timedelta(minutes=2 * n) for n in range(7)], reasons="unknown_sender")
    insert_items(small_pages.world, [base + timedelta(minutes=2 * n + 1) for n in range(7)], reasons="amount_mismatch")
    client = small_pages.client("viewer")

    pages = walk(client, "/queue?reason=unknown_sender", "next")

    assert [r for p in pages for r in p] == wanted[::-1]
