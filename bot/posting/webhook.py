"""`ALLOCBOT_BILLING=https://…`: each posting POSTed as one JSON object, signed per the
Standard Webhooks specification (`webhook-id` is the posting's key, so a billing system that
keeps the ids it has seen takes a retry as the same posting).

The answer: 2xx is delivered, and reflected when its JSON says `"reflected": true`; 409
means the billing system has that key already, which is delivered too; any other 4xx
rejects the posting with the answer's text; 5xx, a timeout or a refused connection is
`retry`, and the rest of the batch waits for the next cycle (the billing system is away)."""
from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
from standardwebhooks.webhooks import Webhook

from bot.posting.port import AckFile, Answer, Batch, BillingError, PostingOut

MAX_REASON = 2000


def redacted(url: str) -> str:
    """The URL without credentials or query: what logs and status may show."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


# 4xx answers about allocbot's side, not the posting (a wrong secret or URL, a rate limit):
# retried, never taken as a refusal that would release the money and hold the request.
NOT_ABOUT_THE_POSTING = frozenset({401, 403, 404, 405, 407, 408, 413, 421, 425, 429})


def answer_of(key: str, status: int, body: str) -> Answer:
    """What an HTTP answer means for the posting `key` (pure, tested on its own)."""
    if 200 <= status < 300 or status == 409:  # 409: it had this key already (a retry after a crash)
        try:
            reflected = json.loads(body).get("reflected") is True if body.strip() else False
        except (ValueError, AttributeError):
            reflected = False
        return Answer(key, "reflected" if reflected else "delivered",
                      "the billing system had this key already" if status == 409 else "")
    if 400 <= status < 500 and status not in NOT_ABOUT_THE_POSTING:
        return Answer(key, "rejected", f"HTTP {status}: {body.strip()[:MAX_REASON] or 'no reason given'}")
    return Answer(key, "retry", f"HTTP {status}: {body.strip()[:200]}")


class WebhookBilling:
    batched = False
    reflects_at_once = False
    batch_size = 1  # claimed one at a time: a dead run leaves one posting waiting for its claim

    def __init__(self, url: str, *, secret: str, timeout: float, clock=lambda: datetime.now(UTC),
                 verify: bool | ssl.SSLContext = True) -> None:
        try:
            self.signer = Webhook(secret)
        except Exception as exc:  # noqa: BLE001 - the library says why in its own words
            raise BillingError(f"ALLOCBOT_BILLING_SECRET is not a usable webhook secret ({exc})") from None
        self.url, self.name, self.clock = url, redacted(url), clock
        self.client = httpx.Client(timeout=timeout, verify=verify, follow_redirects=False)

    def signed(self, posting: PostingOut) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(posting.as_json(), ensure_ascii=False, separators=(",", ":")).encode()
        now = self.clock()
        headers = {"content-type": "application/json", "webhook-id": posting.key,
                   "webhook-timestamp": str(int(now.timestamp())),
                   "webhook-signature": self.signer.sign(posting.key, now, body)}
        return body, headers

    def deliver(self, batch: Batch) -> Iterator[Answer]:
        for n, posting in enumerate(batch.postings):
            body, headers = self.signed(posting)
            try:
                response = self.client.post(self.url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                why = f"{self.name}: {type(exc).__name__}: {exc}"[:MAX_REASON]
                yield from (Answer(p.key, "retry", why) for p in batch.postings[n:])
                return
            answer = answer_of(posting.key, response.status_code, response.text)
            yield answer
            if answer.outcome == "retry":  # the billing system fails: the rest waits
                yield from (Answer(p.key, "retry", answer.reason) for p in batch.postings[n + 1:])
                return

    def acknowledgements(self) -> list[AckFile]:
        return []

    def done_with(self, ack_file: AckFile) -> None:
        raise AssertionError("a webhook has no acknowledgement files")

    def check(self) -> str | None:
        """A connection to the host answers (any HTTP status): the billing system is there."""
        try:
            self.client.head(self.url)
        except httpx.HTTPError as exc:
            return f"{self.name}: {type(exc).__name__}: {exc}"
        return None

    def close(self) -> None:
        self.client.close()
