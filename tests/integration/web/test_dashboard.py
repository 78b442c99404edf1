"""The dashboard: today's outcomes, the queue, and the auto-apply rate over 7 and 30 days.
The rate arithmetic is tested on its own first; then the page on both databases."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, select

from bot.ledger.rates import APPLIED_AFTER_REVIEW, DayRate, daily_rates, last_days, overall
from bot.ledger.tables import InboundMessage
from tests.integration.conftest import ANN, TOM, request_mail

APPLY_PY1_G1 = "Please allocate payment PY00000001 to invoice G000000001."
APPLY_PY2_G2 = "Please allocate payment PY00000002 to invoice G000000002."
D = date(2026, 11, 25)


# --------------------------------------------------------------------------- the arithmetic

def test_last_days_end_today_oldest_first():
    assert last_days(D, 3) == [date(2026, 11, 23), date(2026, 11, 24), D]
    assert len(last_days(D, 30)) == 30 and last_days(D, 30)[0] == date(2026, 10, 27)


def test_the_daily_rate_is_applied_over_everything_decided_but_ignored_mail():
    counts = {D: {"applied": 3, "review": 1, "needs_info": 1, "error": 1, "ignored": 50},
              D - timedelta(days=1): {"ignored": 4},
              D - timedelta(days=2): {"applied": 1, APPLIED_AFTER_REVIEW: 1}}
    rates = daily_rates(last_days(D, 3), counts)
    assert [(r.day, r.applied, r.decided) for r in rates] == [
        (D - timedelta(days=2), 1, 2), (D - timedelta(days=1), 0, 0), (D, 3, 6)]
    assert [r.rate for r in rates] == [0.5, None, 0.5]  # a day of only ignored mail has no rate


def test_a_rate_over_several_days_weighs_each_request_not_each_day():
    days = [DayRate(day=D - timedelta(days=1), applied=1, decided=1), DayRate(day=D, applied=0, decided=3)]
    total = overall(days)
    assert (total.applied, total.decided, total.rate) == (1, 4, 0.25)  # not the mean of 100 % and 0 %
    assert overall([]) is None
    assert overall([DayRate(day=D, applied=0, decided=0)]).rate is None


# --------------------------------------------------------------------------- the page

def at_noon(world, days_ago: int = 0) -> None:
    """Set the app clock to noon UTC, `days_ago` days back, so a test never straddles midnight."""
    noon = datetime.combine(datetime.now(UTC).date() - timedelta(days=days_ago), time(12), tzinfo=UTC)
    world.offset = noon - datetime.now(UTC)


def decide(world, raw: bytes) -> None:
    world.deliver(raw)
    world.run()


def tile(text: str, tile_id: str) -> str:
    return re.search(rf'id="{tile_id}">(.*?)</div>', text, re.S).group(1)


def number(text: str, tile_id: str) -> str:
    return re.search(r'<span class="n">(.*?)</span>', tile(text, tile_id), re.S).group(1).strip()


def test_the_dashboard_shows_today_the_queue_and_the_rates(web):
    world = web.world
    at_noon(world, days_ago=20)  # twenty days ago: one applied, one held
    decide(world, request_mail(sender=ANN, body=APPLY_PY1_G1))
    decide(world, request_mail(sender=TOM, sender_name="Tom Seller", body=APPLY_PY1_G1, message_id="<oldest@bluepeak.example>"))
    at_noon(world)  # today: one applied, one needs_info, one review, one ignored
    decide(world, request_mail(sender=ANN, body=APPLY_PY2_G2))
    decide(world, request_mail(body="Please allocate payment PY00000002 to invoice G999999999."))
    decide(world, request_mail(sender="stranger@elsewhere.example", body=APPLY_PY1_G1))
    decide(world, request_mail(subject="Automatic reply", body="Out of office.", headers={"Auto-Submitted": "auto-replied"}))
    oldest = world.inbound("<oldest@bluepeak.example>")
    world.later(minutes=5)  # however slowly the first mails were decided, the oldest is 20 days old

    page = web.client("viewer").get("/").text

    assert [number(page, f"today-{s}") for s in ("applied", "review", "needs_info", "ignored")] == ["1", "1", "1", "1"]
    assert number(page, "queue-size") == "3"  # open and waiting: the needs_info item's question went out
    assert number(page, "queue-waiting") == "1"
    assert f'<a href="/items/{item_id(world, oldest.id)}">ALC-{oldest.id:06d}</a>' in tile(page, "queue-oldest")
    assert 'badge stale">20 d<' in tile(page, "queue-oldest")
    assert number(page, "rate-7") == "33 %" and "(1 of 3)" in tile(page, "rate-7")
    assert number(page, "rate-30") == "40 %" and "(2 of 5)" in tile(page, "rate-30")
    chart = page[page.index("<svg"):page.index("</svg>")]
    assert "<title" in chart and 'role="img"' in chart and "40 % overall" in chart
    assert chart.count("<rect") == 30
    today = world.now().date()
    assert f"{today.isoformat()}: 33 % (1 of 3)" in chart
    assert f"{(today - timedelta(days=20)).isoformat()}: 50 % (1 of 2)" in chart


def test_a_request_a_person_applied_after_review_is_not_counted_as_the_bots(web):
    world = web.world
    at_noon(world)
    decide(world, request_mail(sender=ANN, body=APPLY_PY1_G1))
    decide(world, request_mail(sender=TOM, sender_name="Tom Seller", body=APPLY_PY2_G2, message_id="<tom@bluepeak.example>"))
    with Session(world.app.engine) as session:  # as approving it in the queue leaves it
        row = session.exec(select(InboundMessage).where(InboundMessage.message_id == "<tom@bluepeak.example>")).one()
        row.status = "applied"
        session.add(row)
        session.commit()

    page = web.client("viewer").get("/").text

    assert number(page, "rate-7") == "50 %" and "(1 of 2)" in tile(page, "rate-7")


def test_an_empty_dashboard_says_so(web):
    page = web.client("viewer").get("/").text
    assert number(page, "queue-size") == "0" and "no open item" in tile(page, "queue-oldest")
    assert number(page, "rate-7") == number(page, "rate-30") == "—"
    assert page.count("no requests</title>") == 30


def item_id(world, inbound_id: int) -> int:
    return next(item.id for item in world.review_items() if item.inbound_id == inbound_id)
