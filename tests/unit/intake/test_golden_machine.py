"""Golden files: every tests/golden/machine/*.eml is classified as the .json beside it says.

Machine mail told by structure or words (calendar mail, vacation notices, bounces and list
posts without machine headers) beside person-written look-alikes that must stay requests.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.intake.classify import classify
from bot.reading.parsing import parse_bytes

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "machine"
CASES = sorted(GOLDEN.glob("*.eml"))


def verdict(path: Path) -> dict | None:
    """What classify makes of the file, parsed as the bot parses stored mail."""
    found = classify(parse_bytes(path.read_bytes()), own_addresses=frozenset({"allocations@billing.example"}),
                     loop_header="X-Allocbot-Loop")
    return None if found is None else {"reason": found.reason.value, "evidence": found.evidence}


def test_there_are_golden_cases_of_each_kind() -> None:
    names = [p.stem for p in CASES]
    for kind in ("calendar_", "vacation_", "bounce_", "list_", "person_"):
        assert any(n.startswith(kind) for n in names), kind


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_machine_mail(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert verdict(path) == expected["machine"], expected["note"]
