"""Keep access keys out of every log line, whoever logs it.

Browsers cannot set headers on ``EventSource`` or ``WebSocket``, so the
editor page sends the key as ``?api_key=``, and uvicorn's access log, and
its lines for WebSocket handshakes, print the whole request target. Redacting
when a record is made, by wrapping the process's log record factory, covers
every logger and handler, those uvicorn configures after the app is built
included: any ``api_key=`` value (the name in any percent-encoding, as
Starlette decodes it), and the configured keys wherever they appear, become
``[redacted]``. A record's text is left alone unless it holds one of them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

REDACTED = "[redacted]"
# Shorter configured keys are left to the pattern: they could be any word.
MIN_SECRET_CHARS = 8


def _any_encoding(name: str) -> str:
    """A pattern for ``name`` with any of its characters percent-encoded."""
    return "".join(f"(?:{re.escape(char)}|%{ord(char):02x})" for char in name)


_QUERY_KEY = re.compile(rf"({_any_encoding('api_key')}=)[^&\s\"'#]+", re.IGNORECASE)
_QUERY_KEY_BYTES = re.compile(_QUERY_KEY.pattern.encode(), re.IGNORECASE)


class RedactingRecordFactory:
    """A log record factory that redacts what the factory it wraps makes."""

    def __init__(self, make: Callable[..., logging.LogRecord]) -> None:
        self.make = make
        self.secrets: set[str] = set()

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.make(*args, **kwargs)
        self.redact_record(record)
        return record

    def redact(self, text: str) -> str:
        text = _QUERY_KEY.sub(rf"\1{REDACTED}", text)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def redact_record(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, str):
            record.msg = self.redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._redact_arg(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {name: self._redact_arg(arg) for name, arg in record.args.items()}
        try:
            message = record.getMessage()
        except Exception:
            return  # a malformed record: the handler reports it
        if self.redact(message) != message:
            # A key came from an argument of another type: keep the redacted text.
            record.msg, record.args = self.redact(message), ()
        if record.exc_info and record.exc_info[1] is not None:
            trace = logging.Formatter().formatException(record.exc_info)
            if self.redact(trace) != trace:
                record.exc_text = self.redact(trace)

    def _redact_arg(self, arg: object) -> object:
        if isinstance(arg, str):
            return self.redact(arg)
        if isinstance(arg, bytes):
            redacted = _QUERY_KEY_BYTES.sub(rb"\1" + REDACTED.encode(), arg)
            for secret in self.secrets:
                redacted = redacted.replace(secret.encode(), REDACTED.encode())
            return redacted
        return arg


def redact_logs(secrets: Iterable[str | None] = ()) -> RedactingRecordFactory:
    """Redact ``?api_key=`` values and ``secrets`` from every record made from now on."""
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, RedactingRecordFactory):
        factory = RedactingRecordFactory(factory)
        logging.setLogRecordFactory(factory)
    factory.secrets.update(s for s in secrets if s and len(s) >= MIN_SECRET_CHARS)
    return factory
