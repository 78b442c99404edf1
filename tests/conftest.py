"""Hooks for the whole suite (the fixtures live in each folder's conftest)."""
from __future__ import annotations

import pytest

# The groups that run one test at a time on one worker, longest first (their totals under `make
# test`: the Tryton tests that build their own database ~5 min, the other Tryton tests and the
# reliability tests ~4 min each). They are collected first, so each starts on a worker of its own
# at once and the ungrouped tests fill around them; collected where their folders fall, the
# Tryton groups started two thirds into the run and ran on alone at its end.
LONG_GROUPS = ("tryton_own_database", "tryton", "reliability")


def _groups(item: pytest.Item) -> set[str]:
    return {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep `xdist_group` working under `make test` (`-n 3 --dist loadgroup`), the long groups first.

    xdist's worker marks a grouped test by a suffix on its node id ("…::test@reliability"), which
    the scheduler reads to send a group to one worker. xdist 3.8 writes it to `item._nodeid`, and
    pytest 9.2 no longer builds the node id from that attribute (it is `item._id` now): the suffix
    was lost, and the groups were spread over both workers (two reliability tests at once, the
    Tryton database built on each). Here, after xdist's hook, the suffix is set where pytest 9.2
    keeps it; with a pytest that still honours `_nodeid` it is there already and nothing changes."""
    if not getattr(config.option, "loadgroup", False):  # set on xdist's workers under --dist loadgroup
        return
    rank = {name: n for n, name in enumerate(LONG_GROUPS)}
    last = len(LONG_GROUPS)
    items.sort(key=lambda item: min((rank.get(g, last) for g in _groups(item)), default=last))  # stable
    for item in items:
        names = _groups(item)
        suffix = "@" + "_".join(sorted(names))
        if names and not item.nodeid.endswith(suffix):
            from _pytest.nodeid import NodeId  # pytest 9.2's node ids; older ones never get here

            item._id = NodeId.parse(item.nodeid + suffix)
