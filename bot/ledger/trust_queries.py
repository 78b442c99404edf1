"""What sender trust needs to know beyond the sender's own contact rows: the domains the
accounts' contacts write from (to spot a look-alike domain) and an account's authorised
contacts (to say whom to confirm with). Read-only; keyword arguments only; never commits."""
from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from bot.ledger.tables import Contact
from bot.model import ContactRow

# Free-mail and shared domains say nothing about an account: a look-alike of gmail.com is not
# an impersonation of the account whose contact happens to use Gmail.
SHARED_DOMAINS = frozenset({"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com",
                            "icloud.com", "me.com", "aol.com", "gmx.de", "gmx.net", "web.de", "proton.me",
                            "protonmail.com", "mail.com", "yandex.ru", "qq.com"})


def contact_domains(session: Session) -> dict[str, tuple[str, ...]]:
    """Each domain the contacts write from, with the accounts whose contacts use it."""
    out: dict[str, set[str]] = {}
    for account_id, email in session.exec(select(Contact.account_id, Contact.email)).all():
        domain = (email or "").rpartition("@")[2].strip().lower()
        if domain and domain not in SHARED_DOMAINS:
            out.setdefault(domain, set()).add(account_id)
    return {d: tuple(sorted(a)) for d, a in out.items()}


def account_admins(session: Session, *, account_ids: Iterable[str], roles: Iterable[str]) -> tuple[ContactRow, ...]:
    """The contacts of these accounts who may request allocations, by name."""
    ids, allowed = sorted(set(account_ids)), sorted(set(roles))
    if not ids or not allowed:
        return ()
    rows = session.exec(select(Contact).where(col(Contact.account_id).in_(ids), col(Contact.role).in_(allowed))
                        .order_by(Contact.account_id, Contact.name, Contact.email)).all()
    return tuple(ContactRow(c.account_id, c.email, c.name, c.role) for c in rows)


def trust_context(session: Session, *, contacts: tuple[ContactRow, ...], roles: Iterable[str]) -> dict:
    """What `decide` needs beyond the sender's own rows: the accounts' domains when the sender is
    nobody's contact (a look-alike is only worth looking for then), else the sender's accounts'
    authorised contacts (to say whom a held request must be confirmed with)."""
    if not contacts:
        return {"account_domains": contact_domains(session)}
    return {"admins": account_admins(session, account_ids=[c.account_id for c in contacts], roles=roles)}


__all__ = ["SHARED_DOMAINS", "account_admins", "contact_domains", "trust_context"]
