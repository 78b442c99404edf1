"""The operator reads guidance in the language their browser asks for (issue 16, item 3).

Every reason and rule has a line in each language the reply templates speak, so a code added
without its translations fails here by name; the browser's Accept-Language picks the language.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.model import Reason
from bot.review.guidance import LANGUAGES, REASONS_EN, RULES_EN, operator_language, reason_line, rule_line
from bot.review.guidance import _BY_LOCALE

BOT = Path(__file__).resolve().parents[2] / "bot"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "email"
OTHERS = [lang for lang in LANGUAGES if lang != "en"]


def _emitted_rules() -> set[str]:
    source = "\n".join(p.read_text() for p in BOT.rglob("*.py"))
    return set(re.findall(r'Evidence\(\s*"([a-z_]+)"', source)) | RULES_EN.keys()


def test_the_guidance_speaks_every_language_a_reply_template_is_written_in():
    template_languages = {p.name for p in TEMPLATES.iterdir() if p.is_dir()}
    assert template_languages and template_languages <= set(LANGUAGES)


@pytest.mark.parametrize("lang", OTHERS)
def test_every_reason_code_has_its_own_line_in_the_language(lang):
    reasons = _BY_LOCALE[lang][0]
    missing = sorted(r.value for r in Reason if not reasons.get(r.value, "").strip())
    assert missing == [], f"{lang}: reason codes without a line: {missing}"
    assert sorted(reasons.keys() - {r.value for r in Reason}) == [], f"{lang}: lines for no reason"


@pytest.mark.parametrize("lang", OTHERS)
def test_every_rule_the_bot_records_has_its_own_line_in_the_language(lang):
    rules = _BY_LOCALE[lang][1]
    missing = sorted(r for r in _emitted_rules() if not rules.get(r, "").strip())
    assert missing == [], f"{lang}: rules without a line: {missing}"


@pytest.mark.parametrize("lang", OTHERS)
def test_no_line_is_the_english_one_left_untranslated(lang):
    """Only a code-like token (no letters beyond an acronym) may read the same in two languages."""
    reasons, rules = _BY_LOCALE[lang]
    same = [k for table, english in ((reasons, REASONS_EN), (rules, RULES_EN))
            for k, line in table.items()
            if line == english.get(k) and not re.fullmatch(r"[A-Z0-9/_.-]+", line)]
    assert same == [], f"{lang}: lines identical to English: {same}"


@pytest.mark.parametrize("lang", OTHERS)
def test_each_reason_line_says_what_it_means_then_what_to_do(lang):
    """The English shape "meaning: action" holds in every language (a full-width colon in Japanese)."""
    shapeless = [code for code, line in _BY_LOCALE[lang][0].items()
                 if not re.search(r"\S\s?[:：]\s?\S", line)]
    assert shapeless == []


def test_the_page_reads_the_operators_language_and_falls_back_to_english_then_to_words():
    assert reason_line("sender_not_authorized", "sv").startswith("Avsändaren är kontakt men får inte flytta")
    assert reason_line("duplicate", "de-DE") == reason_line("duplicate", "de")
    assert "(SPF/DKIM/DMARC)" in rule_line("sender_auth", "fr")
    assert reason_line("duplicate", "da") == reason_line("duplicate") == REASONS_EN["duplicate"]
    assert reason_line("brand_new_reason", "ja") == "Brand new reason"
    assert rule_line("", "nl") == "—"


@pytest.mark.parametrize(("header", "expected"), [
    ("sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7", "sv"),
    ("sv-SE", "sv"),
    ("en-US,en;q=0.9,de;q=0.8", "en"),
    ("fr;q=0.1, ja;q=0.5", "ja"),
    ("de;q=0, nl", "nl"),
    ("da, nb;q=0.9, es;q=0.2", "es"),
    ("zh-Hant-TW, ja-JP;q=0.8", "ja"),
    ("NL-be", "nl"),
    ("es-419", "es"),
    ("fr;q=1.0, de;q=1", "fr"),
])
def test_the_browsers_most_wanted_guidance_language_wins(header, expected):
    assert operator_language(header) == expected


@pytest.mark.parametrize("header", [None, "", "*", "  ", "da, pl;q=0.9", ";;;,,q=", "sv;q=abc",
                                    "de;q=0", "<script>", "x" * 500])
def test_a_header_naming_no_guidance_language_gives_the_default(header):
    assert operator_language(header) == "en"
    assert operator_language(header, default="sv") == "sv"


def test_the_chosen_language_drives_the_line_shown():
    line = reason_line("ambiguous_payment", operator_language("es-ES,es;q=0.9"))
    assert line == _BY_LOCALE["es"][0]["ambiguous_payment"] != REASONS_EN["ambiguous_payment"]
