"""`ALLOCBOT_BILLING=builtin`: allocbot's own ledger is the system of record, so a posting
is reflected the moment its allocation commits (bot/ledger/postings.py creates it so)."""
from __future__ import annotations

from bot.posting.port import AckFile, Answer, Batch


class BuiltinBilling:
    name = "builtin"
    batched = False
    reflects_at_once = True
    batch_size = 500

    def deliver(self, batch: Batch) -> list[Answer]:
        """Postings left pending by another connector, now that allocbot is the record."""
        return [Answer(p.key, "reflected") for p in batch.postings]

    def acknowledgements(self) -> list[AckFile]:
        return []

    def done_with(self, ack_file: AckFile) -> None:
        raise AssertionError("the builtin billing system has no acknowledgements")

    def check(self) -> str | None:
        return None

    def close(self) -> None:
        return None
