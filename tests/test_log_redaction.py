"""Log records are redacted as they are made, whatever logs them and however."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from service.log_redaction import redact_logs

SECRET = "s3cret-configured-key"


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    before = logging.getLogRecordFactory()
    redact_logs([SECRET, "short", None])
    kept: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            self.format(record)
            kept.append(record)

    logger = logging.getLogger("tests.redaction")
    handler = Keep()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield kept
    finally:
        logger.removeHandler(handler)
        logging.setLogRecordFactory(before)


def line(record: logging.LogRecord) -> str:
    return logging.Formatter().format(record)


def test_an_access_line_keeps_its_arguments_with_the_value_redacted(
    records: list[logging.LogRecord],
) -> None:
    log = logging.getLogger("tests.redaction")
    log.info('%s - "%s %s HTTP/%s" %d', "1.2.3.4:5", "GET", "/ws?a=1&api_key=abc&b=2", "1.1", 200)
    assert records[0].args == ("1.2.3.4:5", "GET", "/ws?a=1&api_key=[redacted]&b=2", "1.1", 200)


@pytest.mark.parametrize(
    "target", ["/x?api_key=abc", "/x?API_KEY=abc", "/x?api%5Fkey=abc", "/x?%61pi%5fkey=abc"]
)
def test_every_spelling_of_the_name_is_redacted(
    records: list[logging.LogRecord], target: str
) -> None:
    logging.getLogger("tests.redaction").info("GET %s", target)
    assert "abc" not in line(records[0])
    assert "=[redacted]" in line(records[0])


def test_keys_in_other_arguments_messages_and_tracebacks_are_redacted(
    records: list[logging.LogRecord],
) -> None:
    log = logging.getLogger("tests.redaction")

    class Url:
        def __str__(self) -> str:
            return "http://h/ws?api_key=abc"

    log.info("to %s", Url())
    log.info(f"configured {SECRET}")
    log.info("bytes %r", b"/ws?api_key=abc")
    try:
        raise ValueError(f"bad target /events?api_key=abc with {SECRET}")
    except ValueError:
        log.exception("failed")
    lines = [line(record) for record in records]
    assert all("[redacted]" in text for text in lines)
    assert not any("abc" in text or SECRET in text for text in lines)


def test_a_short_configured_key_is_left_to_the_pattern(records: list[logging.LogRecord]) -> None:
    logging.getLogger("tests.redaction").info("a short story")
    assert line(records[0]) == "a short story"
