"""How much of a message the reader reads (issue 5: hostile and broken mail).

Every limit is a bound on work or memory, never a guess about what mail means. Past a limit
the reader stops and says so (`Mail.limits`), and the deciding step holds the message for
`review`: a message read only in part is never applied.

- `MAX_PARTS`, `MAX_DEPTH`: the MIME tree. The parser refuses to build more parts (every node,
  containers and attached messages included) or deeper nesting; the message is then read
  from its headers only. The service passes `max_mime_parts` and `max_mime_depth` from the
  settings; these are their defaults, used by callers without settings (the web UI).
- `MAX_LINES`: lines in the whole message. The parser keeps each line of a part as a string
  until the part ends, 50-odd bytes of overhead each, so 25 MB of "a\n" would take 750 MB;
  a message with more lines is parsed from its header section only. 25 MB of base64 (76
  characters a line) is 340,000 lines; the service allows one line per 26 bytes of
  `max_message_mb`, and never fewer than this.
- `MAX_HEADER_CHARS`: one header field, folded lines included. The mail library's header
  parsers are quadratic in a field's length (a 1 MB Subject takes half a minute), so a longer
  field makes the message too complex, and the field is left out of the headers read.
- `MAX_HEADER_FIELDS`: header fields in the whole message (every part's). Each costs about
  200 bytes parsed, whatever its length: a million "a:" lines would take 200 MB.
- `MAX_PART_BYTES`: decoded bytes read from one text part or one CSV or text attachment. Only
  this much of a part's transfer encoding is ever decoded, so a 30 MB CSV costs no more than
  2 MB. (A PDF or XLSX is decoded whole, up to `MAX_ATTACHMENT_BYTES`, or not at all.)
- `MAX_REQUEST_CHARS`: characters of request text read (subject, the newest reply, rows of
  remittance attachments). Reading is linear in it: about 5 seconds at worst on dense text.
- `MAX_ATTACHMENT_ROWS`: rows read from one remittance attachment (non-empty rows of a
  spreadsheet; `MAX_SPREADSHEET_SCAN` rows are looked at in all, empty ones included).

Remittance attachments (CSV, XLSX, text PDFs; issue 6) are opened within these bounds. One
past a bound is not read at all but listed in `Mail.unreadable`, and the message is held:
- `MAX_ATTACHMENT_BYTES`, `MAX_ATTACHMENT_PAGES`: the defaults of the settings
  `max_attachment_mb` and `max_attachment_pages`, which the service passes to `read_message`.
  The size is the decoded size; a transfer-encoded text longer than any encoding of it is not
  decoded at all.
- `MAX_SPREADSHEET_BYTES`, `MAX_ZIP_RATIO`: an XLSX is a zip of XML. Before openpyxl opens it,
  its members' declared sizes must add up to at most this many bytes, and no member over
  1 MiB may be compressed more than this many times (zip bombs are a thousand times and more;
  a 20,000-row sheet is 12). zipfile never inflates a member past its declared size, so the
  declared sizes bound the work, and openpyxl's memory (it keeps the shared strings).
- `MAX_SPREADSHEET_COLUMNS`: cells read from each spreadsheet row.
- `MAX_PDF_STREAM_BYTES`: bytes one PDF stream may decode to (pypdf's own limit is 75 MB; it
  is lowered while reading). Images are never decoded, and no external decoder is run.
- `MAX_PDF_RUNS`: strings shown on one page. pypdf's layout extraction pads the gap before
  each with up to 10,000 spaces, so this bounds one page's text to ten million characters
  whatever its positions say; a remittance page has a few hundred.
"""
from __future__ import annotations

MAX_PARTS = 200
MAX_DEPTH = 20
MAX_LINES = 1_000_000
MAX_HEADER_CHARS = 32_768
MAX_HEADER_FIELDS = 50_000
MAX_PART_BYTES = 2_000_000
MAX_REQUEST_CHARS = 500_000
MAX_ATTACHMENT_ROWS = 5_000
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENT_PAGES = 50
MAX_SPREADSHEET_SCAN = 20 * MAX_ATTACHMENT_ROWS
MAX_SPREADSHEET_BYTES = 16 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_SPREADSHEET_COLUMNS = 64
MAX_PDF_STREAM_BYTES = 2 * 1024 * 1024
MAX_PDF_RUNS = 1_000


class NotRead(Exception):
    """A remittance attachment that was not read, and why: the note for `Mail.unreadable`."""
