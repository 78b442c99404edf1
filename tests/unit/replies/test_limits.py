"""The flood and bounce policy on its own: counts in, decision out."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.model import PARTNER_FIXABLE, Reason
from bot.replies.limits import (
    LEFT_OUTBOX, WINDOW, Refusal, replies_stopped, reply_refusal, sender_over_limit, window_start,
)


def test_the_window_is_the_hour_before():
    moment = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    assert WINDOW == timedelta(hours=1)
    assert window_start(moment) == datetime(2026, 11, 25, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize("earlier, held", [(0, False), (59, False), (60, True), (61, True), (999, True)])
def test_the_sender_limit_holds_from_the_request_after_the_limit(earlier, held):
    # 60 earlier requests within the hour: this one is the 61st, held.
    assert sender_over_limit(earlier_requests=earlier, per_hour=60) is held


def test_a_limit_of_one_lets_exactly_one_request_through():
    assert [sender_over_limit(earlier_requests=n, per_hour=1) for n in range(3)] == [False, True, True]


def test_rate_limited_is_a_reason_a_person_handles():
    assert Reason.RATE_LIMITED.value == "rate_limited"
    assert Reason.RATE_LIMITED not in PARTNER_FIXABLE


@pytest.mark.parametrize("statuses, stopped", [
    ((), False),
    (("bounced",), False),
    (("bounced", "bounced"), False),
    (("bounced", "bounced", "bounced"), True),
    (("bounced", "bounced", "bounced", "sent"), True),  # only the newest three count
    (("sent", "bounced", "bounced", "bounced"), False),  # a delivered reply since ends the run
    (("bounced", "sent", "bounced"), False),
], ids=["none", "one", "two", "three_in_a_row", "three_then_older_sent", "sent_since", "interrupted"])
def test_replies_stop_after_the_threshold_of_bounces_in_a_row(statuses, stopped):
    assert replies_stopped(statuses, bounce_threshold=3) is stopped


def test_the_bounce_threshold_is_configurable():
    assert replies_stopped(["bounced"], bounce_threshold=1)
    assert not replies_stopped(["bounced"] * 4, bounce_threshold=5)


def test_only_replies_that_left_the_outbox_count_for_bounces():
    assert LEFT_OUTBOX == ("sent", "bounced")


@pytest.mark.parametrize("replies, expected", [(0, None), (19, None), (20, "rate_limited"), (500, "rate_limited")])
def test_the_recipient_limit(replies, expected):
    refusal = reply_refusal(replies_last_hour=replies, per_hour=20, recent_statuses=["sent"], bounce_threshold=3)
    assert (refusal.reason if refusal else None) == expected


def test_bounces_win_over_the_rate_and_say_why():
    refusal = reply_refusal(replies_last_hour=0, per_hour=20, recent_statuses=["bounced"] * 3, bounce_threshold=3)
    assert refusal == Refusal("bounce_threshold", "the last 3 replies to this address bounced")
    both = reply_refusal(replies_last_hour=50, per_hour=20, recent_statuses=["bounced"] * 3, bounce_threshold=3)
    assert both is not None and both.reason == "bounce_threshold"


def test_the_rate_refusal_names_the_count_and_the_limit():
    refusal = reply_refusal(replies_last_hour=21, per_hour=20, recent_statuses=[], bounce_threshold=3)
    assert refusal is not None and "21" in refusal.detail and "20" in refusal.detail
