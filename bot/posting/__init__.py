"""Postings: allocations on their way to the billing system of record (issue 13).

- `states.py`   the posting's life (pending → delivered → reflected, or rejected), pure
- `port.py`     what a billing system connector offers, and the values that cross it
- `builtin.py`, `files.py`, `webhook.py`   the connectors, chosen by `ALLOCBOT_BILLING`
- `delivery.py` one cycle's step: hand due postings over, read the answers and acks
- `confirming.py`  the confirmations that wait until the billing view shows the change
- `testing.py`  a recording fake of the port, for tests

The rows themselves are read and written by `bot/ledger/postings.py`; the import's
reconciliation with the billing system's export is `bot/ledger/reconcile.py`.
"""
