"""ReplyContent → the exact bytes an SMTP server would receive (CRLF, policy.SMTP).

The file outbox stores these same bytes, so what is tested is what is sent. Choices:
- Threading: In-Reply-To is the original Message-ID; References is the original References
  plus that id (RFC 5322 §3.6.4). With no original Message-ID there is no In-Reply-To, and
  References keeps only the original chain (if any).
- Message ids are written raw and never folded: the stdlib folder would turn an id longer
  than a line (Outlook's are) into RFC 2047 encoded-words, which breaks threading.
- Loops: `Auto-Submitted: auto-replied` (RFC 3834) tells well-behaved responders not to
  answer, `X-Auto-Response-Suppress: All` does the same for Exchange/Outlook, and our own
  loop header lets intake recognise our mail. No `Precedence`: RFC 2076 calls it
  non-standard and discouraged, RFC 3834 made Auto-Submitted the signal, and "bulk"/"junk"
  make filters (Gmail's among them) bury a reply a person is waiting for.
- Body: text/plain utf-8 in quoted-printable, so no relay needs 8BITMIME.
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from email import policy
from email.errors import HeaderParseError
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from bot.replies.render import ReplyContent, one_line

_POLICY = policy.SMTP.clone(refold_source="none")  # keep raw (set_raw) headers exactly as written
_ATOM_UNSAFE = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]")
_ID_UNSAFE = re.compile(r"[^\x21-\x7e]|[<>]")


def compose_reply(content: ReplyContent, *, to_addr: str, to_name: str, from_addr: str, from_name: str,
                  in_reply_to: str, references: tuple[str, ...], message_id: str, loop_header: str,
                  date: datetime, auto_submitted: str = "auto-replied") -> bytes:
    """Build the reply; raises ValueError only when to_addr/from_addr is not an address."""
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = _address(from_name, from_addr)
    msg["To"] = _address(to_name, to_addr)
    _set_subject(msg, one_line(content.subject))
    msg["Date"] = format_datetime(date if date.tzinfo else date.replace(tzinfo=timezone.utc))
    msg.set_raw("Message-ID", _msg_id(message_id) or make_msgid(domain=from_addr.rpartition("@")[2]))
    parent = _msg_id(in_reply_to)
    chain = [i for ref in references for i in map(_msg_id, (ref or "").split()) if i and i != parent]
    chain = list(dict.fromkeys(chain + ([parent] if parent else [])))  # parent last, no repeats
    if parent:
        msg.set_raw("In-Reply-To", parent)
    if chain:
        msg.set_raw("References", "\n ".join(chain))  # one id per line, never split inside an id
    msg["Auto-Submitted"] = auto_submitted  # "auto-generated" for mail that answers nobody (the digest)
    msg["X-Auto-Response-Suppress"] = "All"
    if loop_header and loop_header.strip():
        msg[loop_header.strip()] = from_addr
    msg.set_content(content.body, charset="utf-8", cte="quoted-printable")
    if one_line(content.locale):  # after set_content, which clears Content-* headers
        msg["Content-Language"] = one_line(content.locale)
    return msg.as_bytes()


def new_message_id(from_addr: str, token: str) -> str:
    """"<token@domain-of-from_addr>": the caller's token makes it the same on every retry.

    Characters a Message-ID cannot carry are replaced; a short hash of the original token is
    then appended so two different tokens never collapse into one id.
    """
    if not token or not token.strip():
        raise ValueError("a message id needs a non-empty token")
    safe = re.sub(r"\.{2,}", ".", _ATOM_UNSAFE.sub("-", token.strip())).strip(".") or "x"
    if safe != token:
        safe = f"{safe}.{hashlib.sha256(token.encode()).hexdigest()[:10]}"
    domain = from_addr.rpartition("@")[2].strip().strip(">").lower()
    domain = re.sub(r"[^a-z0-9.-]", "-", domain).strip(".") or "localhost"
    return f"<{safe}@{domain}>"


def _set_subject(msg: EmailMessage, subject: str) -> None:
    """Non-ASCII subjects are encoded by the legacy Header class: the 3.11 folder drops the
    space between two encoded-words of a long subject ("väldigtlångt")."""
    if subject.isascii():
        msg["Subject"] = subject
    else:
        msg.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode(linesep="\n"))


def _address(name: str, addr: str) -> Address:
    try:
        spec = Address(addr_spec=(addr or "").strip().strip("<>").strip())
    except (ValueError, IndexError, HeaderParseError) as exc:  # the parser raises all three
        raise ValueError(f"not an e-mail address: {addr!r}") from exc
    if not spec.username or not spec.domain:
        raise ValueError(f"not an e-mail address: {addr!r}")
    return Address(display_name=one_line(name), username=spec.username, domain=spec.domain)


def _msg_id(value: str) -> str:
    """"<id>" from an id written with or without brackets; "" when nothing usable is left."""
    core = _ID_UNSAFE.sub("", (value or "").strip())
    return f"<{core}>" if core else ""
