"""Hooks for the whole suite (the fixtures live in each folder's conftest)."""
from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep `xdist_group` working under `make test` (`-n 2 --dist loadgroup`).

    xdist's worker marks a grouped test by a suffix on its node id ("…::test@reliability"), which
    the scheduler reads to send a group to one worker. xdist 3.8 writes it to `item._nodeid`, and
    pytest 9.2 no longer builds the node id from that attribute (it is `item._id` now): the suffix
    was lost, and the groups were spread over both workers (two reliability tests at once, the
    Tryton database built on each). Here, after xdist's hook, the suffix is set where pytest 9.2
    keeps it; with a pytest that still honours `_nodeid` it is there already and nothing changes."""
    if not getattr(config.option, "loadgroup", False):  # set on xdist's workers under --dist loadgroup
        return
    for item in items:
        names = {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")}
        suffix = "@" + "_".join(sorted(names))
        if names and not item.nodeid.endswith(suffix):
            from _pytest.nodeid import NodeId  # pytest 9.2's node ids; older ones never get here

            item._id = NodeId.parse(item.nodeid + suffix)
