"""The watchdog's pure part: which running jobs have overrun."""
from __future__ import annotations

import pytest

from bot.worker import overdue_jobs


@pytest.mark.parametrize(
    ("running", "now", "limit", "late"),
    [
        pytest.param({}, 1000.0, 60.0, [], id="nothing-running"),
        pytest.param({"intake": 990.0}, 1000.0, 60.0, [], id="young-job"),
        pytest.param({"intake": 940.0}, 1000.0, 60.0, [], id="exactly-at-limit-is-not-late"),
        pytest.param({"intake": 939.9}, 1000.0, 60.0, ["intake"], id="just-past-limit"),
        pytest.param({"outbox": 100.0, "intake": 200.0, "digest": 990.0}, 1000.0, 60.0, ["intake", "outbox"],
                     id="only-late-ones-sorted-by-name"),
        pytest.param({"b": 0.0, "a": 0.0, "c": 0.0}, 500.0, 1.0, ["a", "b", "c"], id="all-late-sorted"),
        pytest.param({"intake": 1010.0}, 1000.0, 0.0, [], id="started-in-the-future"),
    ],
)
def test_overdue_jobs(running, now, limit, late):
    assert overdue_jobs(running, now=now, limit=limit) == late


def test_overdue_jobs_leaves_the_running_map_alone():
    running = {"intake": 0.0}
    overdue_jobs(running, now=1000.0, limit=1.0)
    assert running == {"intake": 0.0}
