"""Tryton as the billing system of record (issue 14): allocbot posts into a Tryton database and
reads its ledger back, through trytond's own API in this process (`tryton:///DB?config=PATH`).

- connection.py: the URL, the pool, one transaction per unit of work.
- posting.py: the connector behind bot/posting/port.py (an allocation is a split of the
  payment's receivable line, its part added to the invoice's payments).
- reading.py: Tryton's parties, contacts, invoices, payments and allocbot's allocations as the
  rows of a ledger export, for `allocbot ledger sync`.
- building.py: a database with a company, a chart and the sample ledger, for the demo and tests.
"""
