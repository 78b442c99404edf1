"""Real SMTP servers (aiosmtpd) on loopback ports, for the SMTP outbox and the worker tests.

Fixture `smtp_server` (function-scoped) is a factory; every server it starts is stopped at
the end of the test:

    server = smtp_server.start()                         # plain SMTP, accepts everything
    server = smtp_server.start(tls="starttls", auth={"user": "bot", "password": "secret"})
    server = smtp_server.start(fail_first=2, fail_code=451)   # 451 twice, then accept
    server = smtp_server.start(reject_code=550, fail_on="rcpt")  # always refuse the recipient

`start()` options:
- `tls`: "off" (plain), "starttls" (offers STARTTLS and refuses mail before it) or
  "implicit" (TLS from the first byte), with a certificate for 127.0.0.1 from a trustme CA.
- `auth={"user": ..., "password": ...}`: AUTH PLAIN/LOGIN, required before MAIL.
- `xoauth2_token="tok123"`: AUTH XOAUTH2 for `auth["user"]` (or "bot") with that token,
  required before MAIL. A wrong token gets 334 + error JSON, then 535, as Gmail/Office 365 do.
- `fail_first=N, fail_code=421|451|…`: refuse the first N transactions with that code, then
  accept. 421 also closes the connection, as a real server does.
- `reject_code=550|554|…`: refuse every transaction.
- `fail_on`: the command that gets the refusal: "data" (default, after the content was
  sent), "mail" or "rcpt". `reply_text` replaces the default text after the code.
- `smtputf8=False` / `eightbitmime=False`: do not offer SMTPUTF8 / 8BITMIME.

The returned `SmtpServer` has `url` (for ALLOCBOT_OUTBOX; with the credentials and
`auth=xoauth2` when configured), `host`, `port`, `ssl_context` (a client context trusting the
CA, None for tls="off"), `ca_file` (the CA's PEM), `received` (`(envelope_from, rcpt_tos,
content_bytes)` per accepted message, in arrival order), `mail_options` (the MAIL FROM
parameters of each accepted message), `wait_for(n, timeout)`, and the counters `attempts`
(MAIL commands seen), `connections` (TCP connections) and `auth_mechanisms` (AUTH attempts).

Also: `free_port()` gives a loopback port nobody listens on (for "server unreachable").
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, AuthResult, Envelope, LoginPassword, Session, SMTP

HOST = "127.0.0.1"
DEFAULT_TEXT = {421: "4.3.2 Service shutting down, closing transmission channel",
                450: "4.2.1 Mailbox busy, try again later", 451: "4.3.0 Local error in processing, try again later",
                452: "4.3.1 Insufficient system storage", 550: "5.1.1 Mailbox unavailable: no such user here",
                552: "5.3.4 Message size exceeds fixed limit", 553: "5.1.3 Mailbox name not allowed",
                554: "5.7.1 Message rejected as spam"}
XOAUTH2_ERROR = {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}


def free_port(host: str = HOST) -> int:
    """A port the OS just handed out and nobody listens on (older aiosmtpd cannot use port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class _Options:
    tls: str = "off"
    auth: dict[str, str] | None = None
    xoauth2_token: str | None = None
    fail_first: int = 0
    fail_code: int = 451
    reject_code: int | None = None
    fail_on: str = "data"
    reply_text: str | None = None

    def refusal(self, attempt: int) -> str | None:
        """The reply for transaction number `attempt` (1-based) at `fail_on`, or None to accept."""
        code = self.reject_code or (self.fail_code if attempt <= self.fail_first else None)
        if code is None:
            return None
        return f"{code} {self.reply_text or DEFAULT_TEXT.get(code, f'{code // 100}.0.0 Refused by the test server')}"


@dataclass
class SmtpServer:
    """One running aiosmtpd server; see the module docstring."""

    url: str
    host: str
    port: int
    ssl_context: ssl.SSLContext | None
    ca_file: Path
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    mail_options: list[list[str]] = field(default_factory=list)
    auth_mechanisms: list[str] = field(default_factory=list)
    attempts: int = 0
    connections: int = 0
    _changed: threading.Condition = field(default_factory=threading.Condition, repr=False)
    _controller: Controller | None = field(default=None, repr=False)

    def wait_for(self, n: int, timeout: float = 5.0) -> list[tuple[str, list[str], bytes]]:
        """Block until at least n messages arrived; fails the test after `timeout` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.received) >= n, timeout):
                raise AssertionError(f"{len(self.received)} of {n} messages arrived at {self.url} in {timeout}s")
            return list(self.received)

    def stop(self) -> None:
        """Stop listening (idempotent); the factory also does it at teardown."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _bump(self, counter: str) -> int:
        """Add one to `attempts` or `connections` (called from the server's thread)."""
        with self._changed:
            setattr(self, counter, getattr(self, counter) + 1)
            self._changed.notify_all()
            return getattr(self, counter)

    def _note_auth(self, mechanism: str) -> None:
        with self._changed:
            self.auth_mechanisms.append(mechanism)

    def _record(self, envelope: Envelope) -> int:
        with self._changed:
            self.received.append((envelope.mail_from or "", list(envelope.rcpt_tos), envelope.original_content or b""))
            self.mail_options.append(list(envelope.mail_options))
            self._changed.notify_all()
            return len(self.received)


class _Handler:
    """aiosmtpd hooks: count, refuse as configured, require login, record what is accepted."""

    def __init__(self, server: SmtpServer, options: _Options) -> None:
        self.server = server
        self.options = options
        self.needs_login = bool(options.auth or options.xoauth2_token)

    async def handle_MAIL(self, smtp: SMTP, session: Session, envelope: Envelope, address: str,
                          mail_options: list[str]) -> str:
        attempt = self.server._bump("attempts")
        if self.needs_login and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.attempt = attempt  # type: ignore[attr-defined]
        if self.options.fail_on == "mail" and (refusal := self._refuse(smtp, attempt)):
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, smtp: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if self.options.fail_on == "rcpt" and (refusal := self._refuse(smtp, envelope.attempt)):  # type: ignore[attr-defined]
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        if self.options.fail_on == "data" and (refusal := self._refuse(smtp, envelope.attempt)):  # type: ignore[attr-defined]
            return refusal
        number = self.server._record(envelope)
        return f"250 2.0.0 OK queued as {number}"

    def _refuse(self, smtp: SMTP, attempt: int) -> str | None:
        refusal = self.options.refusal(attempt)
        if refusal and refusal.startswith("421"):
            # The reply is written before this callback runs; closing flushes it first.
            asyncio.get_running_loop().call_soon(smtp.transport.close)
        return refusal

    def authenticate(self, smtp: SMTP, session: Session, envelope: Envelope, mechanism: str,
                     data: LoginPassword) -> AuthResult:
        """PLAIN and LOGIN credentials check (aiosmtpd's `authenticator` callback)."""
        self.server._note_auth(mechanism)
        auth = self.options.auth or {}
        ok = data.login == auth.get("user", "").encode() and data.password == auth.get("password", "").encode()
        return AuthResult(success=ok, handled=False)

    async def auth_XOAUTH2(self, smtp: SMTP, args: list[str]) -> AuthResult:
        """AUTH XOAUTH2 <base64 user=…^Aauth=Bearer …^A^A>, as Gmail and Office 365 answer it."""
        self.server._note_auth("XOAUTH2")
        blob = args[1] if len(args) > 1 else None
        try:
            decoded = base64.b64decode(blob, validate=True) if blob else await smtp.challenge_auth("")
        except binascii.Error:
            return AuthResult(success=False, handled=False, message="501 5.5.2 Cannot decode base64")
        if decoded is MISSING:
            return AuthResult(success=False, handled=True)
        fields = dict(part.split("=", 1) for part in decoded.decode("utf-8", "replace").split("\x01") if "=" in part)
        user = (self.options.auth or {}).get("user", "bot")
        if fields.get("user") == user and fields.get("auth") == f"Bearer {self.options.xoauth2_token}":
            return AuthResult(success=True, auth_data=user)
        await smtp.challenge_auth(json.dumps(XOAUTH2_ERROR))  # the client must answer with an empty line
        return AuthResult(success=False, handled=False, message="535 5.7.8 Username and Password not accepted")


class _Controller(Controller):
    """Counts TCP connections: aiosmtpd builds one SMTP protocol per connection."""

    def __init__(self, *args: Any, on_connection: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_connection = on_connection

    def factory(self) -> SMTP:
        self._on_connection()
        return super().factory()


class SmtpServerFactory:
    """What the `smtp_server` fixture returns: `start(**options)` → SmtpServer."""

    def __init__(self, ca: trustme.CA, ca_file: Path) -> None:
        self._ca = ca
        self._ca_file = ca_file
        self._running: list[SmtpServer] = []

    def start(self, *, tls: str = "off", auth: dict[str, str] | None = None, xoauth2_token: str | None = None,
              fail_first: int = 0, fail_code: int = 451, reject_code: int | None = None, fail_on: str = "data",
              reply_text: str | None = None, smtputf8: bool = True, eightbitmime: bool = True) -> SmtpServer:
        if tls not in ("off", "starttls", "implicit") or fail_on not in ("data", "mail", "rcpt"):
            raise ValueError(f"bad option tls={tls!r} or fail_on={fail_on!r}")
        options = _Options(tls=tls, auth=auth, xoauth2_token=xoauth2_token, fail_first=fail_first,
                           fail_code=fail_code, reject_code=reject_code, fail_on=fail_on, reply_text=reply_text)
        for _ in range(5):  # another process may grab the free port before we bind it
            port = free_port()
            server = SmtpServer(url=_url(port, options), host=HOST, port=port, ca_file=self._ca_file,
                                ssl_context=self._client_context() if tls != "off" else None)
            controller = self._controller(server, options, smtputf8=smtputf8, eightbitmime=eightbitmime)
            try:
                controller.start()
            except OSError:
                continue
            server._controller = controller
            server.connections = 0  # start() made one connection of its own to check the server is up
            self._running.append(server)
            return server
        raise RuntimeError("no free loopback port for the SMTP test server")

    def stop_all(self) -> None:
        for server in self._running:
            server.stop()
        self._running.clear()

    def _controller(self, server: SmtpServer, options: _Options, *, smtputf8: bool, eightbitmime: bool) -> Controller:
        handler = _Handler(server, options)
        excluded = ([] if options.auth else ["PLAIN", "LOGIN"]) + ([] if options.xoauth2_token else ["XOAUTH2"])
        kwargs: dict[str, Any] = dict(
            hostname=HOST, port=server.port, server_hostname="smtp.test.example", ready_timeout=5.0,
            enable_SMTPUTF8=smtputf8, decode_data=not eightbitmime, authenticator=handler.authenticate,
            auth_exclude_mechanism=excluded,
            # aiosmtpd hides AUTH until STARTTLS; plain loopback and implicit TLS must show it at once.
            auth_require_tls=options.tls == "starttls" or not handler.needs_login)
        if options.tls == "starttls":
            kwargs.update(tls_context=self._server_context(), require_starttls=True)
        elif options.tls == "implicit":
            kwargs.update(ssl_context=self._server_context())
        return _Controller(handler, on_connection=lambda: server._bump("connections"), **kwargs)

    def _server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert(HOST, "localhost").configure_cert(context)
        return context

    def _client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        self._ca.configure_trust(context)
        return context


def _url(port: int, options: _Options) -> str:
    """The outbox URL for this server: credentials in it, and auth=xoauth2 when that is configured."""
    scheme = "smtps" if options.tls == "implicit" else "smtp"
    query = ["tls=off"] if options.tls == "off" else []
    user = quote((options.auth or {}).get("user", "bot"), safe="")
    if options.xoauth2_token:
        login, query = f"{user}@", query + ["auth=xoauth2"]
    elif options.auth:
        login = f"{user}:{quote(options.auth['password'], safe='')}@"
    else:
        login = ""
    return f"{scheme}://{login}{HOST}:{port}" + (f"?{'&'.join(query)}" if query else "")


@pytest.fixture(scope="session")
def smtp_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path]:
    """One test CA for the session (key generation is the slow part) and its PEM file."""
    ca = trustme.CA()
    ca_file = tmp_path_factory.mktemp("smtp-ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return ca, ca_file


@pytest.fixture
def smtp_server(smtp_ca: tuple[trustme.CA, Path]) -> Iterator[SmtpServerFactory]:
    """Start real aiosmtpd servers with `smtp_server.start(**options)`; all stop at teardown."""
    factory = SmtpServerFactory(*smtp_ca)
    try:
        yield factory
    finally:
        factory.stop_all()
