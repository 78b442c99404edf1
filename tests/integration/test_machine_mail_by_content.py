"""Machine mail told only by its structure or its words, through the whole bot (issues 15 and
17, promise 4), on SQLite and PostgreSQL: calendar invitations, replies and cancellations,
vacation notices, bounces and list posts without machine headers, all "from" a registered
billing admin and naming a real payment and invoice, are stored, ignored with their evidence,
never answered and move no money; a request that mentions a meeting is still applied.

The mail is the golden set of tests/golden/machine (its README says how the cases are made).
"""
from __future__ import annotations

import json
from pathlib import Path

from bot.ledger.tables import InboundMessage
from bot.reading.parsing import parse_bytes

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "machine"
CONTROL = "person_meeting_mentioned_request"  # Ann asks for PY00000002 -> G000000002


def golden() -> dict[str, tuple[bytes, dict | None]]:
    """name -> (raw bytes, expected machine verdict or None)."""
    def expected(path: Path) -> dict | None:
        return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["machine"]
    return {p.stem: (p.read_bytes(), expected(p)) for p in sorted(GOLDEN.glob("*.eml"))}


def message_id(raw: bytes) -> str:
    return str(parse_bytes(raw)["Message-ID"]).strip()


def test_machine_mail_told_by_its_content_is_ignored_and_never_answered(world):
    cases = golden()
    machine = {name: case for name, case in cases.items() if case[1] is not None}
    assert len(machine) >= 25
    for raw, _ in machine.values():
        world.deliver(raw)
    world.deliver(cases[CONTROL][0])

    report = world.run()

    assert report.stored == len(machine) + 1
    for name, (raw, expected) in machine.items():
        row = world.inbound(message_id(raw))
        assert (row.status, row.reasons) == ("ignored", expected["reason"]), name
        assert json.loads(row.evidence) == [{"rule": "machine_mail", "detail": expected["evidence"]}], name
    control = world.inbound(message_id(cases[CONTROL][0]))
    assert control.status == "applied", (control.status, control.reasons)
    assert world.allocations() == [("PY00000002", "G000000002", 250_00)]  # only the control's
    assert [r.inbound_id for r in world.outbound()] == [control.id]  # one confirmation, to the control
    assert len(world.outbox_files()) == 1
