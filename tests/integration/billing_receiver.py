"""A billing system's webhook endpoint on loopback, for the webhook connector's tests: a real
HTTP server that checks every Standard Webhooks signature, keeps the keys it has taken (a
repeat gets 409, as the issue's billing system does), and answers as a test scripts it."""
from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class BillingReceiver:
    port: int = field(default_factory=free_port)
    secret: str = SECRET
    reflect: bool = False  # answer {"reflected": true}: the billing system applied it at once
    refuse: dict[str, str] = field(default_factory=dict)  # invoice number -> the 422 answer's text
    script: list[int] = field(default_factory=list)  # statuses to answer next, before anything else
    taken: list[dict] = field(default_factory=list)  # each posting taken, once per key, in order
    answers: list[tuple[str, int]] = field(default_factory=list)  # (key, status) of every request
    bad_signatures: int = 0
    # Called with each answer before it is sent back (a fault a test injects: kill the caller
    # after the billing system took the posting, before allocbot hears it took it).
    before_answer: object = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/billing/postings"

    def keys(self) -> list[str]:
        return [p["key"] for p in self.taken]

    def answer(self, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
        try:
            posting = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            self.bad_signatures += 1
            return 401, {"error": "bad signature"}
        key = headers.get("webhook-id", "")
        if key != posting["key"]:
            return 400, {"error": "webhook-id is not the posting's key"}
        with self.lock:
            if self.script:
                return self.script.pop(0), {"error": "scripted"}
            if key in self.keys():
                return 409, {"error": "already have this key", "reflected": self.reflect}
            if posting["invoice_number"] in self.refuse:
                return 422, {"error": self.refuse[posting["invoice_number"]]}
            self.taken.append(posting)
            return 200, {"reflected": self.reflect}

    def start(self) -> BillingReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                status, answer = receiver.answer(body, {k.lower(): v for k, v in self.headers.items()})
                receiver.answers.append((self.headers.get("webhook-id", ""), status))
                if callable(receiver.before_answer):
                    receiver.before_answer(status)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_HEAD(self) -> None:  # noqa: N802
                self.send_response(405)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
