"""Log lines: one per message processed and per reply sent, with the facts in fields.

Code logs with `extra={"event": ..., ...}`; `text` format appends those fields as
`key=value` (for people at a terminal), `json` writes one JSON object per line (for log
shippers). Chosen by the `log_format` setting."""
from __future__ import annotations

import json
import logging
import sys

from pythonjsonlogger.json import JsonFormatter

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


def extra_fields(record: logging.LogRecord) -> dict[str, object]:
    """The `extra={...}` a log call added, in the order given."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD}


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = extra_fields(record)
        if fields:
            line += " " + " ".join(f"{k}={_value(v)}" for k, v in fields.items())
        return line


def _value(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return json.dumps(text, ensure_ascii=False) if (not text or any(c in text for c in ' "=\n')) else text


def configure_logging(fmt: str = "text", *, level: int = logging.INFO, stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", timestamp=False))
    else:
        handler.setFormatter(KeyValueFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("apscheduler", "imapclient", "aiosmtplib", "msal", "urllib3", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
