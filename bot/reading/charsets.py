"""Text bytes -> str when the charset label is missing, wrong or unknown.

Mislabelled mail is common: Outlook sends windows-1252 bytes labelled utf-8, web forms
label UTF-8 as iso-8859-1, Polish mail arrives in windows-1250 without a label. Partner
mails are short, too short for statistical detection (charset-normalizer reads a Swedish
"å" in windows-1252 as windows-1250 "ĺ"), so the few encodings partners actually use are
each tried and the one that yields the most plausible text wins.
"""
from __future__ import annotations

import codecs
import unicodedata

from charset_normalizer import from_bytes

MAX_TEXT_BYTES = 2_000_000
# Tried in this order; on equal plausibility the earlier one wins.
CANDIDATES = ("cp1252", "cp1250", "cp932", "euc-jp")
# Symbols that appear in mail mostly as the residue of a wrong charset (windows-1252 read as
# windows-1250 gives the spacing accents, windows-1250 read as windows-1252 the Latin-1 ones).
_ODD = set("¢¤¦¨ª¬¯±²³´µ¶·¸¹º¼½¾ˇ˘˛˝˙")


def _codec(name: str | None) -> str | None:
    try:
        return codecs.lookup(name).name if name else None
    except (LookupError, TypeError, ValueError):
        return None


def _is_single_byte(codec: str) -> bool:
    return codec.startswith(("iso8859", "cp125", "latin", "ascii", "windows-125", "mac-"))


def _is_wide(codec: str) -> bool:
    """UTF-16 and UTF-32 decode almost any even-length bytes "cleanly", into CJK nonsense."""
    return codec.startswith(("utf-16", "utf_16", "utf-32", "utf_32"))


def _is_cjk(char: str) -> bool:
    return "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"


def implausibility(text: str) -> int:
    """How many characters look like a wrong decoding: controls, stray Latin-1 symbols, a
    lone CJK character wedged between Latin letters."""
    score = 0
    for i, char in enumerate(text):
        if char in _ODD or (unicodedata.category(char) in {"Cc", "Co", "Cn"} and char not in "\t\n\r\f"):
            score += 1
        elif _is_cjk(char) and 0 < i < len(text) - 1 and text[i - 1].isascii() and text[i - 1].isalpha() and text[i + 1].isascii() and text[i + 1].isalpha():
            score += 1
    return score


def _strict(payload: bytes, codec: str) -> str | None:
    try:
        return payload.decode(codec)
    except (LookupError, UnicodeDecodeError):
        return None


def decode_text(payload: bytes, declared: str | None) -> str:
    """Decode text bytes, surviving wrong or unknown charset labels."""
    payload = payload[:MAX_TEXT_BYTES]
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if payload.startswith(bom):  # Excel's "CSV UTF-8" and "Unicode text" exports
            text = _strict(payload, name)
            if text is not None:
                return text
    codec = _codec(declared)
    utf8 = _strict(payload, "utf-8")
    if b"\x1b$B" in payload or b"\x1b$@" in payload:  # ISO-2022-JP escapes, 7-bit, so "valid" UTF-8 too
        codec = codec if codec and codec.startswith("iso2022") else "iso2022_jp"
    # A label is believed unless UTF-8 reads the bytes too and the label is a single-byte
    # charset (Outlook's windows-1252 label on UTF-8), or a wide one on text without a single
    # NUL byte (no UTF-16 or UTF-32 text of mail has none): a lie that would turn "PY…" into CJK.
    lie = utf8 is not None and ((not payload.isascii() and _is_single_byte(codec or "")) or
                                (_is_wide(codec or "") and b"\x00" not in payload))
    if codec and not lie:
        text = _strict(payload, codec)
        if text is not None:
            return text
    if utf8 is not None:
        return utf8
    decoded = [(implausibility(t), i, t) for i, c in enumerate(CANDIDATES) if (t := _strict(payload, c)) is not None]
    if decoded:
        return min(decoded)[2]
    best = from_bytes(payload).best()
    if best is not None:
        return str(best)
    return payload.decode("cp1252", errors="replace")
