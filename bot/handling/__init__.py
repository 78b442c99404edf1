"""Deciding one stored message, as the service does it inside the message's transaction:
`judge.py` runs the stages (limits, machine mail, floods, reading, the pure decision, holds,
the conversation, duplicates) and returns a `Verdict` without writing it; `record.py` is the
one step that writes a verdict: allocations with their postings, the outcome, the review
item, the audit event and the reply."""
