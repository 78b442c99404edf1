"""Mail server URLs in the style of DATABASE_URL, parsed into one value for both adapters.

`imaps://user:password@host:993/INBOX`  TLS from the first byte
`imap://user:password@host:143/INBOX`   STARTTLS (required when the server offers it)
`...?tls=off`                           plain text, only for loopback test servers
`...?auth=xoauth2`                      XOAUTH2 with a token from the configured token source
The same holds for `smtps://` (465) and `smtp://` (587). User and password are
percent-decoded, so `p%40ss` is the password `p@ss`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

Tls = Literal["implicit", "starttls", "off"]
Auth = Literal["password", "xoauth2", "none"]

DEFAULT_PORTS = {("imap", "implicit"): 993, ("imap", "starttls"): 143, ("imap", "off"): 143,
                 ("smtp", "implicit"): 465, ("smtp", "starttls"): 587, ("smtp", "off"): 25}


class EndpointError(ValueError):
    """A mail server URL that cannot be used; the message says which part is wrong."""


@dataclass(frozen=True)
class Endpoint:
    protocol: Literal["imap", "smtp"]
    host: str
    port: int
    tls: Tls
    auth: Auth
    username: str = ""
    password: str = ""
    folder: str = ""  # IMAP only: the folder to read, INBOX by default

    def redacted(self) -> str:
        """The URL without its password, for logs and `allocbot status`."""
        scheme = self.protocol + ("s" if self.tls == "implicit" else "")
        user = f"{self.username}@" if self.username else ""
        path = f"/{self.folder}" if self.folder else ""
        return f"{scheme}://{user}{self.host}:{self.port}{path}"


def parse_endpoint(url: str) -> Endpoint:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("imap", "imaps", "smtp", "smtps"):
        raise EndpointError(f"unknown scheme {scheme!r}: use imap://, imaps://, smtp:// or smtps://")
    protocol: Literal["imap", "smtp"] = "imap" if scheme.startswith("imap") else "smtp"
    if not parts.hostname:
        raise EndpointError("the URL names no host")
    query = {k.lower(): v[-1].lower() for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = set(query) - {"tls", "auth"}
    if unknown:
        raise EndpointError(f"unknown URL option(s): {', '.join(sorted(unknown))}")
    tls: Tls = "implicit" if scheme.endswith("s") else "starttls"
    if query.get("tls") in ("off", "no", "false", "0"):
        if tls == "implicit":
            raise EndpointError(f"{scheme}:// is TLS from the first byte; tls=off needs {protocol}://")
        tls = "off"
    elif "tls" in query and query["tls"] not in ("on", "yes", "true", "1", "starttls"):
        raise EndpointError(f"tls={query['tls']} is not off or on")
    username = unquote(parts.username or "")
    password = unquote(parts.password or "")
    auth_opt = query.get("auth", "")
    if auth_opt not in ("", "password", "xoauth2", "none"):
        raise EndpointError(f"auth={auth_opt} is not password, xoauth2 or none")
    if not auth_opt and username and not password:  # an empty password variable must not silently mean "token"
        raise EndpointError("a user without a password: write user:password@, or add ?auth=xoauth2 for a token")
    auth: Auth = auth_opt or ("password" if password else "none")  # type: ignore[assignment]
    if auth == "password" and not (username and password):
        raise EndpointError("password login needs user:password@ in the URL")
    if auth == "xoauth2" and not username:
        raise EndpointError("XOAUTH2 needs the mailbox user in the URL (user@host)")
    if protocol == "imap" and auth == "none":
        raise EndpointError("IMAP needs a login: user:password@ or user@ with auth=xoauth2")
    try:
        port = parts.port or DEFAULT_PORTS[(protocol, tls)]
    except ValueError as exc:
        raise EndpointError(f"bad port: {exc}") from None
    folder = unquote(parts.path.lstrip("/")) if protocol == "imap" else ""
    return Endpoint(protocol=protocol, host=parts.hostname, port=port, tls=tls, auth=auth,
                    username=username, password=password, folder=folder or ("INBOX" if protocol == "imap" else ""))
