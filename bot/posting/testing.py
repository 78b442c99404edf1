"""A billing system that records what it was asked and answers as told: for tests of the
delivery step that need no server (the real connectors are tested against real ones)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bot.posting.port import AckFile, Answer, Batch, PostingOut


@dataclass
class RecordingBilling:
    """`answer(posting)` gives each answer (default: delivered); `acks` are returned once."""

    answer: Callable[[PostingOut], Answer | None] = lambda p: Answer(p.key, "delivered")
    acks: list[AckFile] = field(default_factory=list)
    batches: list[Batch] = field(default_factory=list)
    done: list[AckFile] = field(default_factory=list)
    name: str = "recording"
    batched: bool = False
    reflects_at_once: bool = False
    batch_size: int = 50

    def deliver(self, batch: Batch) -> Iterator[Answer]:
        self.batches.append(batch)
        for posting in batch.postings:
            if (answer := self.answer(posting)) is not None:  # None: the connector says nothing of it
                yield answer

    def acknowledgements(self) -> list[AckFile]:
        acks, self.acks = self.acks, []
        return acks

    def done_with(self, ack_file: AckFile) -> None:
        self.done.append(ack_file)

    def check(self) -> str | None:
        return None

    def close(self) -> None:
        return None
