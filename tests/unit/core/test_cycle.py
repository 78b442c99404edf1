"""What bounds a cycle, and how it reports itself."""
from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from bot.cycle import CycleReport, Guard


def test_a_bare_guard_never_stops():
    assert Guard().reason_to_stop() == ""


def test_a_set_stop_event_stops():
    guard = Guard()
    guard.stop.set()
    assert guard.reason_to_stop() == "stop requested"


def test_a_past_deadline_stops():
    assert Guard(deadline=time.monotonic() - 1).reason_to_stop() == "deadline"


def test_a_future_deadline_does_not_stop():
    assert Guard(deadline=time.monotonic() + 3600).reason_to_stop() == ""


def test_the_stop_request_is_named_before_the_deadline():
    stop = threading.Event()
    stop.set()
    assert Guard(stop=stop, deadline=time.monotonic() - 1).reason_to_stop() == "stop requested"


def test_for_job_sets_a_deadline_timeout_seconds_ahead():
    stop = threading.Event()
    before = time.monotonic()
    guard = Guard.for_job(stop, timeout_seconds=300)
    assert guard.stop is stop
    assert before + 300 <= guard.deadline <= time.monotonic() + 300
    assert guard.reason_to_stop() == ""
    assert Guard.for_job(stop, timeout_seconds=-1).reason_to_stop() == "deadline"


def test_each_guard_has_its_own_stop_event():
    first, second = Guard(), Guard()
    first.stop.set()
    assert second.reason_to_stop() == ""


@pytest.mark.parametrize(
    ("report", "summary"),
    [
        pytest.param(CycleReport(), "stored=0 duplicates=0 decided(none) filed=0 sent=0 failed=0 deferred=0", id="empty"),
        pytest.param(
            CycleReport(stored=5, duplicates=1, decided=Counter({"review": 2, "applied": 3}), filed=4, sent=3, failed=1,
                        deferred=2),
            "stored=5 duplicates=1 decided(applied=3,review=2) filed=4 sent=3 failed=1 deferred=2",
            id="counts-decisions-sorted",
        ),
        pytest.param(
            CycleReport(stored=2, stopped="deadline"),
            "stored=2 duplicates=0 decided(none) filed=0 sent=0 failed=0 deferred=0 stopped=deadline",
            id="stopped-early",
        ),
    ],
)
def test_summary(report, summary):
    assert report.summary() == summary


def test_reports_do_not_share_their_decision_counter():
    first, second = CycleReport(), CycleReport()
    first.decided["applied"] += 1
    assert second.summary().find("decided(none)") > 0
