"""XOAUTH2 access tokens for the IMAP and SMTP adapters (URLs with `auth=xoauth2`).

Two sources, chosen by `[oauth] provider`:
- `msal`: Microsoft 365 client-credentials flow. MSAL keeps the token in memory and refreshes
  it near expiry, so every `token()` call simply asks MSAL.
- `command`: any program that prints a fresh token (`gcloud auth print-access-token`,
  `oauth2l fetch …`). It is run without a shell and its token reused for `cache_seconds`.

Nothing here connects at import or construction: a source reaches out only when a
connection needs a token. Error messages name what failed but never the client secret.
"""
from __future__ import annotations

import re
import shlex
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from bot.settings import OAuthSettings

_STDERR_TAIL = 300


class OAuthError(Exception):
    """No token could be had; the message says which setting, command or server answer is why."""


class TokenSource(Protocol):
    def token(self) -> str:
        """A valid access token, refreshed when near expiry."""


def xoauth2_bytes(user: str, token: str) -> bytes:
    """The SASL XOAUTH2 initial response before base64, shared by IMAP and SMTP."""
    for name, value in (("user", user), ("token", token)):
        if not value or re.search(r"[\x00-\x20\x7f]", value):
            raise ValueError(f"XOAUTH2 {name} is empty or contains spaces or control characters")
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


def build_token_source(settings: OAuthSettings) -> TokenSource | None:
    """The configured source, or None for provider "none"; raises OAuthError naming a missing setting."""
    if settings.provider == "none":
        return None
    if settings.provider == "msal":
        _require(settings, "msal", ("tenant_id", "client_id", "client_secret"))
        return MsalTokenSource(settings)
    _require(settings, "command", ("command",))
    return CommandTokenSource(settings.command, timeout=settings.timeout_seconds)


def _require(settings: OAuthSettings, provider: str, fields: tuple[str, ...]) -> None:
    missing = [f"oauth.{name}" for name in fields if not str(getattr(settings, name)).strip()]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise OAuthError(f"{' and '.join(missing)} {verb} required for provider {provider}")


class MsalTokenSource:
    """Client-credentials tokens from Microsoft Entra ID. `app` is for tests: any object with
    MSAL's `acquire_token_for_client(scopes=...)`."""

    def __init__(self, settings: OAuthSettings, *, app: Any = None) -> None:
        self._settings = settings
        self._app = app
        self._lock = threading.Lock()

    def token(self) -> str:
        s = self._settings
        try:
            result = self._client().acquire_token_for_client(scopes=[s.scope])
        except OAuthError:
            raise
        except Exception as exc:  # MSAL and requests raise many types; all mean "no token now"
            raise OAuthError(self._redact(f"MSAL token request for client {s.client_id} failed: "
                                          f"{type(exc).__name__}: {exc}")) from None
        if not isinstance(result, dict) or not result.get("access_token"):
            raise OAuthError(self._redact(msal_failure(result, client_id=s.client_id, tenant_id=s.tenant_id)))
        return str(result["access_token"])

    def _client(self) -> Any:
        """The MSAL app, built on first use: building it fetches the tenant's metadata."""
        with self._lock:
            if self._app is None:
                import msal

                s = self._settings
                try:
                    self._app = msal.ConfidentialClientApplication(
                        s.client_id, authority=f"{s.authority_host.rstrip('/')}/{s.tenant_id}",
                        client_credential=s.client_secret)
                except Exception as exc:
                    raise OAuthError(self._redact(f"MSAL setup for tenant {s.tenant_id} failed: "
                                                  f"{type(exc).__name__}: {exc}")) from None
            return self._app

    def _redact(self, text: str) -> str:
        secret = self._settings.client_secret
        return text.replace(secret, "***") if secret else text


def msal_failure(result: Any, *, client_id: str, tenant_id: str) -> str:
    """MSAL's error and description on one line (its descriptions carry trace ids support asks for)."""
    result = result if isinstance(result, dict) else {}
    error = result.get("error") or "no access_token in the response"
    description = " ".join(str(result.get("error_description") or "").split())
    return (f"no OAuth token for client {client_id} in tenant {tenant_id}: {error}"
            + (f": {description}" if description else ""))


class CommandTokenSource:
    """Runs `command` (split like a shell would, but without one) and uses its stdout as the token."""

    def __init__(self, command: str, *, timeout: float, cache_seconds: float = 300,
                 clock: Callable[[], float] = time.monotonic) -> None:
        try:
            self._argv = shlex.split(command)
        except ValueError as exc:
            raise OAuthError(f"oauth.command cannot be split into arguments: {exc}") from None
        if not self._argv:
            raise OAuthError("oauth.command is empty")
        self._timeout = timeout
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cached: tuple[str, float] | None = None  # token, valid until (clock time)
        self._lock = threading.Lock()

    @property
    def program(self) -> str:
        """Only the program is named in errors: its arguments may carry credentials."""
        return self._argv[0]

    def token(self) -> str:
        with self._lock:
            now = self._clock()
            if self._cached and now < self._cached[1]:
                return self._cached[0]
            token = self._run()
            self._cached = (token, now + self._cache_seconds)
            return token

    def _run(self) -> str:
        try:
            done = subprocess.run(self._argv, capture_output=True, stdin=subprocess.DEVNULL,
                                  timeout=self._timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise OAuthError(f"token command {self.program} timed out after {self._timeout:g}s"
                             f"{_tail(exc.stderr)}") from None
        except OSError as exc:
            raise OAuthError(f"cannot run token command {self.program}: {exc.strerror or exc}") from None
        if done.returncode != 0:
            raise OAuthError(f"token command {self.program} exited with status {done.returncode}"
                             f"{_tail(done.stderr)}")
        token = done.stdout.decode("utf-8", "replace").strip()
        if not token:
            raise OAuthError(f"token command {self.program} printed no token{_tail(done.stderr)}")
        if any(ch.isspace() for ch in token):
            raise OAuthError(f"token command {self.program} printed more than the token (whitespace in its output)")
        return token


def _tail(stderr: bytes | str | None) -> str:
    """"; stderr: …" with the end of the command's stderr, where programs put the actual error."""
    if not stderr:
        return ""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    text = " ".join(text.split())
    if len(text) > _STDERR_TAIL:
        text = "…" + text[-_STDERR_TAIL:]
    return f"; stderr: {text}" if text else ""
