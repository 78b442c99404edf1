"""What a bounce says about the mail it returns: the original Message-ID(s), whether delivery
failed for good, and why. Pure and total: no I/O, never raises.

A bounce is traced to the reply it returns by that reply's Message-ID (each reply has its own,
stored with its outbox row). Mail systems give it back in one of these places, read in this
order (the most reliable first):

1. the returned message or its header section: a `message/rfc822` (or `message/global`,
   `message/global-headers`) part, or a `text/rfc822-headers` part (RFC 3462/6522 DSNs,
   Exchange, Gmail, Postfix, Exim with DSN);
2. the bounce's own `In-Reply-To` and `References` (some gateways thread their notices);
3. a `Message-ID:` line in the bounce's plain text (qmail, older Exim and Sendmail quote
   the returned message inline under "--- Below this line is a copy of the message.").

Only ids are collected here; the caller matches them against its own outbox, so an id that
is somebody else's matches nothing.

"Failed" means a permanent failure: a DSN with `Action: failed` (or a 5.x.x status when no
action is given). A DSN that only reports `delayed`, `delivered`, `relayed` or `expanded`,
a read receipt (`report-type=disposition-notification`), an abuse report
(`feedback-report`), or a mailer-daemon notice whose subject says "delayed" or "warning"
is not a bounce of the reply: the reply may still arrive.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_MAX_PARTS = 200
_MAX_IDS = 20
_MAX_TEXT = 256 * 1024
_MSG_ID = re.compile(r"<[^<>\s@]{1,900}@[^<>\s]{1,255}>")
_MSG_ID_LINE = re.compile(r"^[ \t>]*message-id:[ \t]*(?:\r?\n[ \t]+)?(<[^<>\s@]{1,900}@[^<>\s]{1,255}>)",
                          re.IGNORECASE | re.MULTILINE)
_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*(?:\r?\n[ \t]+.*)*)", re.MULTILINE)
_RETURNED_MESSAGE = ("message/rfc822", "message/global", "message/global-headers", "text/rfc822-headers")
_STATUS_PARTS = ("message/delivery-status", "message/global-delivery-status")
_DELAY_SUBJECT = re.compile(r"\bdelay(?:ed)?\b|\bwarning\b|still being retried|not (?:yet )?been delivered yet"
                            r"|verz[öo]gert|zur[üu]ckgestellt|retard", re.IGNORECASE)
_SMTP_ERROR = re.compile(r"\b5\d\d[ -]\d\.\d{1,3}\.\d{1,3}\b[^\r\n]*|\b5\.\d{1,3}\.\d{1,3}\b[^\r\n]*|\b5\d\d [^\r\n]{4,}")
_NON_DELIVERY_REPORTS = ("disposition-notification", "feedback-report")
_MAX_REASON = 500


@dataclass(frozen=True)
class BounceReport:
    message_ids: tuple[str, ...]  # "<id@host>" of the returned mail, most reliable first, no repeats
    failed: bool  # a permanent failure (not a delay warning, receipt or success notice)
    reason: str  # e.g. '5.1.1 (smtp; 550 5.1.1 user unknown) for ann@example.com'
    recipients: tuple[str, ...] = ()  # the addresses that failed, when the bounce names them


def read_bounce(msg: Any) -> BounceReport:
    """What `msg` (a parsed bounce) says; an unreadable bounce names nothing and is not failed."""
    try:
        return _read(msg)
    except Exception:  # noqa: BLE001 - a broken bounce must never stop the cycle
        return BounceReport((), False, "")


def original_message_ids(msg: Any) -> tuple[str, ...]:
    """The Message-ID(s) of the mail a bounce returns, most reliable first."""
    return read_bounce(msg).message_ids


# ---- reading -------------------------------------------------------------------------------

def _read(msg: Any) -> BounceReport:
    parts = _own_parts(msg)
    ids: list[str] = []
    for part in parts:  # 1. the returned message or its headers
        kind = _content_type(part)
        if kind in _RETURNED_MESSAGE:
            ids += _returned_ids(part, kind)
    for name in ("in-reply-to", "references"):  # 2. threading headers of the bounce itself
        for value in _header_values(msg, name):
            ids += _MSG_ID.findall(value)
    for part in parts:  # 3. a copy quoted in the text
        if _content_type(part) == "text/plain":
            ids += _MSG_ID_LINE.findall(_text(part))
    message_ids = tuple(dict.fromkeys(ids))[:_MAX_IDS]

    blocks = [fields for part in parts if _content_type(part) in _STATUS_PARTS for fields in _status_blocks(part)]
    recipients_blocks = [b for b in blocks if "action" in b or "final-recipient" in b or "status" in b]
    subject = next(iter(_header_values(msg, "subject")), "")
    if recipients_blocks:
        failed_blocks = [b for b in recipients_blocks if _block_failed(b)]
        failed = bool(failed_blocks)
        reason = " | ".join(_block_reason(b) for b in failed_blocks) if failed else ""
        recipients = tuple(dict.fromkeys(r for b in failed_blocks if (r := _address(b.get("final-recipient", "")))))
    elif _report_type(msg) in _NON_DELIVERY_REPORTS:
        failed, reason, recipients = False, "", ()
    else:
        failed = not _DELAY_SUBJECT.search(subject)
        reason = _text_reason(parts, subject) if failed else ""
        recipients = tuple(dict.fromkeys(a for v in _header_values(msg, "x-failed-recipients")
                                         for a in re.split(r"[,\s]+", v) if "@" in a))
    return BounceReport(message_ids, failed, _one_line(reason)[:_MAX_REASON], recipients)


def _own_parts(msg: Any) -> list[Any]:
    """The bounce's own MIME tree, without descending into the messages it returns."""
    found, stack = [], [msg]
    while stack and len(found) < _MAX_PARTS:
        part = stack.pop()
        found.append(part)
        if _content_type(part).startswith("multipart/"):
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(reversed(payload))
    return found


def _returned_ids(part: Any, kind: str) -> list[str]:
    if kind == "text/rfc822-headers":
        return _MSG_ID_LINE.findall(_text(part))
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if inner is not None and hasattr(inner, "raw_items"):
        return [i for v in _header_values(inner, "message-id") for i in _MSG_ID.findall(v)][:1]
    return _MSG_ID_LINE.findall(payload if isinstance(payload, str) else _text(part))


def _status_blocks(part: Any) -> list[dict[str, str]]:
    """The per-message and per-recipient field blocks of a delivery-status part."""
    payload = part.get_payload()
    texts: list[str] = []
    if isinstance(payload, list):  # message/delivery-status: one Message per block
        for block in payload:
            texts.append("\n".join(f"{k}: {v}" for k, v in _raw_items(block)))
            rest = block.get_payload() if hasattr(block, "get_payload") else ""
            if isinstance(rest, str) and rest.strip():  # global-delivery-status parses as one message
                texts.append(rest)
    elif isinstance(payload, str):
        texts.append(payload)
    blocks = []
    for text in texts:
        for chunk in re.split(r"\r?\n[ \t]*\r?\n", text):
            fields: dict[str, str] = {}
            for name, value in _FIELD.findall(chunk):
                fields.setdefault(name.lower(), " ".join(value.split()))
            if fields:
                blocks.append(fields)
    return blocks


def _block_failed(block: dict[str, str]) -> bool:
    action = block.get("action", "").strip().lower()
    if action:
        return action.split()[0] == "failed"
    return block.get("status", "").strip().startswith("5")


def _block_reason(block: dict[str, str]) -> str:
    status = block.get("status", "").split()[0] if block.get("status") else ""
    diagnostic = block.get("diagnostic-code", "")
    recipient = _address(block.get("final-recipient", "") or block.get("original-recipient", ""))
    text = status or "failed"
    if diagnostic:
        text += f" ({diagnostic})"
    if recipient:
        text += f" for {recipient}"
    return text


def _text_reason(parts: list[Any], subject: str) -> str:
    """A mailer-daemon notice without a DSN: its first SMTP error line, else its subject."""
    for part in parts:
        if _content_type(part) == "text/plain":
            hit = _SMTP_ERROR.search(_text(part))
            if hit:
                return hit.group(0)
    return subject or "mail delivery failed"


# ---- small readers (never raise on odd input) ----------------------------------------------

def _raw_items(part: Any) -> list[tuple[str, str]]:
    try:
        return [(str(k), _decoded(v)) for k, v in part.raw_items()]
    except Exception:  # noqa: BLE001
        return []


def _decoded(value: Any) -> str:
    return " ".join(str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace").split())


def _header_values(part: Any, name: str) -> list[str]:
    return [v for k, v in _raw_items(part) if k.strip().lower() == name]


def _content_type(part: Any) -> str:
    value = next(iter(_header_values(part, "content-type")), "text/plain")
    return re.split(r"[;\s]", value.strip(), maxsplit=1)[0].lower() or "text/plain"


def _report_type(msg: Any) -> str:
    if _content_type(msg) != "multipart/report":
        return ""
    hit = re.search(r"report-type\s*=\s*\"?([\w.-]+)", next(iter(_header_values(msg, "content-type")), ""), re.I)
    return hit.group(1).lower() if hit else ""


def _text(part: Any) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        payload = None
    if isinstance(payload, bytes):
        return payload[:_MAX_TEXT].decode("utf-8", "replace")
    raw = part.get_payload()
    return raw[:_MAX_TEXT] if isinstance(raw, str) else ""


def _address(value: str) -> str:
    """"rfc822; Ann@Example.com" -> "ann@example.com"."""
    text = value.split(";", 1)[-1].strip().strip("<>").strip()
    return text.lower() if "@" in text else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())
