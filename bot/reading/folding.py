"""One way to compare words across case, accents and character width."""
from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Case-, accent- and width-blind form, so "Réponse", "REPONSE" and "：" match one pattern."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
