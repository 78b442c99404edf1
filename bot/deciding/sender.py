"""Who sent the message, whether our server vouched for it, and which accounts they may move.

Only the From mailbox counts (never Reply-To or Sender), and only when the message has one
From header naming a single, well-formed ASCII address. The SPF/DKIM/DMARC verdict is read
from the Authentication-Results header of the trusted authserv-id (or the topmost one, which
our own server added last); headers from anyone else are ignored because anyone can write them.

Read the From header as it came over the wire (`sender_of`), never as a mail library printed
it again: the library's rendering drops what it could not parse, so `ann@bluepeak.example
<evil@x.com>`, `ann@bluepeak.example(<evil@x.com>` or an encoded word in the domain
(`ann@=?utf-8?q?bluepeak.example?=`) would come back as a clean `ann@bluepeak.example`,
while the receiving server checked DMARC for another domain.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from email.errors import ObsoleteHeaderDefect
from email.headerregistry import HeaderRegistry
from email.message import Message
from email.utils import getaddresses

from bot.model import AuthVerdict, ContactRow, Evidence, Reason, Sender

_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_HEADERS = HeaderRegistry()


def from_address(from_header: str) -> tuple[str, str]:
    """(lower-cased address, display name), or ("", ...) unless exactly one clean ASCII address.

    Two parsers must agree and the strict one find no defect: a header that parsers read
    differently (unclosed comments or brackets, addresses in display names) names nobody.
    A group (`name: addr;`) is not a mailbox and names nobody either.
    """
    value = _FOLD.sub("", from_header or "")
    if "\r" in value or "\n" in value or "\x00" in value:
        return "", ""
    try:
        pairs = [(n, a) for n, a in getaddresses([value]) if a]
        strict = _HEADERS("From", value)
        strict_addresses = [a.addr_spec for a in strict.addresses]
        grouped = any(g.display_name is not None for g in strict.groups)
    except Exception:  # noqa: BLE001 - a broken From is an unknown sender, not a crash
        return "", ""
    name = strict.addresses[0].display_name if len(strict.addresses) == 1 else (pairs[0][0] if pairs else "")
    if len(pairs) != 1 or _defects(strict) or grouped or strict_addresses != [pairs[0][1]]:
        return "", name
    address = pairs[0][1]
    if not _ADDRESS.fullmatch(address) or address.count("@") != 1:
        return "", name
    return address.lower(), name


def _defects(header) -> list:
    """The header's defects, but for an unquoted period in the display name ("John Q. Public
    <jqp@x.com>", "A. Admin <…>"): obsolete syntax that mail clients still write every day,
    and that names the same single address to every parser."""
    return [d for d in header.defects if not (isinstance(d, ObsoleteHeaderDefect) and "period in 'phrase'" in str(d))]


def raw_header_values(msg: Message, name: str) -> list[str]:
    """Every `name` header of `msg` as received (unfolded), topmost first; 8-bit text (RFC 6532)
    as the UTF-8 it was sent in."""
    values = []
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            text = _FOLD.sub("", str(value))
            try:  # the bytes parser keeps undecodable bytes as surrogates
                text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            except UnicodeError:
                pass
            values.append(text)
    return values


def parse_authentication_results(values: list[str], *, trusted_authserv_id: str) -> AuthVerdict:
    """The verdict of the trusted header; `values` are Authentication-Results, topmost first."""
    for value in values:
        authserv, _, rest = _FOLD.sub("", value).partition(";")
        authserv_id = authserv.strip().split()[0].lower() if authserv.strip() else ""
        if trusted_authserv_id and authserv_id != trusted_authserv_id.lower():
            continue
        results = tuple(
            (m.group(1).lower(), m.group(2).lower())
            for m in re.finditer(r"(?:^|;)\s*([A-Za-z][\w-]*)\s*=\s*([A-Za-z]+)", rest)
        )
        return AuthVerdict(authserv_id, results)
    return AuthVerdict(None, ())


def identify_sender(from_header: str | Sequence[str], auth_results: list[str], *, trusted_authserv_id: str) -> Sender:
    """The sender from the From header value(s). Given a list (every From header the message
    has, as received), anything but exactly one names nobody."""
    if isinstance(from_header, str):
        address, name = from_address(from_header)
    elif len(from_header) == 1:
        address, name = from_address(from_header[0])
    else:
        address, name = "", ""
    return Sender(address, name, parse_authentication_results(auth_results, trusted_authserv_id=trusted_authserv_id))


def sender_of(msg: Message, *, trusted_authserv_id: str) -> Sender:
    """The verified sender of a parsed message, read from its headers as received."""
    return identify_sender(raw_header_values(msg, "From"), raw_header_values(msg, "Authentication-Results"),
                           trusted_authserv_id=trusted_authserv_id)


def _same_address(contact_email: str, address: str) -> bool:
    """Case-insensitive for ASCII only: str.lower() turns some non-ASCII letters into ASCII
    ones (the Kelvin sign K into k), and a look-alike must never match."""
    return bool(address) and contact_email.isascii() and contact_email.strip().lower() == address


def authorised_accounts(
    sender: Sender, contacts: tuple[ContactRow, ...], *, allowed_roles: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[Reason, ...], tuple[Evidence, ...]]:
    """Accounts whose money this sender may move, or the reasons they may move none."""
    if sender.auth.failed:
        detail = f"{sender.auth.authserv_id}: " + ", ".join(f"{m}=fail" for m in sender.auth.failed)
        return (), (Reason.SENDER_AUTH_FAILED,), (Evidence("sender_auth", detail, reason=Reason.SENDER_AUTH_FAILED),)
    rows = [c for c in contacts if _same_address(c.email, sender.address)]
    if not rows:
        detail = f"{sender.address or 'no usable From address'} is not a registered contact"
        return (), (Reason.UNKNOWN_SENDER,), (Evidence("sender_contact", detail, reason=Reason.UNKNOWN_SENDER),)
    allowed = tuple(sorted({c.account_id for c in rows if c.role in allowed_roles}))
    if not allowed:
        roles = ", ".join(sorted({c.role for c in rows}))
        return (), (Reason.SENDER_NOT_AUTHORIZED,), (Evidence("sender_role", f"{sender.address} has role {roles}", rows=tuple(c.account_id for c in rows), reason=Reason.SENDER_NOT_AUTHORIZED),)
    return allowed, (), (Evidence("sender_contact", f"{sender.address} may request for account(s) {', '.join(allowed)}", rows=allowed),)
