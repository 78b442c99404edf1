"""Every reason code and every evidence rule the bot records has a plain line for the operator."""
from __future__ import annotations

import re
from pathlib import Path

from bot.model import Reason
from bot.review.guidance import REASONS_EN, RULES_EN, reason_line, rule_line

BOT = Path(__file__).resolve().parents[2] / "bot"


def test_every_reason_has_a_plain_line_saying_what_to_do():
    missing = [r.value for r in Reason if r.value not in REASONS_EN]
    assert missing == []
    assert "confirm with an authorised contact" in reason_line("sender_not_authorized")
    assert "_" not in reason_line("ambiguous_payment")


def test_every_rule_the_bot_records_has_a_line():
    source = "\n".join(p.read_text() for p in BOT.rglob("*.py"))
    rules = set(re.findall(r'Evidence\(\s*"([a-z_]+)"', source))
    assert rules and sorted(rules - RULES_EN.keys()) == []


def test_an_unknown_code_reads_as_words_and_a_locale_without_lines_falls_back_to_english():
    assert reason_line("brand_new_reason") == "Brand new reason"
    assert rule_line("payment_id", "da_DK") == rule_line("payment_id")
