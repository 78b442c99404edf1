"""Hostile and broken mail through the whole bot (issue 5), on SQLite and PostgreSQL: a batch of
it is stored, decided and filed in one cycle, none of it moves money or crashes the cycle, and
a good request delivered after it is still applied.

Outcomes: over `max_message_mb` is `review` with `message_too_large` (stored, not parsed); more
MIME parts than `max_mime_parts`, deeper than `max_mime_depth` or a header field over 32 KiB is
`review` with `message_too_complex`, unless its headers say it is machine mail (`ignored`); a
message read only in part (a text part or attachment over the reading limits) is never applied.
None of the unread ones is answered: the bot did not read who sent it.
"""
from __future__ import annotations

import base64
import json
import random

from bot.ledger.tables import InboundMessage
from tests.integration.conftest import ANN, choke_on_subject, request_mail

APPLY = "Please allocate payment PY00000001 to invoice G000000001."
TEXT = b"Content-Type: text/plain; charset=utf-8\n\n" + APPLY.encode() + b"\n"


def headers(message_id: str, *, sender: bytes = ANN.encode(), extra: bytes = b"") -> bytes:
    domain = sender.rpartition(b"@")[2]
    return (b"Message-ID: <" + message_id.encode() + b">\n"
            b"Authentication-Results: mx.billing.example; spf=pass smtp.mailfrom=" + domain + b"; dkim=pass header.d="
            + domain + b"; dmarc=pass header.from=" + domain + b"\n"
            b"From: Ann Admin <" + sender + b">\nTo: allocations@billing.example\nDate: Mon, 2 Nov 2026 09:30:00 +0000\n" + extra)


def nested(levels: int) -> bytes:
    opening = b"".join(b"--n%d\nContent-Type: multipart/mixed; boundary=n%d\n\n" % (i, i + 1) for i in range(levels - 1))
    closing = b"".join(b"--n%d--\n" % i for i in reversed(range(levels)))
    return b"Content-Type: multipart/mixed; boundary=n0\n\n" + opening + b"--n%d\n" % (levels - 1) + TEXT + closing


def mixed(*parts: bytes) -> bytes:
    return b"Content-Type: multipart/mixed; boundary=m\n\n" + b"".join(b"--m\n" + p + b"\n" for p in parts) + b"--m--\n"


def attachment(data: bytes, content_type: str, name: str) -> bytes:
    return (f"Content-Type: {content_type}\nContent-Disposition: attachment; filename={name}\n"
            f"Content-Transfer-Encoding: base64\n\n").encode() + base64.encodebytes(data)


def zip_bomb() -> bytes:
    from tests.unit.reading.test_hostile import zip_of_zeros
    return zip_of_zeros()


def hostile_mail() -> dict[str, tuple[bytes, str, str | None]]:
    """name -> (raw bytes, expected status, a reason it must carry or None)."""
    rng = random.Random(5)
    big_csv = b"invoice;amount\n" + b"G000000002;250.00\n" * 120_000  # 2.2 MB: read only to 2 MB
    return {
        "too_large": (headers("too-large@x") + b"Subject: s\n" + mixed(TEXT, attachment(rng.randbytes(3_000_000), "application/pdf", "scan.pdf")),
                      "review", "message_too_large"),
        "nested_50": (headers("nested@x") + b"Subject: s\n" + nested(50), "review", "message_too_complex"),
        "parts_300": (headers("parts@x") + b"Subject: s\n" + mixed(TEXT, *[b"Content-Type: text/plain\n\nx"] * 300),
                      "review", "message_too_complex"),
        "subject_1mb": (headers("subject@x") + b"Subject: " + b"PY00000001 G000000001 " * 50_000 + b"\n\n" + APPLY.encode(),
                        "review", "message_too_complex"),
        "auto_reply_nested_50": (headers("ooo@x", extra=b"Auto-Submitted: auto-replied\n") + b"Subject: Out of office\n" + nested(50),
                                 "ignored", "auto_reply"),
        "csv_over_2mb": (headers("csv@x") + b"Subject: s\n" + mixed(TEXT, attachment(big_csv, "text/csv", "remittance.csv")),
                         "review", "message_too_complex"),
        "zip_bomb": (headers("zip@x", sender=b"ops@unknown.example") + b"Subject: remittance\n"
                     + mixed(TEXT, attachment(zip_bomb(), "application/zip", "remittance.zip")), "review", "unknown_sender"),
        "encoded_address_in_name": (b"Message-ID: <encoded@x>\nFrom: \"=?utf-8?q?ann=40bluepeak.example?=\" <evil@x.example>\n"
                                    b"Subject: =?utf-8?b?%%%?= " + b"=?utf-8?b?R0g=?= " * 500 + b"\n\n" + APPLY.encode(),
                                    "review", "unknown_sender"),
        "nul_everywhere": (b"\x00".join(bytes([c]) for c in headers("nul@x") + b"Subject: s\n" + TEXT), "review", None),
        "nul_in_headers": (headers("nul-header@x") + b"Subject: pay\x00ment \x00\nX-\x00: \x00\n\n\x00"
                           b"Please allocate payment PY00000001 to invoice G000000099.\x00", "needs_info", "unknown_invoice"),
        "garbage": (rng.randbytes(20_000), "review", None),
        "empty": (b"", "review", None),
        "choke": (headers("choke@x") + b"Subject: CHOKE\n\n" + APPLY.encode(), "error", "parse_error"),
    }


def test_hostile_mail_gets_an_outcome_moves_no_money_and_a_good_request_still_goes_through(make_world, monkeypatch):
    world = make_world(max_message_mb=3.5)
    choke_on_subject(monkeypatch)  # a reader crash, as on mail nobody foresaw: stored as an error
    mails = hostile_mail()
    for raw, _, _ in mails.values():
        world.deliver(raw)
    good = request_mail(body=APPLY, message_id="<good-after-hostile@bluepeak.example>")
    world.deliver(good)

    report = world.run()

    assert report.stopped == "" and report.stored == len(mails) + 1
    rows = sorted(world.rows(InboundMessage), key=lambda r: r.id)
    assert sum(report.decided.values()) == len(rows) == len(mails) + 1
    assert all(r.status != "received" and r.filed_at is not None for r in rows)  # decided and filed
    by_raw = {r.raw: r for r in rows}
    for name, (raw, status, reason) in mails.items():
        row = by_raw[raw]  # the bytes are kept as they came, whatever they are
        assert row.status in ("review", "needs_info", "ignored", "error"), name
        assert status is None or row.status == status, (name, row.status, row.reasons)
        assert reason is None or reason in row.reasons.split(","), (name, row.reasons)
    assert world.allocations() == [("PY00000001", "G000000001", 100_00)]  # only the good request's
    assert world.inbound("<good-after-hostile@bluepeak.example>").status == "applied"

    unread = {by_raw[mails[n][0]].id for n in ("too_large", "nested_50", "parts_300", "subject_1mb")}
    assert not unread & {r.inbound_id for r in world.outbound()}  # nobody verified, nobody answered
    too_large = by_raw[mails["too_large"][0]]
    assert "more than max_message_mb = 3.5" in json.loads(too_large.evidence)[0]["detail"]
    nested = json.loads(by_raw[mails["nested_50"][0]].evidence)[0]["detail"]
    assert nested == "not read: MIME parts nested more than 20 levels deep (max_mime_depth)"
    csv = json.loads(by_raw[mails["csv_over_2mb"][0]].evidence)
    assert "attachment 'remittance.csv' read only to its first 2,000,000 bytes" in [e["detail"] for e in csv]
    review = {i.inbound_id for i in world.review_items()}
    assert {r.id for r in rows if r.status in ("review", "needs_info", "error")} <= review

    again = world.run()  # nothing is decided twice, nothing waits
    assert sum(again.decided.values()) == 0 and world.allocations() == [("PY00000001", "G000000001", 100_00)]


def test_the_limits_are_the_settings(make_world):
    world = make_world(max_mime_depth=60, max_mime_parts=400)
    mails = hostile_mail()
    for name in ("nested_50", "parts_300"):
        world.deliver(mails[name][0])
    world.run()
    # read in full now: the request inside is applied once (by the first of the two)
    assert [r.status for r in sorted(world.rows(InboundMessage), key=lambda r: r.id)] == ["applied", "review"]
    assert world.allocations() == [("PY00000001", "G000000001", 100_00)]
