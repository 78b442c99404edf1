"""Bank statements as the payment source (issue 6): camt.053, camt.054 and MT940 read into
plain values, pure like `bot/reading/` — no database, no clock. The ledger side, which turns
the credits into payments, is `bot/ledger/payments_import.py`.

- `read.py`      bytes → Statement: the format recognised from the content, or forced
- `camt.py`      ISO 20022 camt.053 / camt.054, any version (local element names)
- `mt940.py`     SWIFT MT940 through the `mt940` package; `mt940_details.py` reads its :86:
- `safexml.py`   XML without DTDs or entities, with the line each element starts on
- `model.py`     Credit, Skipped, Statement, StatementError
- `remittance.py` invoice numbers and ISO 11649 RF creditor references in remittance text
- `checksums.py` ISO 7064 mod 97-10, shared by IBANs and RF references
- `accounts.py`  which ledger account a credit belongs to, from lookups the caller made
"""
