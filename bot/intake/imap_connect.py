"""Opening one logged-in IMAP connection: TLS as the endpoint says, timeouts always, and never
a password or token over plain text unless the URL asked for `tls=off`."""
from __future__ import annotations

import imaplib
import logging
import ssl
from collections.abc import Callable

from imapclient import IMAPClient
from imapclient.imapclient import SocketTimeout

from bot.endpoints import Endpoint
from bot.intake.mailbox import MailboxError

log = logging.getLogger("allocbot.imap")

# Everything a connection can fail with: socket errors and timeouts (OSError, ssl.SSLError)
# and the server's NO/BAD/BYE answers (imaplib's error, which imapclient's errors extend).
IMAP_ERRORS: tuple[type[BaseException], ...] = (OSError, imaplib.IMAP4.error)


def open_imap(endpoint: Endpoint, *, token: Callable[[], str] | None = None,
              ssl_context: ssl.SSLContext | None = None, timeout: float = 30.0) -> IMAPClient:
    """A connection logged in to `endpoint`; MailboxError (naming the server, never the
    secret) when it cannot be had."""
    context = ssl_context or ssl.create_default_context()
    try:
        client = IMAPClient(endpoint.host, endpoint.port, ssl=endpoint.tls == "implicit",
                            ssl_context=context, timeout=SocketTimeout(connect=timeout, read=timeout))
    except IMAP_ERRORS as exc:
        raise MailboxError(f"cannot connect to {endpoint.redacted()}: {describe(exc)}") from exc
    try:
        if endpoint.tls == "starttls":
            _start_tls(client, endpoint, context)
        _log_in(client, endpoint, token)
    except BaseException:
        close_quietly(client, logout=False)
        raise
    log.debug("connected to %s", endpoint.redacted(),
              extra={"event": "imap_connected", "mailbox": endpoint.redacted(), "tls": endpoint.tls})
    return client


def _start_tls(client: IMAPClient, endpoint: Endpoint, context: ssl.SSLContext) -> None:
    """Upgrade before the login; a server that offers no STARTTLS gets no credentials."""
    try:
        offered = client.has_capability("STARTTLS")
        if offered:
            client.starttls(context)
    except IMAP_ERRORS as exc:
        raise MailboxError(f"STARTTLS with {endpoint.redacted()} failed: {describe(exc)}") from exc
    if not offered:
        raise MailboxError(f"{endpoint.redacted()} does not offer STARTTLS; refusing to log in over plain text "
                           "(use imaps://, or ?tls=off only for a loopback test server)")


def _log_in(client: IMAPClient, endpoint: Endpoint, token: Callable[[], str] | None) -> None:
    try:
        if endpoint.auth == "xoauth2":
            if token is None:
                raise MailboxError(f"{endpoint.redacted()} uses XOAUTH2 but no token source is configured")
            client.oauth2_login(endpoint.username, _fresh_token(endpoint, token))
        else:
            client.login(endpoint.username, endpoint.password)
    except IMAP_ERRORS as exc:
        raise MailboxError(f"login to {endpoint.redacted()} ({endpoint.auth}) failed: {describe(exc)}") from exc


def _fresh_token(endpoint: Endpoint, token: Callable[[], str]) -> str:
    try:
        return token()
    except Exception as exc:  # noqa: BLE001 - any failure of the token source means no login
        raise MailboxError(f"no XOAUTH2 token for {endpoint.redacted()}: {describe(exc)}") from exc


def close_quietly(client: IMAPClient | None, *, logout: bool = True) -> None:
    """Log out if asked (a healthy connection), else just close the socket; never raises.
    A broken connection is not logged out: that would wait a read timeout for nothing."""
    if client is None:
        return
    try:
        if logout:
            client.logout()
            return
    except Exception:  # noqa: BLE001 - the connection is being thrown away anyway
        pass
    try:
        client.shutdown()
    except Exception:  # noqa: BLE001
        pass


def describe(exc: BaseException) -> str:
    """An exception as one readable line (socket timeouts have an empty str())."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
