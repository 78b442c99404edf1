"""Log lines: key=value for people, one JSON object per line for shippers."""
from __future__ import annotations

import io
import json
import logging

import pytest

from bot.logs import KeyValueFormatter, configure_logging, extra_fields


@pytest.fixture(autouse=True)
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    noisy = {name: logging.getLogger(name).level for name in ("apscheduler", "imapclient", "aiosmtplib", "msal", "urllib3", "alembic")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, lvl in noisy.items():
        logging.getLogger(name).setLevel(lvl)


def record(msg: str = "message", *args, **extra) -> logging.LogRecord:
    rec = logging.LogRecord("allocbot.test", logging.INFO, __file__, 1, msg, args or None, None)
    rec.__dict__.update(extra)
    return rec


def test_extra_fields_are_only_the_extras_in_order():
    logger = logging.getLogger("allocbot.test.extra")
    captured: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = captured.append
    logger.addHandler(handler)
    try:
        logger.warning("hello %s", "x", extra={"event": "sent", "message_id": "<a@b>", "attempts": 2})
    finally:
        logger.removeHandler(handler)
    assert list(extra_fields(captured[0]).items()) == [("event", "sent"), ("message_id", "<a@b>"), ("attempts", 2)]


def test_extra_fields_leave_out_standard_attributes_even_after_formatting():
    rec = record("m %s", "x")
    logging.Formatter("%(asctime)s %(message)s").format(rec)  # sets message and asctime
    assert extra_fields(rec) == {}


def test_key_value_without_extras_is_the_plain_line():
    assert KeyValueFormatter("%(levelname)s %(message)s").format(record("hello %s", "world")) == "INFO hello world"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param("sent", "sent", id="plain-word"),
        pytest.param("<a@b.example>", "<a@b.example>", id="message-id-unquoted"),
        pytest.param("two words", '"two words"', id="space-quoted"),
        pytest.param('say "hi"', '"say \\"hi\\""', id="quotes-escaped"),
        pytest.param("a=b", '"a=b"', id="equals-quoted"),
        pytest.param("line\nbreak", '"line\\nbreak"', id="newline-escaped"),
        pytest.param("", '""', id="empty-quoted"),
        pytest.param("Zürich", "Zürich", id="non-ascii-kept"),
        pytest.param(3, "3", id="int"),
        pytest.param(None, "null", id="none-as-json"),
        pytest.param(True, "true", id="bool-as-json"),
        pytest.param(["G1", "G2"], '"[\\"G1\\", \\"G2\\"]"', id="list-as-quoted-json"),
        pytest.param({"a": 1}, '"{\\"a\\": 1}"', id="dict-as-quoted-json"),
    ],
)
def test_key_value_quotes_what_needs_quoting(value, shown):
    line = KeyValueFormatter("%(message)s").format(record("m", field=value))
    assert line == f"m field={shown}"


@pytest.mark.parametrize("value", [["G1", "G2"], {"a": [1, "x y"]}, 'q"=\n', 7], ids=["list", "dict", "awkward-string", "int"])
def test_key_value_values_round_trip(value):
    line = KeyValueFormatter("%(message)s").format(record("m", field=value))
    shown = line.removeprefix("m field=")
    text = json.loads(shown) if shown.startswith('"') else shown
    assert (text if isinstance(value, str) else json.loads(text)) == value


def test_key_value_appends_fields_in_order():
    line = KeyValueFormatter("%(message)s").format(record("done", event="cycle", stored=3, reason="lease lost"))
    assert line == 'done event=cycle stored=3 reason="lease lost"'


def test_text_format_through_the_root_logger():
    stream = io.StringIO()
    configure_logging("text", stream=stream)
    logging.getLogger("allocbot.test").info("reply %s", "sent", extra={"event": "reply_sent", "to": "a@b.example"})
    line = stream.getvalue().rstrip("\n")
    assert " INFO allocbot.test reply sent event=reply_sent to=a@b.example" in line
    assert line.endswith("to=a@b.example")


def test_json_format_writes_one_object_per_line_with_the_extras():
    stream = io.StringIO()
    configure_logging("json", stream=stream)
    log = logging.getLogger("allocbot.test")
    log.info("stored %d messages", 3, extra={"event": "intake", "ids": ["G1"], "detail": {"n": 1}})
    log.warning("second")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "stored 3 messages"
    assert first["levelname"] == "INFO" and first["name"] == "allocbot.test"
    assert first["event"] == "intake" and first["ids"] == ["G1"] and first["detail"] == {"n": 1}
    assert second["message"] == "second" and "event" not in second


def test_configure_logging_replaces_handlers_and_sets_the_level():
    root = logging.getLogger()
    stream = io.StringIO()
    configure_logging("text", level=logging.WARNING, stream=stream)
    configure_logging("text", level=logging.WARNING, stream=stream)  # twice: still one handler
    assert len(root.handlers) == 1 and root.level == logging.WARNING
    logging.getLogger("allocbot.test").info("hidden")
    logging.getLogger("allocbot.test").warning("shown")
    assert "hidden" not in stream.getvalue() and "shown" in stream.getvalue()
    assert logging.getLogger("imapclient").level == logging.WARNING
