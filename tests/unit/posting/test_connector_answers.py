"""What a billing system's answers mean: the webhook's HTTP statuses and the file connector's
ack lines (pure; the connectors against real servers and folders are in tests/integration)."""
import pytest

from bot.posting.files import read_ack_line
from bot.posting.webhook import answer_of, redacted


@pytest.mark.parametrize(("status", "body", "outcome"), [
    (200, "", "delivered"), (202, '{"queued": true}', "delivered"), (201, '{"reflected": true}', "reflected"),
    (200, '{"reflected": "yes"}', "delivered"),  # only a JSON true says it is applied
    (200, "not json", "delivered"), (409, "duplicate key", "delivered"), (409, '{"reflected": true}', "reflected"),
    (422, "invoice G1 is paid", "rejected"), (400, "", "rejected"), (410, "payment gone", "rejected"),
    (500, "boom", "retry"), (503, "", "retry"), (502, "bad gateway", "retry"),
    # about allocbot's side, not the posting: a wrong secret or URL, a rate limit never release money
    (401, "bad signature", "retry"), (403, "", "retry"), (404, "no such endpoint", "retry"), (429, "", "retry"),
])
def test_http_status_and_answer_give_the_outcome(status, body, outcome):
    answer = answer_of("alloc-1-ab", status, body)
    assert (answer.key, answer.outcome) == ("alloc-1-ab", outcome)


def test_a_refusal_keeps_the_billing_systems_words():
    assert answer_of("k", 422, "  closed period 2026-10  ").reason == "HTTP 422: closed period 2026-10"
    assert answer_of("k", 400, "").reason == "HTTP 400: no reason given"


def test_the_webhook_url_is_shown_without_credentials_or_query():
    assert redacted("https://user:pw@erp.example:8443/hooks/alloc?token=s3cret") == "https://erp.example:8443/hooks/alloc"


def test_an_ack_line_is_read():
    ack = read_ack_line('{"key": "alloc-7-aa", "status": "rejected", "reason": "period closed"}')
    assert (ack.key, ack.status, ack.reason) == ("alloc-7-aa", "rejected", "period closed")
    assert read_ack_line('{"key": " k ", "status": "accepted"}').reason == ""


@pytest.mark.parametrize(("line", "why"), [
    ("{not json", "not JSON"), ("[1, 2]", "not a JSON object"), ('{"status": "accepted"}', 'no "key"'),
    ('{"key": "k", "status": "ok"}', "must be accepted or rejected"), ('{"key": "", "status": "accepted"}', 'no "key"'),
])
def test_a_bad_ack_line_says_what_is_wrong(line, why):
    with pytest.raises(ValueError, match=why):
        read_ack_line(line)
