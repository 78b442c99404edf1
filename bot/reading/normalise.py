"""Text as a person sees it, before anything is read from it: invisible characters out, then NFKC.

Outlook, web mailers, word processors and PDF generators leave characters in the text that
show nothing: zero-width spaces and joiners, the word joiner, a byte-order mark, soft
hyphens, the old Mongolian vowel separator, bidi marks, embeddings and isolates. Inside an id
or an amount ("PY1234\\u200b5678", "12\\u00ad345,67 €") they hide what the partner wrote, or
worse, cut an amount so that only its tail is read. They are deleted everywhere. The bot
reads only ids, amounts, dates and words, so deleting the joiners U+200C/U+200D is fine for
reading, though it glues a Persian word (ZWNJ) or splits an emoji sequence (ZWJ) in the
evidence shown: what is read matters more than how it looks there.

The bidi *overrides* (U+202D, U+202E) are kept: they reorder what is displayed, so the text
without them is not what the person saw, and an id or amount with one inside is not read.

A Swiss or Italian thousands mark typed as an acute accent, a modifier apostrophe or a prime
between digits ("1´234.56") becomes an apostrophe first: NFKC would make the accent a space
and a combining mark. NFKC then makes no-break, narrow, thin, figure and hair spaces plain
spaces and full-width digits and commas ASCII ("１２，３４５.６７" is "12,345.67"); the
ideographic comma "、" stays what it is, a list separator (amounts.py never groups with it).

`normalise` is what every reader applies (mail body, subject, attachment text), so the
evidence spans, which are offsets into the normalised request text, show exactly what was read.
"""
from __future__ import annotations

import re
import unicodedata

INVISIBLE = (
    "\u00ad"  # soft hyphen
    "\u061c"  # Arabic letter mark
    "\u180e"  # Mongolian vowel separator
    "\u200b\u200c\u200d"  # zero-width space, non-joiner, joiner
    "\u200e\u200f"  # left-to-right and right-to-left marks
    "\u202a\u202b\u202c"  # bidi embeddings and their end (the overrides U+202D/E are kept: see above)
    "\u2060\u2061\u2062\u2063\u2064"  # word joiner, invisible operators
    "\u2066\u2067\u2068\u2069"  # bidi isolates
    "\ufeff"  # byte-order mark / zero-width no-break space
)
_DELETE = {ord(c): None for c in INVISIBLE}
_DIGIT_APOSTROPHE = re.compile(r"(?<=\d)[\u00b4\u02b9\u02bc\u2032\u0060](?=\d{3}(?!\d))")
# Spaces that are not plain ones: one for one, so a PDF's layout columns keep their places.
_SPACES = {ord(c): " " for c in "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
           "\u202f\u205f\u3000"}


def visible(text: str) -> str:
    """`text` without the invisible characters, and with a digit-group accent as an apostrophe."""
    return _DIGIT_APOSTROPHE.sub("'", text.translate(_DELETE))


def normalise(text: str) -> str:
    """What is read: `visible(text)` in NFKC."""
    return unicodedata.normalize("NFKC", visible(text))


def plain_spaces(text: str) -> str:
    """`text` without the invisible characters and with every kind of space as a plain one, one for
    one and without NFKC, so a PDF layout line keeps its columns in their places."""
    return visible(text).translate(_SPACES)
