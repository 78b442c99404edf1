"""Who sent the message, whether our server vouched for it, and which accounts they may move.

Only the From mailbox counts (never Reply-To or Sender), and only when it is a single,
well-formed address. The SPF/DKIM/DMARC verdict is read from the Authentication-Results
header of the trusted authserv-id (or the topmost one, which our own server added last);
headers from anyone else are ignored because anyone can write them.
"""
from __future__ import annotations

import re
from email.headerregistry import HeaderRegistry
from email.utils import getaddresses

from bot.model import AuthVerdict, ContactRow, Evidence, Reason, Sender

_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_HEADERS = HeaderRegistry()


def from_address(from_header: str) -> tuple[str, str]:
    """(lower-cased address, display name), or ("", ...) unless exactly one clean ASCII address.

    Two parsers must agree and the strict one find no defect: a header that parsers read
    differently (unclosed comments or brackets, addresses in display names) names nobody.
    """
    try:
        pairs = [(n, a) for n, a in getaddresses([from_header]) if a]
        strict = _HEADERS("From", from_header)
        strict_addresses = [a.addr_spec for a in strict.addresses]
    except Exception:  # noqa: BLE001 - a broken From is an unknown sender, not a crash
        return "", ""
    name = pairs[0][0] if pairs else ""
    if len(pairs) != 1 or strict.defects or strict_addresses != [pairs[0][1]]:
        return "", name
    address = pairs[0][1]
    if not _ADDRESS.match(address) or address.count("@") != 1:
        return "", name
    return address.lower(), name


def parse_authentication_results(values: list[str], *, trusted_authserv_id: str) -> AuthVerdict:
    """The verdict of the trusted header; `values` are Authentication-Results, topmost first."""
    for value in values:
        authserv, _, rest = value.partition(";")
        authserv_id = authserv.strip().split()[0].lower() if authserv.strip() else ""
        if trusted_authserv_id and authserv_id != trusted_authserv_id.lower():
            continue
        results = tuple(
            (m.group(1).lower(), m.group(2).lower())
            for m in re.finditer(r"(?:^|;)\s*([A-Za-z][\w-]*)\s*=\s*([A-Za-z]+)", rest)
        )
        return AuthVerdict(authserv_id, results)
    return AuthVerdict(None, ())


def identify_sender(from_header: str, auth_results: list[str], *, trusted_authserv_id: str) -> Sender:
    address, name = from_address(from_header)
    return Sender(address, name, parse_authentication_results(auth_results, trusted_authserv_id=trusted_authserv_id))


def authorised_accounts(
    sender: Sender, contacts: tuple[ContactRow, ...], *, allowed_roles: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[Reason, ...], tuple[Evidence, ...]]:
    """Accounts whose money this sender may move, or the reasons they may move none."""
    if sender.auth.failed:
        detail = f"{sender.auth.authserv_id}: " + ", ".join(f"{m}=fail" for m in sender.auth.failed)
        return (), (Reason.SENDER_AUTH_FAILED,), (Evidence("sender_auth", detail, reason=Reason.SENDER_AUTH_FAILED),)
    rows = [c for c in contacts if sender.address and c.email.lower() == sender.address]
    if not rows:
        detail = f"{sender.address or 'no usable From address'} is not a registered contact"
        return (), (Reason.UNKNOWN_SENDER,), (Evidence("sender_contact", detail, reason=Reason.UNKNOWN_SENDER),)
    allowed = tuple(sorted({c.account_id for c in rows if c.role in allowed_roles}))
    if not allowed:
        roles = ", ".join(sorted({c.role for c in rows}))
        return (), (Reason.SENDER_NOT_AUTHORIZED,), (Evidence("sender_role", f"{sender.address} has role {roles}", rows=tuple(c.account_id for c in rows), reason=Reason.SENDER_NOT_AUTHORIZED),)
    return allowed, (), (Evidence("sender_contact", f"{sender.address} may request for account(s) {', '.join(allowed)}", rows=allowed),)
