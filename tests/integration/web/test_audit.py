"""The audit log page and its CSV export: order, filters, keyset paging, and cells a
spreadsheet would run as formulas."""
from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session

from bot.ledger.audit_queries import neutralise
from bot.ledger.tables import AuditEvent
from tests.integration.conftest import TOM, request_mail

_ROW = re.compile(r'<tr class="event-row">\s*<td class="at">(.*?)</td>\s*<td class="actor">(.*?)</td>\s*'
                  r'<td class="action">(.*?)</td>\s*<td class="ref">\s*(.*?)\s*</td>', re.S)
APPLY_PY1_G1 = "Please allocate payment PY00000001 to invoice G000000001."
FORMULAS = ("=1+2", "+sum(a1:a9)", "-2+3", "@cmd")


def at_noon(world, days_ago: int = 0) -> None:
    noon = datetime.combine(datetime.now(UTC).date() - timedelta(days=days_ago), time(12), tzinfo=UTC)
    world.offset = noon - datetime.now(UTC)


def events(response) -> list[tuple[str, str, str]]:
    """(actor, action, message) of each row shown, top to bottom."""
    assert response.status_code == 200, response.text
    return [(html.unescape(actor), action, re.sub(r"<[^>]+>", "", ref).strip()) for _, actor, action, ref in _ROW.findall(response.text)]


def link(response, rel: str) -> str | None:
    match = re.search(rf'<a href="([^"]+)" rel="{rel}">', response.text)
    return html.unescape(match.group(1)) if match else None


def decide(world, raw: bytes) -> int:
    """Deliver one mail and run the bot; the stored message's id."""
    world.deliver(raw)
    world.run()
    return max(e.inbound_id for e in world.rows(AuditEvent) if e.inbound_id)


def test_the_log_shows_every_event_newest_first(web):
    world = web.world
    decide(world, request_mail(sender=TOM, sender_name="Tom Seller", body=APPLY_PY1_G1))
    client = web.client("viewer")

    shown = events(client.get("/audit"))

    stored = sorted(world.rows(AuditEvent), key=lambda e: (e.at, e.id), reverse=True)
    assert [(actor, action) for actor, action, _ in shown] == [(e.actor, e.action) for e in stored]
    assert ("allocbot", "review", "ALC-000001") in shown and shown[0][:2] == ("viewer@billing.example", "signed_in")


def test_filters_narrow_by_actor_action_message_and_dates(web):
    world = web.world
    at_noon(world, days_ago=3)
    first = decide(world, request_mail(sender=TOM, sender_name="Tom Seller", body=APPLY_PY1_G1))
    at_noon(world)
    second = decide(world, request_mail(body="Please allocate payment PY00000002 to invoice G999999999."))
    client = web.client("admin")
    today, three_ago = world.now().date(), world.now().date() - timedelta(days=3)

    assert {a for a, _, _ in events(client.get("/audit?actor=ADMIN@billing.example"))} == {"admin@billing.example"}
    assert [(a, act) for a, act, _ in events(client.get("/audit?action=needs_info"))] == [("allocbot", "needs_info")]
    by_case = events(client.get(f"/audit?ref=alc-{first:06d}"))
    assert by_case and {ref for _, _, ref in by_case} == {f"ALC-{first:06d}"}
    assert events(client.get(f"/audit?ref={second}")) == events(client.get(f"/audit?ref=ALC-{second:06d}")) != []
    assert events(client.get("/audit?ref=nonsense")) == []
    assert {ref for _, _, ref in events(client.get(f"/audit?to={(today - timedelta(days=1)).isoformat()}"))} == {f"ALC-{first:06d}"}
    recent = events(client.get(f"/audit?from={today.isoformat()}&actor=allocbot"))
    assert recent and {ref for _, _, ref in recent} == {f"ALC-{second:06d}"}
    one_day = client.get(f"/audit?from={three_ago.isoformat()}&to={three_ago.isoformat()}")
    assert {ref for _, _, ref in events(one_day)} == {f"ALC-{first:06d}"}
    assert f'name="from" value="{three_ago.isoformat()}"' in one_day.text  # the form keeps what was asked
    bad = client.get("/audit?from=2026-13-01")
    assert "is not a date" in bad.text and len(events(bad)) == len(world.rows(AuditEvent))


def test_paging_walks_every_event_once_in_both_directions(web):
    base = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with Session(web.world.app.engine) as session:
        for n in range(120):  # three events a minute: the id breaks the ties
            session.add(AuditEvent(at=base + timedelta(minutes=n // 3), actor="allocbot", action="bulk", detail=f'{{"n": {n}}}'))
        session.commit()
    client = web.client("viewer")

    pages, url = [], "/audit?action=bulk"
    while url:
        response = client.get(url)
        pages.append(re.findall(r'<code>\{&#34;n&#34;: (\d+)\}</code>', response.text))
        url = link(response, "next")
    assert [len(p) for p in pages] == [50, 50, 20]
    assert [int(n) for p in pages for n in p] == list(range(119, -1, -1))  # inserted in time order: newest last

    back, url = [], link(response, "prev")
    while url:
        response = client.get(url)
        back.append(re.findall(r'<code>\{&#34;n&#34;: (\d+)\}</code>', response.text))
        url = link(response, "prev")
    assert back == pages[:-1][::-1]


def test_the_csv_export_holds_the_filtered_events_and_no_formulas(web):
    world = web.world
    inbound_id = decide(world, request_mail(sender=TOM, sender_name="Tom Seller", body=APPLY_PY1_G1))
    nobody = web.client(None)
    for email in FORMULAS:  # whatever is typed as an e-mail on the sign-in page lands in the log
        assert nobody.post_form("/login", {"email": email, "password": "wrong"}).status_code == 401
    client = web.client("viewer")

    response = client.get("/audit.csv?action=sign_in_failed")

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="allocbot-audit.csv"'
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["at", "actor", "action", "inbound_id", "case_ref", "detail"]
    assert [r[1] for r in rows[1:]] == ["'" + f for f in reversed(FORMULAS)]  # newest first, each made text
    assert {r[2] for r in rows[1:]} == {"sign_in_failed"}

    message = list(csv.reader(io.StringIO(client.get(f"/audit.csv?ref=ALC-{inbound_id:06d}").text)))[1:]
    assert {(r[3], r[4]) for r in message} == {(str(inbound_id), f"ALC-{inbound_id:06d}")}
    assert "review" in [r[2] for r in message] and all(datetime.fromisoformat(r[0]).tzinfo for r in message)
    everything = list(csv.reader(io.StringIO(client.get("/audit.csv").text)))
    assert len(everything) - 1 == len(world.rows(AuditEvent))


def test_neutralise_leaves_plain_text_alone():
    assert [neutralise(c) for c in ("=A1", "+1", "-1", "@x", "\tx", "\rx")] == ["'=A1", "'+1", "'-1", "'@x", "'\tx", "'\rx"]
    assert [neutralise(c) for c in ("allocbot", "a=b", "", "2026-11-02T09:00:00+00:00")] == ["allocbot", "a=b", "", "2026-11-02T09:00:00+00:00"]
