"""Backoff and retry plan: pure arithmetic on attempts and times."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.retry import Backoff, RetryPlan


@pytest.mark.parametrize(
    ("attempt", "seconds"),
    [
        pytest.param(-1, 0.0, id="negative-is-zero"),
        pytest.param(0, 0.0, id="no-failure-yet-is-zero"),
        pytest.param(1, 30.0, id="first-failure-is-base"),
        pytest.param(2, 60.0, id="doubles"),
        pytest.param(3, 120.0, id="doubles-again"),
        pytest.param(7, 1920.0, id="below-cap"),
        pytest.param(8, 3600.0, id="capped"),
        pytest.param(10_000, 3600.0, id="huge-attempt-capped-no-overflow"),
    ],
)
def test_seconds_without_jitter(attempt, seconds):
    assert Backoff(base=30.0, factor=2.0, cap=3600.0).seconds(attempt) == seconds


def test_factor_and_base_are_used():
    backoff = Backoff(base=10.0, factor=3.0, cap=1e9)
    assert [backoff.seconds(n) for n in (1, 2, 3, 4)] == [10.0, 30.0, 90.0, 270.0]


def test_delay_is_a_timedelta_of_seconds():
    assert Backoff(base=30.0).delay(3) == timedelta(seconds=120)
    assert Backoff(base=30.0).delay(0) == timedelta(0)


@pytest.mark.parametrize(
    ("rand", "seconds"),
    [
        pytest.param(0.0, 120.0, id="rand-0-full-delay"),
        pytest.param(0.5, 105.0, id="rand-half-shortens-by-half-the-jitter"),
        pytest.param(1.0, 90.0, id="rand-1-shortest"),
    ],
)
def test_jitter_is_deterministic_with_rand(rand, seconds):
    backoff = Backoff(base=30.0, jitter=0.25)
    assert backoff.seconds(3, rand=rand) == pytest.approx(seconds)
    assert backoff.delay(3, rand=rand) == timedelta(seconds=seconds)


def test_jitter_only_shortens_and_keeps_the_cap_an_upper_bound():
    jittered = Backoff(base=30.0, cap=300.0, jitter=0.5)
    plain = Backoff(base=30.0, cap=300.0)
    for attempt in range(1, 12):
        full = plain.seconds(attempt)
        for _ in range(50):  # the module's own random numbers
            value = jittered.seconds(attempt)
            assert full * 0.5 <= value <= full <= 300.0


def test_jitter_varies_with_the_random_number():
    backoff = Backoff(base=30.0, jitter=0.5)
    assert len({backoff.seconds(2) for _ in range(20)}) > 1


def test_attempt_zero_is_zero_even_with_jitter():
    assert Backoff(jitter=0.9).seconds(0, rand=1.0) == 0.0


T0 = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
PLAN = RetryPlan(backoff=Backoff(base=60.0, cap=3600.0), give_up_after=timedelta(hours=48))


@pytest.mark.parametrize(
    ("attempts", "waited", "expected"),
    [
        pytest.param(1, timedelta(0), timedelta(seconds=60), id="first-retry-after-base"),
        pytest.param(3, timedelta(minutes=10), timedelta(seconds=240), id="third-retry-doubled-twice"),
        pytest.param(20, timedelta(hours=47, minutes=59), timedelta(hours=1), id="capped-just-before-giving-up"),
    ],
)
def test_next_attempt_is_now_plus_backoff(attempts, waited, expected):
    now = T0 + waited
    assert PLAN.next_attempt(attempts=attempts, queued_at=T0, now=now) == now + expected


@pytest.mark.parametrize(
    "waited",
    [
        pytest.param(timedelta(hours=48), id="exactly-give-up-after"),
        pytest.param(timedelta(hours=48, seconds=1), id="past-give-up-after"),
        pytest.param(timedelta(days=30), id="long-past"),
    ],
)
def test_next_attempt_gives_up(waited):
    assert PLAN.next_attempt(attempts=5, queued_at=T0, now=T0 + waited) is None


def test_next_attempt_a_moment_before_giving_up_still_retries():
    now = T0 + timedelta(hours=48) - timedelta(microseconds=1)
    assert PLAN.next_attempt(attempts=1, queued_at=T0, now=now) == now + timedelta(seconds=60)
