"""The outbox over SMTP: one connection per batch of replies, driven from synchronous code.

aiosmtplib is async; each connection gets its own `asyncio.Runner`, so the worker and the
service stay synchronous and nothing async leaks out of this module.

Security: `smtps://` is TLS from the first byte; `smtp://` requires STARTTLS and refuses to
go on (before any login) when the server does not offer it; only `?tls=off` talks in clear,
and that is meant for loopback test servers. Every network step has a timeout.

Errors: 4xx replies, dropped connections and timeouts are transient (the row is retried);
5xx replies are permanent, except the ones about our session rather than the message
(see `SESSION_CODES`). The server's code and text are always in the message.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import ssl
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager

import aiosmtplib
from aiosmtplib import (SMTPDataError, SMTPException, SMTPHeloError, SMTPNotSupported, SMTPRecipientsRefused,
                        SMTPResponseException, SMTPSenderRefused)

from bot.endpoints import Endpoint
from bot.oauth import OAuthError, xoauth2_bytes
from bot.replies.outbox import DeliveryError

log = logging.getLogger("allocbot.smtp")

# 5xx replies that refuse our session (authentication required, bad credentials, TLS needed),
# not this message: fixing the configuration lets the very same message through, so retry.
SESSION_CODES = frozenset({530, 534, 535, 538})
_QUIT_TIMEOUT = 5.0


def delivery_error(code: int, text: str, *, during: str = "") -> DeliveryError:
    """The DeliveryError for an SMTP reply: 5xx permanent (but SESSION_CODES), anything else transient."""
    permanent = 500 <= code <= 599 and code not in SESSION_CODES
    where = f" at {during}" if during else ""
    text = " ".join(str(text).split())
    return DeliveryError(f"server refused the message{where}: {code} {text}".rstrip(), permanent=permanent)


def mail_options(raw: bytes, *, envelope_from: str, to: str, offered: Collection[str]) -> list[str]:
    """MAIL FROM parameters the message needs; raises a permanent DeliveryError when the server
    lacks the extension (RFC 6152 forbids 8-bit data, RFC 6531 non-ASCII addresses without it)."""
    offered = {name.lower() for name in offered}
    options: list[str] = []
    if not raw.isascii():
        if "8bitmime" not in offered:
            raise DeliveryError("the message has 8-bit content and the server does not offer 8BITMIME",
                                permanent=True)
        options.append("BODY=8BITMIME")
    if not (envelope_from + to).isascii():
        if "smtputf8" not in offered:
            raise DeliveryError(f"the address {to if not to.isascii() else envelope_from} is not ASCII and "
                                "the server does not offer SMTPUTF8", permanent=True)
        options.append("SMTPUTF8")
    return options


def xoauth2_challenge_text(message: str) -> str:
    """The error JSON a server sends base64-encoded in its 334 after a refused XOAUTH2 token."""
    try:
        return " ".join(base64.b64decode(message.strip(), validate=True).decode("utf-8", "replace").split())
    except (binascii.Error, ValueError):
        return " ".join(message.split())


def connection_problem(exc: BaseException) -> str:
    """A one-line reason for a failed network step, naming the exception when its text is vague."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class SmtpOutbox:
    """Outbox protocol over SMTP. `token` gives an XOAUTH2 access token (a TokenSource's
    `token` method) and is required when the endpoint says `auth=xoauth2`."""

    def __init__(self, endpoint: Endpoint, *, envelope_from: str, token: Callable[[], str] | None = None,
                 ssl_context: ssl.SSLContext | None = None, timeout: float = 30.0) -> None:
        if endpoint.protocol != "smtp":
            raise ValueError(f"SmtpOutbox needs an smtp:// or smtps:// endpoint, not {endpoint.redacted()}")
        if endpoint.auth == "xoauth2" and token is None:
            raise ValueError(f"{endpoint.redacted()} uses XOAUTH2 but no token source is configured (oauth.provider)")
        self.endpoint = endpoint
        self.name = endpoint.redacted()
        self.envelope_from = envelope_from
        self._token = token
        self._ssl_context = ssl_context
        self._timeout = timeout

    @contextmanager
    def connection(self) -> Iterator[SmtpTransport]:
        """Connect, secure and log in; QUIT when the batch is done, whatever happened in it."""
        token = self._access_token()
        with asyncio.Runner() as runner:
            client = aiosmtplib.SMTP(hostname=self.endpoint.host, port=self.endpoint.port, timeout=self._timeout,
                                     use_tls=self.endpoint.tls == "implicit", start_tls=False,
                                     tls_context=self._ssl_context)
            try:
                runner.run(self._open(client, token))
            except DeliveryError:
                client.close()
                raise
            except (SMTPException, OSError) as exc:  # OSError covers refused, timeouts and TLS failures
                client.close()
                log.warning("cannot connect to %s: %s", self.name, connection_problem(exc))
                raise DeliveryError(f"cannot connect to {self.name}: {connection_problem(exc)}") from exc
            log.info("connected to %s", self.name)
            try:
                yield SmtpTransport(runner, client, envelope_from=self.envelope_from, name=self.name)
            finally:
                _quit(runner, client)

    def _access_token(self) -> str | None:
        """Fetched before connecting, so a token problem costs no connection and names itself."""
        if self.endpoint.auth != "xoauth2" or self._token is None:
            return None
        try:
            return self._token()
        except OAuthError as exc:
            raise DeliveryError(f"no XOAUTH2 token for {self.name}: {exc}") from exc

    async def _open(self, client: aiosmtplib.SMTP, token: str | None) -> None:
        await client.connect()
        if self.endpoint.tls == "starttls":
            await self._starttls(client)
        if client.is_ehlo_or_helo_needed:  # learn the extensions (AUTH, 8BITMIME, SMTPUTF8) in force now
            await _greet(client)
        if self.endpoint.auth == "password":
            await self._login(client)
        elif self.endpoint.auth == "xoauth2" and token is not None:
            await self._xoauth2(client, token)

    async def _starttls(self, client: aiosmtplib.SMTP) -> None:
        await _greet(client)
        if not client.supports_extension("starttls"):
            raise DeliveryError(f"{self.name} does not offer STARTTLS, so nothing (no login, no mail) was sent "
                                "in clear; use smtps:// if it speaks TLS from the first byte, or ?tls=off for a "
                                "loopback test server only")
        await client.starttls()  # RFC 3207: what was said before TLS is forgotten; _open asks again

    async def _login(self, client: aiosmtplib.SMTP) -> None:
        try:
            await client.login(self.endpoint.username, self.endpoint.password)
        except SMTPResponseException as exc:
            raise DeliveryError(f"login as {self.endpoint.username} to {self.name} refused: "
                                f"{exc.code} {' '.join(exc.message.split())}") from exc
        except SMTPException as exc:
            raise DeliveryError(f"cannot log in to {self.name}: {connection_problem(exc)}") from exc

    async def _xoauth2(self, client: aiosmtplib.SMTP, token: str) -> None:
        """AUTH XOAUTH2 by hand (aiosmtplib < 5 has no helper). A refused token is answered with
        334 and an error JSON; the client must send an empty line to get the final 5xx."""
        user = self.endpoint.username
        if "xoauth2" not in {m.lower() for m in client.server_auth_methods}:
            offered = " ".join(client.server_auth_methods) or "none"
            raise DeliveryError(f"{self.name} does not offer AUTH XOAUTH2 (offers: {offered})")
        try:
            initial = base64.b64encode(xoauth2_bytes(user, token))
        except ValueError as exc:
            raise DeliveryError(f"cannot log in to {self.name} with XOAUTH2: {exc}") from exc
        response = await client.execute_command(b"AUTH", b"XOAUTH2", initial)
        detail = ""
        if response.code == 334:
            detail = xoauth2_challenge_text(response.message)
            response = await client.execute_command(b"")
        if response.code != 235:
            server_text = " ".join(response.message.split())
            raise DeliveryError(f"XOAUTH2 login as {user} to {self.name} refused: {response.code} {server_text}"
                                + (f" ({detail})" if detail else ""))


class SmtpTransport:
    """One open, authenticated connection; `send` is one SMTP transaction."""

    def __init__(self, runner: asyncio.Runner, client: aiosmtplib.SMTP, *, envelope_from: str, name: str) -> None:
        self._runner = runner
        self._client = client
        self._envelope_from = envelope_from
        self._name = name

    def send(self, raw: bytes, *, to: str, message_id: str) -> None:
        """Return once the server answered 250 to the data; else raise DeliveryError."""
        if not self._client.is_connected:
            raise DeliveryError(f"the connection to {self._name} was closed earlier in this batch")
        options = mail_options(raw, envelope_from=self._envelope_from, to=to,
                               offered=self._client.esmtp_extensions)
        try:
            _, reply = self._runner.run(self._client.sendmail(self._envelope_from, [to], raw, mail_options=options))
        except SMTPRecipientsRefused as exc:
            first = exc.recipients[0]
            raise self._refused(message_id, delivery_error(first.code, first.message, during=f"RCPT TO:<{to}>")) from exc
        except SMTPSenderRefused as exc:
            raise self._refused(message_id, delivery_error(exc.code, exc.message, during="MAIL FROM")) from exc
        except SMTPDataError as exc:
            raise self._refused(message_id, delivery_error(exc.code, exc.message, during="DATA")) from exc
        except SMTPResponseException as exc:
            raise self._refused(message_id, delivery_error(exc.code, exc.message)) from exc
        except SMTPNotSupported as exc:
            raise self._refused(message_id, DeliveryError(f"{self._name}: {exc}", permanent=True)) from exc
        except ValueError as exc:  # an address aiosmtplib will not put on a command line
            raise self._refused(message_id, DeliveryError(f"bad address for SMTP: {exc}", permanent=True)) from exc
        except (SMTPException, OSError) as exc:  # disconnects and timeouts
            raise self._refused(message_id, DeliveryError(
                f"connection to {self._name} failed while sending: {connection_problem(exc)}")) from exc
        log.info("sent %s to %s via %s: %s", message_id, to, self._name, " ".join(reply.split()))

    def _refused(self, message_id: str, error: DeliveryError) -> DeliveryError:
        log.warning("%s not sent via %s (%s): %s", message_id, self._name,
                    "permanent" if error.permanent else "will retry", error)
        return error


async def _greet(client: aiosmtplib.SMTP) -> None:
    """EHLO, falling back to HELO for the rare server that only speaks plain SMTP."""
    try:
        await client.ehlo()
    except SMTPHeloError:
        if not client.is_connected:
            raise
        await client.helo()


def _quit(runner: asyncio.Runner, client: aiosmtplib.SMTP) -> None:
    """Say goodbye politely; a server that already hung up or will not answer changes nothing."""
    try:
        if client.is_connected:
            runner.run(client.quit(timeout=_QUIT_TIMEOUT))
    except Exception as exc:  # the batch is over: quitting errors are not worth reporting
        log.debug("QUIT to %s failed: %s", client.hostname, connection_problem(exc))
    finally:
        client.close()
