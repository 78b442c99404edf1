"""What `ledger import` says about its reconciliation with allocbot's postings."""
from __future__ import annotations

from rich.console import Console

from bot.ledger.reconcile import Reconciliation


def print_reconciliation(r: Reconciliation, console: Console) -> None:
    say = lambda text: console.print(text, markup=False, soft_wrap=True)  # noqa: E731 - ids are not markup
    if r.allocations_file or r.reflected:
        say(f"allocations: {r.reflected} postings reflected")
    if r.outstanding:
        held = r.held_back
        say(f"held back: {r.outstanding} postings the export does not show yet "
            f"(kept off {held['payments']} payments and {held['invoices']} invoices)")
        if not r.allocations_file:
            say("  (no allocations.csv: an export that lists allocbot's posting keys lets them be reflected)")
    if r.discrepancies:
        say(f"discrepancies: {len(r.discrepancies)} (exception item {r.case_ref})")
        for d in r.discrepancies:
            say(f"  {d.kind}: {d.subject}: {d.detail}")
    else:
        say("discrepancies: 0")
