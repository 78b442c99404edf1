"""A statement file's bytes → Statement, its format told by its content (or forced).

XML whose root `Document` holds `BkToCstmrStmt` is camt.053, `BkToCstmrDbtCdtNtfctn`
camt.054; text with `:20:` and `:60F:`/`:60M:` lines is MT940. Anything else, or a file
that is not the forced format, is refused with one message that says what it is.
"""
from __future__ import annotations

from bot.statements.camt import camt_format, read_camt
from bot.statements.model import FORMATS, Statement, StatementError
from bot.statements.mt940 import decoded, looks_like_mt940, read_mt940
from bot.statements.safexml import XmlError, parse_xml

NAMES = {"camt053": "camt.053", "camt054": "camt.054", "mt940": "MT940"}


def read_statement(data: bytes, *, format: str | None = None) -> Statement:  # noqa: A002 - the CLI's word
    """Every credit, and every entry skipped, of a camt.053, camt.054 or MT940 file."""
    if format is not None and format not in FORMATS:
        raise StatementError([f"unknown format {format!r} (one of {', '.join(FORMATS)})"])
    if not data.strip():
        raise StatementError(["the file is empty"])
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        try:
            doc = parse_xml(data)
        except XmlError as exc:
            raise StatementError([f"XML {exc}"]) from None
        found = camt_format(doc)
        if found is None:
            raise StatementError(["XML, but not a camt.053 or camt.054 message (the root must be Document "
                                  "holding BkToCstmrStmt or BkToCstmrDbtCdtNtfctn)"])
        _expect(format, found)
        return read_camt(doc)
    if not looks_like_mt940(decoded(data)):
        raise StatementError(["neither camt.053/camt.054 XML nor MT940 (no :20: and :60F: lines)"])
    _expect(format, "mt940")
    return read_mt940(data)


def _expect(forced: str | None, found: str) -> None:
    if forced is not None and forced != found:
        raise StatementError([f"--format {forced}: the file is {NAMES[found]}, not {NAMES[forced]}"])
