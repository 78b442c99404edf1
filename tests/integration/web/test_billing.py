"""Billing pages: the accounts list, search, and one account's billing view (open invoices,
payments with their unallocated section, allocation history with the causing request)."""
from __future__ import annotations

import re
import time
from datetime import date, timedelta

from sqlalchemy import insert
from sqlmodel import Session

from bot.ledger.tables import Account, Allocation, InboundMessage, Invoice, Payment, ReviewItem
from tests.integration.conftest import request_mail


# ----------------------------------------------------------------------------- helpers

def section(html: str, section_id: str) -> str:
    """The inner HTML of `<section ... id="section_id">`; fails when the page has none."""
    match = re.search(rf'<section[^>]*\bid="{re.escape(section_id)}"[^>]*>(.*?)</section>', html, re.S)
    assert match, f"no section #{section_id}"
    return match.group(1)


def row(html: str, row_id: str) -> str:
    match = re.search(rf'<tr[^>]*\bid="{re.escape(row_id)}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row #{row_id}"
    return " ".join(match.group(1).split())


def row_ids(html: str, prefix: str) -> list[str]:
    return re.findall(rf'<tr[^>]*\bid="{prefix}-([^"]+)"', html)


def cells(html: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]


def results(html: str, kind: str) -> list[str]:
    """What a search lists under one heading: the first link text of each row ([] without the heading)."""
    if f'id="{kind}"' not in html:
        return []
    return re.findall(r"<tr>\s*<td>(?:<a [^>]*>)?([^<]+)", section(html, kind))


def add(web, *rows) -> list:
    with Session(web.world.app.engine) as session:
        for r in rows:
            session.add(r)
        session.commit()
        for r in rows:
            session.refresh(r)
        return rows


def add_review_request(web, *, subject: str, message_id: str, case_ref: str) -> tuple[int, int]:
    """A stored request with a review item (as a person would apply it): (inbound id, item id)."""
    now = web.world.now()
    msg, = add(web, InboundMessage(dedup_key=message_id, message_id=message_id, raw=b"x", subject=subject,
                                   from_addr="ann@bluepeak.example", received_at=now, status="review", account_id="A1"))
    item, = add(web, ReviewItem(inbound_id=msg.id, case_ref=case_ref, status="closed", created_at=now))
    return msg.id, item.id


def small_pages(web, size: int = 5) -> None:
    app = web.world.app
    app.settings = app.settings.model_copy(update={"web_page_size": size})


# ----------------------------------------------------------------------------- account page

def test_account_page_lists_the_open_invoices_and_the_payments_with_their_unallocated_amounts(web):
    html = web.client("viewer").get("/billing/A1").text
    assert "Bluepeak Cloud Inc." in html and "USD" in html
    contacts = section(html, "contacts")
    assert "ann@bluepeak.example" in contacts and "billing_admin" in contacts and "tom@bluepeak.example" in contacts
    invoices = section(html, "invoices")
    assert row_ids(invoices, "inv") == ["G000000001", "G000000002"]  # A2's G000000009 is not here
    assert cells(row(invoices, "inv-G000000002"))[3:] == ["250.00 USD", "250.00 USD"]
    payments = section(html, "payments")
    assert sorted(row_ids(payments, "pay")) == ["PY00000001", "PY00000002"]
    assert cells(row(payments, "pay-PY00000001"))[2:6] == ["100.00 USD", "100.00 USD", "INV PAYMENT OCT", "Bluepeak Cloud Inc."]
    assert cells(row(payments, "pay-PY00000002"))[3] == "500.00 USD"
    assert re.search(r'id="open-total">350\.00 USD<', html) and re.search(r'id="unallocated-total">600\.00 USD<', html)
    assert "No allocations yet." in section(html, "history")
    other = web.client("viewer").get("/billing/A2").text
    assert row_ids(section(other, "invoices"), "inv") == ["G000000009"] and "900.00 SEK" in other


def test_an_applied_request_closes_the_invoice_and_shows_in_the_history_with_its_request(web):
    web.world.deliver(request_mail(body="Please allocate payment PY00000001 to invoice G000000001.",
                                   subject="Allocation for October", message_id="<oct.1@bluepeak.example>"))
    web.world.run()
    html = web.client("admin").get("/billing/A1").text
    assert row_ids(section(html, "invoices"), "inv") == ["G000000002"]
    assert cells(row(section(html, "payments"), "pay-PY00000001"))[2:4] == ["100.00 USD", "0.00 USD"]
    assert re.search(r'id="open-total">250\.00 USD<', html) and re.search(r'id="unallocated-total">500\.00 USD<', html)
    history = section(html, "history")
    alloc, = row_ids(history, "alloc")
    when, pay, inv, amount, by, request = cells(row(history, f"alloc-{alloc}"))
    assert (pay, inv, amount, by) == ("PY00000001", "G000000001", "100.00 USD", "allocbot")
    assert "Allocation for October" in request and "&lt;oct.1@bluepeak.example&gt;" in history
    assert "/items/" not in history  # applied automatically: no review item to link to


def test_an_allocation_made_on_a_review_item_links_to_the_item(web):
    inbound_id, item_id = add_review_request(web, subject="Which invoice?", message_id="<q.7@bluepeak.example>",
                                             case_ref="ALC-000042")
    add(web, Allocation(payment_id="PY00000002", invoice_number="G000000002", currency="USD", amount_minor=12_345,
                        inbound_id=inbound_id, created_at=web.world.now(), created_by="admin@billing.example"))
    history = section(web.client("viewer").get("/billing/A1").text, "history")
    alloc, = row_ids(history, "alloc")
    assert f'<a href="/items/{item_id}">ALC-000042</a>' in history
    assert cells(row(history, f"alloc-{alloc}"))[1:5] == ["PY00000002", "G000000002", "123.45 USD", "admin@billing.example"]


def test_the_history_is_newest_first_and_paged(web):
    small_pages(web, 5)
    for n in range(7):
        add(web, Allocation(payment_id="PY00000002", invoice_number="G000000002", currency="USD", amount_minor=n + 1,
                            created_at=web.world.now(), created_by=f"person{n}@billing.example"))
    client = web.client("viewer")
    first = section(client.get("/billing/A1").text, "history")
    assert [cells(row(first, f"alloc-{i}"))[4] for i in row_ids(first, "alloc")] == [f"person{n}@billing.example" for n in (6, 5, 4, 3, 2)]
    older = re.search(r'href="([^"]+)" rel="next">Older allocations', first).group(1).replace("&amp;", "&")
    second = section(client.get(older).text, "history")
    assert [cells(row(second, f"alloc-{i}"))[4] for i in row_ids(second, "alloc")] == ["person1@billing.example", "person0@billing.example"]
    assert "Older allocations" not in second and "Newest allocations" in second


def test_the_overdue_badge_follows_the_app_clock(web):
    today = web.world.now().date()
    add(web, Invoice(invoice_number="G000000100", account_id="A1", issue_date=today, due_date=today + timedelta(days=3),
                     currency="USD", amount_minor=5_000, open_minor=5_000))
    client = web.client("viewer")
    assert "overdue" not in row(client.get("/billing/A1").text, "inv-G000000100")
    web.world.later(days=5)
    assert "overdue 2 d" in row(client.get("/billing/A1").text, "inv-G000000100")


def test_an_unknown_account_is_404(web):
    response = web.client("viewer").get("/billing/NO-SUCH")
    assert response.status_code == 404 and "There is no account NO-SUCH." in response.text


def test_names_and_references_are_shown_escaped(web):
    evil = "<script>alert(1)</script>"
    add(web, Account(account_id="X9", name=evil, locale="en", currency="EUR"))
    add(web, Payment(payment_id="PY00000077", account_id="X9", received_date=date(2026, 10, 1), currency="EUR",
                     amount_minor=100, unallocated_minor=100, reference='"><img src=x>', payer_name=evil))
    client = web.client("viewer")
    for path in ("/billing/X9", "/billing", "/billing?q=script"):
        html = client.get(path).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        assert "<script" not in html and "<img" not in html, path


def test_the_pages_need_sign_in_and_viewers_may_read(web):
    for path in ("/billing", "/billing/A1", "/billing?q=A1"):
        response = web.client(None).get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=/billing"), path
        assert web.client("viewer").get(path).status_code == 200


# ----------------------------------------------------------------------------- list and search

def test_without_a_search_the_accounts_are_listed_with_open_invoices_and_unallocated_totals(web):
    html = section(web.client("viewer").get("/billing").text, "accounts")
    assert re.search(r'href="/billing/A1">A1</a>\s*</td>\s*<td>Bluepeak Cloud Inc\.</td>', html)
    rows = {c[0]: c for c in (cells(r) for r in re.findall(r"<tr>(.*?)</tr>", html, re.S)) if c}
    assert rows["A1"][3:] == ["2", "350.00 USD", "600.00 USD"]
    assert rows["A2"][3:] == ["1", "900.00 SEK", "900.00 SEK"]


def test_the_accounts_list_is_paged_by_account_id(web):
    small_pages(web, 5)
    add(web, *(Account(account_id=f"B{n}", name=f"Partner {n}", locale="en", currency="EUR") for n in range(5)))
    client = web.client("viewer")
    first = client.get("/billing").text
    assert re.findall(r'href="/billing/([^"#?]+)"', section(first, "accounts")) == ["A1", "A2", "B0", "B1", "B2"]
    nxt = re.search(r'href="([^"]+)" rel="next"', first).group(1)
    assert nxt == "/billing?after=B2"
    second = client.get(nxt).text
    assert re.findall(r'href="/billing/([^"#?]+)"', section(second, "accounts")) == ["B3", "B4"]
    assert 'rel="next"' not in second


def test_search_finds_accounts_by_id_or_name_and_nothing_else(web):
    client = web.client("viewer")
    html = client.get("/billing", params={"q": "NORDVIK it"}).text
    assert results(html, "accounts") == ["A2"] and results(html, "invoices") == []
    assert results(html, "payments") == ["PY00000009"]  # its payer is Nordvik IT AB
    html = client.get("/billing", params={"q": "a1"}).text
    assert results(html, "accounts") == ["A1"] and results(html, "invoices") == results(html, "payments") == []
    assert 'href="/billing/A1"' in section(html, "accounts")


def test_search_finds_invoices_however_the_number_is_typed(web):
    client = web.client("viewer")
    for typed in ("G000000001", "g 000-000-001", " g000 000 001 "):
        html = client.get("/billing", params={"q": typed}).text
        assert results(html, "invoices") == ["G000000001"], typed
        assert results(html, "accounts") == results(html, "payments") == [], typed
        assert 'href="/billing/A1#inv-G000000001"' in html
    assert results(client.get("/billing", params={"q": "000-009"}).text, "invoices") == ["G000000009"]  # part of a number


def test_search_finds_payments_by_id_reference_or_payer(web):
    client = web.client("viewer")
    html = client.get("/billing", params={"q": "py-0000 0002"}).text
    assert results(html, "payments") == ["PY00000002"] and results(html, "invoices") == results(html, "accounts") == []
    assert 'href="/billing/A1#pay-PY00000002"' in html
    assert results(client.get("/billing", params={"q": "bluepeak 2026"}).text, "payments") == ["PY00000002"]
    html = client.get("/billing", params={"q": "bluepeak cloud"}).text
    assert results(html, "payments") == ["PY00000001", "PY00000002"] and results(html, "accounts") == ["A1"]


def test_search_for_nothing_known_finds_nothing(web):
    client = web.client("viewer")
    for typed in ("zebra", "%", "_", "G999"):
        html = client.get("/billing", params={"q": typed}).text
        assert "Nothing found" in html and results(html, "accounts") == results(html, "invoices") == results(html, "payments") == [], typed


def test_a_paid_invoice_is_found_and_marked_paid(web):
    web.world.deliver(request_mail(body="Please allocate payment PY00000001 to invoice G000000001."))
    web.world.run()
    html = section(web.client("viewer").get("/billing", params={"q": "G000000001"}).text, "invoices")
    assert "paid" in html and 'href="/billing/A1#history"' in html


# ----------------------------------------------------------------------------- a large account

def test_an_account_with_5000_invoices_is_paged_and_counted(web):
    start = date(2026, 1, 1)
    rows = [{"invoice_number": f"G{n:09d}", "account_id": "A1", "issue_date": start, "due_date": start + timedelta(days=n % 300),
             "currency": "USD", "amount_minor": 1_000, "open_minor": 1_000} for n in range(1000, 6000)]
    with Session(web.world.app.engine) as session:
        session.execute(insert(Invoice), rows)
        session.commit()
    expected = sorted([(r["due_date"], r["invoice_number"]) for r in rows]
                      + [(date(2026, 10, 1), "G000000001"), (date(2026, 10, 1), "G000000002")])
    client = web.client("viewer")
    began = time.monotonic()
    html = client.get("/billing/A1").text
    assert time.monotonic() - began < 5
    invoices = section(html, "invoices")
    assert "5002 open, 200 shown" in invoices
    assert row_ids(invoices, "inv") == [n for _, n in expected[:200]]
    nxt = re.search(r'href="([^"]+)" rel="next">Next invoices', invoices).group(1).replace("&amp;", "&")
    second = section(client.get(nxt).text, "invoices")
    assert row_ids(second, "inv") == [n for _, n in expected[200:400]]
    # a search hit deep in the list links to the page that holds it
    target = expected[4321][1]
    link = re.search(rf'href="([^"]+#inv-{target})"', client.get("/billing", params={"q": target}).text).group(1)
    assert f'id="inv-{target}"' in client.get(link.replace("&amp;", "&")).text


def test_payments_are_paged_newest_first_and_a_search_hit_links_to_its_page(web):
    from bot.ledger import billing_queries as bq

    add(web, Payment(payment_id="PY00000003", account_id="A1", received_date=date(2026, 11, 1), currency="USD",
                     amount_minor=700, unallocated_minor=0, reference="NOV", payer_name="Bluepeak Cloud Inc."))
    with Session(web.world.app.engine) as session:
        first = bq.payments_page(session, account_id="A1", start=None, limit=2)
        assert [p.payment_id for p in first.rows] == ["PY00000003", "PY00000002"]
        second = bq.payments_page(session, account_id="A1", start=bq.decode_cursor(first.next_cursor), limit=2)
        assert [p.payment_id for p in second.rows] == ["PY00000001"] and second.next_cursor is None and second.paged
        hits = bq.search(session, q="PY00000001", payment_page=2).payments
        assert [(h.row.payment_id, h.cursor) for h in hits] == [("PY00000001", first.next_cursor)]
        assert bq.search(session, q="PY00000003", payment_page=2).payments[0].cursor is None
